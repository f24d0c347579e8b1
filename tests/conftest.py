import os
import tempfile

# oneDNN must be chosen before TensorFlow is imported; it is off by default on some CPUs (AMD Zen 3
# with TF 2.21) where it makes a GAN step about 5x faster.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The default classifiers that score generated images ship with the package; any other one a test
# trains is cached, out of the home folder (one cache per test session, inherited by the
# subprocesses the tests start).
os.environ.setdefault("KERAS_WGAN_CACHE", tempfile.mkdtemp(prefix="keras_wgan_cache_"))

import pytest  # noqa: E402


def pytest_addoption(parser):
    parser.addoption("--run-slow", action="store_true", help="run tests marked slow")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow")
    for item in items:
        if item.get_closest_marker("slow"):
            item.add_marker(skip)


@pytest.fixture(scope="module")
def classifier_cache(tmp_path_factory):
    """The session's classifier cache, not ~/.cache: empty of the default classifiers, which
    `train_classifier` loads from the package (the 8-epoch MNIST-5k one too)."""
    from keras_wgan import evaluation

    directory = tmp_path_factory.getbasetemp() / "classifier_cache"
    old = os.environ.get(evaluation.CACHE_ENV)
    os.environ[evaluation.CACHE_ENV] = str(directory)
    yield directory
    if old is None:
        os.environ.pop(evaluation.CACHE_ENV)
    else:
        os.environ[evaluation.CACHE_ENV] = old
