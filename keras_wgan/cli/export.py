"""`keras-wgan export`: a saved model's generator as a SavedModel (TF Serving), ONNX or TFLite."""

import os
import sys

from keras_wgan.cli import arguments

# All three written by keras_wgan.export.
FORMATS = ("savedmodel", "onnx", "tflite")


def add_parser(commands):
    """Adds the `export` subcommand to `commands` (an argparse subparsers object)."""
    parser = commands.add_parser(
        "export",
        help="export a saved model's generator: SavedModel (TF Serving), ONNX or TFLite",
        description="Exports the generator that samples (the averaged one when the model keeps "
        "it). savedmodel: a versioned SavedModel in the folder --output (OUTPUT/1, then "
        "OUTPUT/2, ...) with the serving_default, sample and sample_truncated signatures. onnx "
        "(needs: pip install \"keras-wgan[onnx]\") and tflite: one file holding serving_default "
        "(inputs latent and, for a conditional generator, labels; output images or samples).",
    )
    arguments.add_model_path(parser)
    parser.add_argument("--format", choices=FORMATS, default="savedmodel",
                        help="default: %(default)s")
    parser.add_argument("--output", required=True,
                        help="savedmodel: the model's folder (TF Serving's --model_base_path), "
                        "created if missing; onnx, tflite: the file to write, ending in .onnx "
                        "or .tflite")


def run(parser, args):
    from keras_wgan import export

    output = args.output
    if args.format == "savedmodel":
        if os.path.exists(output) and not os.path.isdir(output):
            parser.error(f"--output: {output!r} is a file; savedmodel writes a folder")
    else:
        suffix = f".{args.format}"
        if not output.endswith(suffix):
            parser.error(f"--output: {output!r} does not end in {suffix} (--format {args.format})")
        if os.path.isdir(output):
            parser.error(f"--output: {output!r} is a folder; {args.format} writes a file")
        arguments.check_output_folder(parser, "--output", output)
    if args.format == "onnx":
        try:
            export.require_onnx()
        except ImportError as error:  # before loading the model: a missing extra, no traceback
            print(f"keras-wgan: error: {error}", file=sys.stderr, flush=True)
            return 1
    generator = arguments.load_generator(parser, args.model_path)
    if args.format != "savedmodel":
        write = export.export_onnx if args.format == "onnx" else export.export_tflite
        written = write(generator, output)
        print(f"Exported {generator.name!r} as {args.format} to {written}", flush=True)
        return 0
    try:
        written = export.export_generator(generator, output)
    except export.ExportError as error:
        print(f"keras-wgan: error: {error}", file=sys.stderr, flush=True)
        return 1
    print(f"Exported {generator.name!r} as savedmodel to {written}: version "
          f"{os.path.basename(written)} of the model folder {output}", flush=True)
    return 0
