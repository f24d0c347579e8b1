"""The `keras-wgan` command line: one module per subcommand.

Usage:
    keras-wgan train [--dataset {digits,mnist5k,ring8,...}] [--model {wgan-gp,wgan,...}] ...
    keras-wgan train --config runs/wgan-gp-digits/config.json --output-dir runs/again
    keras-wgan train --dataset ring8 --print-config > ring8.json
    keras-wgan sample MODEL.keras --num 64 --output grid.png [--truncation 2]
    keras-wgan evaluate MODEL.keras [--dataset digits] [--num 1000] [--output metrics.json]
    keras-wgan export MODEL.keras --output saved_models/digits [--format {savedmodel,onnx,tflite}]

`--help` and argument errors answer without loading TensorFlow.
"""

import argparse
import os
import sys

from keras_wgan.cli import evaluate
from keras_wgan.cli import export
from keras_wgan.cli import sample
from keras_wgan.cli import train

__all__ = ["COMMANDS", "attach_negative_numbers", "build_parser", "main"]

COMMANDS = {"train": train, "sample": sample, "evaluate": evaluate, "export": export}


def build_parser():
    """The `keras-wgan` argument parser, with one subparser per command."""
    parser = argparse.ArgumentParser(
        prog="keras-wgan",
        description="Train Wasserstein GANs (WGAN, WGAN-GP) and their GAN baselines with Keras.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS.values():
        command.add_parser(commands)
    return parser


def main(argv=None):
    """Runs the command line; returns the exit code."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    parser = build_parser()
    args = parser.parse_args(attach_negative_numbers(sys.argv[1:] if argv is None else argv))
    try:
        return COMMANDS[args.command].run(parser, args)
    except BrokenPipeError:  # e.g. `keras-wgan train --print-config | head`: the reader left
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def attach_negative_numbers(argv):
    """`--generator-lr -1e-4` as `--generator-lr=-1e-4`.

    argparse takes "-1e-4" for an option, so a negative value was reported as a missing one
    instead of reaching the check that names it.
    """
    joined = []
    for token in argv:
        if joined and joined[-1].startswith("--") and "=" not in joined[-1] and _is_negative(token):
            joined[-1] = f"{joined[-1]}={token}"
        else:
            joined.append(token)
    return joined


def _is_negative(text):
    try:
        return text.startswith("-") and float(text) < 0
    except ValueError:
        return False
