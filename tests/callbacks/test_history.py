"""`JsonHistory`: the epoch metrics on disk, one value per epoch, read back for a resumed run."""

import json

import numpy as np

from keras_wgan import WGANGP
from keras_wgan import callbacks
from keras_wgan import data
from tests.helpers import tiny_mlp_pair
from tests.helpers import toy_points


def test_sample_scatter_and_json_history(tmp_path):
    generator, critic = tiny_mlp_pair()
    model = WGANGP(generator, critic, critic_steps=2, seed=0)
    model.compile()
    points = toy_points(64)
    latent = np.zeros((10, 2), "float32")
    scatter = callbacks.SampleScatter(latent, tmp_path / "samples", real=points)
    history = callbacks.JsonHistory(tmp_path / "history.json")
    model.fit(data.make_dataset(points, 8, critic_steps=2), epochs=2, verbose=0, shuffle=False,
              callbacks=[scatter, history])
    assert [p.name for p in sorted((tmp_path / "samples").iterdir())] == [
        "epoch_001.png", "epoch_002.png"
    ]
    assert len(history.history["wasserstein_estimate"]) == 2
    assert (tmp_path / "history.json").exists()


def test_json_history_pads_epochs_without_a_value(tmp_path):
    saved = callbacks.JsonHistory(tmp_path / "history.json")
    saved.on_epoch_end(0, {"loss": 1.0})
    saved.on_epoch_end(1, {"loss": 2.0, "fid": 5.0})
    saved.on_epoch_end(2, {"loss": 3.0})
    written = json.loads((tmp_path / "history.json").read_text())
    assert written == {"loss": [1.0, 2.0, 3.0], "fid": [None, 5.0, None]}
    # Read back (as a resumed run does): nulls become NaN again, lists stay aligned.
    resumed = callbacks.JsonHistory(tmp_path / "history.json", history=written)
    assert np.isnan(resumed.history["fid"][0]) and resumed.history["fid"][1] == 5.0
