"""keras_wgan: Wasserstein GANs as Keras 3 models trained with `model.fit`.

WGAN (weight clipping, Arjovsky et al. 2017) and WGAN-GP (gradient penalty, Gulrajani et al.
2017) are `keras.Model` subclasses: compile, then `fit` on batches from
`keras_wgan.data.make_dataset`.
"""

__version__ = "0.1.0"

import os as _os
import sys as _sys

from keras_wgan import _backend

# oneDNN: TensorFlow 2.21 leaves it off on some CPUs (AMD Zen 3), where turning it on made a GAN
# step about 5x faster. TensorFlow reads the variable once, when it is first imported, so our
# default applies only if TensorFlow is not loaded yet, and a value the user set always wins.
if "tensorflow" not in _sys.modules:
    _os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

# The command line (`keras-wgan`, `python -m keras_wgan`) answers `--help` and argument errors
# before TensorFlow loads, so for it the public names load on first use (PEP 562) and each
# command imports what it needs. Every other import loads them at once: the model classes must
# be registered with Keras before `keras.models.load_model` reads a saved model.
_SUBMODULES = (
    "augment",
    "callbacks",
    "checkpointing",
    "config",
    "constraints",
    "data",
    "evaluation",
    "export",
    "losses",
    "models",
    "networks",
    "penalties",
    "recipes",
    "run_config",
    "training",
)
_NAMES = {
    "GAN": "models",
    "HingeGAN": "models",
    "WGAN": "models",
    "WGANGP": "models",
    "StackedGAN": "models",
    "export_generator": "export",
    "TrainConfig": "run_config",
}


def __getattr__(name):
    import importlib

    if name in _SUBMODULES or name in ("cli", "_platform"):
        return importlib.import_module(f"{__name__}.{name}")
    if name in _NAMES:
        return getattr(importlib.import_module(f"{__name__}.{_NAMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))


def _started_as_command_line():
    # `python -m keras_wgan ...` (the interpreter's own arguments name the module), or the
    # `keras-wgan` console script (its path is sys.argv[0]).
    arguments = list(getattr(_sys, "orig_argv", ()))
    if "-m" in arguments[:-1]:
        return arguments[arguments.index("-m") + 1].partition(".")[0] == "keras_wgan"
    program = _os.path.basename(_sys.argv[0]) if _sys.argv else ""
    return program.startswith("keras-wgan")


# Other Keras backends fail deep inside Keras's trainer: refuse them at once, in one message.
_backend_error = _backend.backend_error()
if _backend_error is not None:
    if _started_as_command_line():
        _sys.exit(f"keras-wgan: error: {_backend_error}")
    raise ImportError(_backend_error)

if not _started_as_command_line():
    for _name in _SUBMODULES:
        __getattr__(_name)
    del _name


__all__ = [*_NAMES, *_SUBMODULES, "__version__"]
