"""What the subcommands share: argument types, output checks and loading a saved model."""

import argparse
import os
import sys
import tempfile

TRUNCATION_HELP = (
    "draw the latents from a normal truncated at [-T, T] (BigGAN's truncation trick; a "
    "self-conditioned model keeps each sample's cluster): sharper, less varied samples; "
    "default: no truncation"
)


def int_at_least(minimum):
    """An argparse type: an int >= `minimum`, refused with the text received otherwise."""
    wanted = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"

    def convert(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}")
        return value

    return convert


positive_int = int_at_least(1)
non_negative_int = int_at_least(0)


def number(text):
    """An argparse type: a float, refused with the text received otherwise."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def positive_float(text):
    """An argparse type: a positive finite float."""
    value = number(text)
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive finite number, got {text!r}")
    return value


def existing_file(text):
    """An argparse type: the path of an existing file."""
    if not os.path.isfile(text):
        raise argparse.ArgumentTypeError(f"no such file: {text!r}")
    return text


def add_model_path(parser):
    """The positional argument of the commands that read a saved model."""
    parser.add_argument("model_path", metavar="MODEL.keras", type=existing_file,
                        help="a model saved by `train` (OUTPUT_DIR/model.keras)")


def check_output_folder(parser, option, path):
    """A parser error before any work when `path` cannot be written for lack of its folder."""
    if path is not None and not os.path.isdir(os.path.dirname(os.path.abspath(path))):
        parser.error(f"{option}: the folder of {path!r} does not exist")


def check_output_file(parser, option, path, suffixes=None):
    """A parser error before any work when the file `path` cannot be written.

    Refuses a folder, a missing or read-only folder (a temporary file is created there and
    removed), a name too long, a read-only file, and with `suffixes` (lowercase, e.g.
    `(".npy",)`) a name ending in none of them.
    """
    if path is None:
        return
    if os.path.isdir(path):
        parser.error(f"{option}: {path!r} is a folder; pass the file to write")
    suffix = os.path.splitext(path)[1].lower()
    if suffixes is not None and suffix not in suffixes:
        wanted = suffixes[0] if len(suffixes) == 1 else f"one of {', '.join(suffixes)}"
        ending = f"ends in {suffix!r}" if suffix else "has no extension"
        parser.error(f"{option}: {path!r} {ending}; expected {wanted}")
    check_output_folder(parser, option, path)
    folder = os.path.dirname(os.path.abspath(path))
    name_max = os.pathconf(folder, "PC_NAME_MAX") if hasattr(os, "pathconf") else None
    if name_max and len(os.fsencode(os.path.basename(path))) > name_max:
        parser.error(f"{option}: the name of {path!r} is longer than the {name_max} bytes allowed")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        parser.error(f"{option}: cannot write into the folder of {path!r} ({error.strerror})")
    if os.path.exists(path) and not os.access(path, os.W_OK):
        parser.error(f"{option}: {path!r} is read-only")


def report_error(message):
    """Prints `keras-wgan: error: <message>` (a runtime failure, not an argument's) and returns
    the exit code, 1."""
    print(f"keras-wgan: error: {message}", file=sys.stderr, flush=True)
    return 1


def one_line(error):
    """The text of `error` on one line (some libraries' messages span several)."""
    return " ".join(str(error).split())


def load_generator(parser, path):
    """The sampling generator of the GAN model saved at `path`; a parser error otherwise."""
    import zipfile

    import keras

    import keras_wgan.models  # noqa: F401 (registers the saved classes with Keras)
    import keras_wgan.networks  # noqa: F401
    from keras_wgan._generators import generator_for_sampling

    if not path.endswith(".keras"):
        parser.error(f"{path!r} is not a .keras file: pass the model.keras that `train` wrote")
    if not zipfile.is_zipfile(path):
        parser.error(
            f"{path!r} is not a complete .keras archive (cut short, or not a saved model): "
            "pass the model.keras of a finished run"
        )
    try:
        model = keras.models.load_model(path)
    except Exception as error:  # Keras raises several types for a file that is not a model.
        parser.error(f"cannot load {path!r} as a Keras model: {one_line(error)}")
    if not callable(getattr(model, "sampling_generator", None)):
        parser.error(
            f"{path!r} holds a {type(model).__name__} named {model.name!r}, not a GAN model "
            "saved by `keras-wgan train` (WGAN, WGANGP, GAN or StackedGAN)"
        )
    return generator_for_sampling(model)
