import os
import tempfile

# oneDNN must be chosen before TensorFlow is imported; it is off by default on some CPUs (AMD Zen 3
# with TF 2.21) where it makes a GAN step about 5x faster.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The digits classifier that scores generated images is cached; tests keep it out of the home
# folder (one cache per test session, inherited by the subprocesses the tests start).
os.environ.setdefault("KERAS_WGAN_CACHE", tempfile.mkdtemp(prefix="keras_wgan_cache_"))

import pytest  # noqa: E402


def pytest_addoption(parser):
    parser.addoption("--run-slow", action="store_true", help="run tests marked slow")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
