"""`keras-wgan evaluate --num`: the n the image scores use, said when it is not --num."""

import json
import re

import pytest

from keras_wgan import WGANGP
from keras_wgan import cli
from tests.helpers import tiny_dcgan_pair

pytestmark = pytest.mark.usefixtures("classifier_cache")


@pytest.fixture(scope="module")
def digits_model(tmp_path_factory):
    """An untrained tiny generator of 8x8 digits, saved as `.keras`."""
    generator, critic = tiny_dcgan_pair()
    model = WGANGP(generator, critic, seed=0)
    model.compile()
    path = tmp_path_factory.mktemp("model") / "model.keras"
    model.save(path)
    return str(path)


def test_a_num_above_the_references_says_which_n_it_scores_and_why(digits_model, tmp_path,
                                                                   capsys):
    output = tmp_path / "scores.json"
    assert cli.main(["evaluate", digits_model, "--num", "2000", "--output", str(output)]) == 0
    stdout = capsys.readouterr().out
    said = re.search(r"Scoring n = (\d+) of 2000 generated images: the degraded reference has "
                     r"\d+ real training images \(those outside classes \[0, 1, 2\]\)", stdout)
    assert said, stdout
    n = int(said.group(1))
    assert n < 2000 and json.loads(output.read_text())["num_samples"] == n
    assert f"n = {n} per set" in stdout


def test_a_num_the_references_can_match_is_scored_as_asked(digits_model, capsys):
    assert cli.main(["evaluate", digits_model, "--num", "300"]) == 0
    stdout = capsys.readouterr().out
    assert "Scoring n =" not in stdout and "n = 300 per set" in stdout
