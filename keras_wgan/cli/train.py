"""`keras-wgan train`: one flag per `TrainConfig` field, derived from the config itself.

A flag's help is its field's description in `TrainConfig`'s docstring and its default the value
`TrainConfig` resolves for the default run; flags left out are not passed, so that `TrainConfig`
(and a `--config` file) decide them. Argument errors answer before TensorFlow loads.
"""

import argparse
import dataclasses
import json
import os
import re
import sys

from keras_wgan import config_files
from keras_wgan import run_config
from keras_wgan.cli import arguments

# --smoke: a run of a few seconds that goes through every stage (tiny networks, little data).
SMOKE = {"epochs": 1, "steps_per_epoch": 2, "base_filters": 8, "critic_filters": 8,
         "hidden_units": (16, 16), "num_samples": 640}
SMOKE_CLUSTERS = 2
# The fields whose flag offers a closed list of values.
CHOICES = {"model": run_config.MODELS, "dataset": run_config.DATASETS,
           "precision": run_config.PRECISIONS, "augment": ("none", *run_config.AUGMENTS[1:]),
           "channels": (1, 3, 4), "strategy": run_config.STRATEGIES,
           "architecture": run_config.ARCHITECTURES}
# How a field's annotation reads its flag's text.
TYPES = {int: int, float: arguments.number, str: str}


def add_parser(commands):
    """Adds the `train` subcommand to `commands` (an argparse subparsers object)."""
    recipes = " ".join(
        f"{name}: {config_files.describe(name)[0]}" for name in config_files.recipe_names()
    )
    parser = commands.add_parser(
        "train",
        help="train a model and write history, model, plots, samples and a SavedModel export",
        description="Train a WGAN, WGAN-GP or GAN baseline. Settings not given come from "
        "--config or --recipe, then the dataset's own measured recipe (the one named after it, "
        "for its model; keras_wgan/recipes/*.json), then the dataset's defaults and the "
        f"papers'. Recipes: {recipes} --print-config shows the resolved settings of a command "
        "without training.",
    )
    settings = parser.add_mutually_exclusive_group()
    settings.add_argument("--config", metavar="FILE", type=arguments.existing_file,
                          help="a settings file (a recipe, or the config.json of a run): its "
                          "settings, with the flags given here over them")
    settings.add_argument("--recipe", choices=config_files.recipe_names(),
                          help="a packaged recipe by name: its settings, with the flags given "
                          "here over them (a dataset's own recipe applies without this)")
    parser.add_argument("--output-dir", default=None,
                        help="the run folder; default: runs/RUN_NAME (runs/RUN_NAME-2, ... when "
                        "that holds a finished run)")
    parser.add_argument("--print-config", action="store_true",
                        help="print the resolved settings as a settings file and exit")
    parser.add_argument("--smoke", action="store_true",
                        help="a few seconds' run: 1 epoch, tiny networks, a small data subset, "
                        "at most 2 clusters")
    defaults = run_config.TrainConfig()
    for field in dataclasses.fields(run_config.TrainConfig):
        _add_field_flag(parser, field, getattr(defaults, field.name))
    return parser


def _add_field_flag(parser, field, default_run_value):
    flag = "--" + field.name.replace("_", "-")
    kind = _annotation_type(field.type)
    # The docstring's markup read as plain text; argparse %-formats help texts.
    help_text = field_help(field.name).replace("`", "").replace('"', "")
    help_text = help_text.replace("%", "%%")
    if field.default is not None and field.default is not dataclasses.MISSING:
        help_text += f" Default: {_show(field.default)}"
    else:
        help_text += f" Default: resolved ({_show(default_run_value)} in the default run)"
    options = {"default": None, "help": help_text}
    if kind is bool:
        options["action"] = argparse.BooleanOptionalAction
    elif kind is tuple:
        options.update(nargs="+", type=int, metavar="N")
    elif field.name in CHOICES:
        options.update(choices=CHOICES[field.name], type=type(CHOICES[field.name][0]))
    else:
        options["type"] = TYPES[kind]
    parser.add_argument(flag, **options)


def field_help(name):
    """A field's description from `TrainConfig`'s docstring (its `Args:` entry, without the
    type), e.g. for the command line's help."""
    match = re.search(
        rf"^ {{8}}{name}: [^.]+\. (.*?)(?=^ {{8}}\w+: |^\s*$)",
        run_config.TrainConfig.__doc__, flags=re.MULTILINE | re.DOTALL,
    )
    if match is None:
        raise ValueError(f"`TrainConfig` documents no field {name!r}")
    return " ".join(match.group(1).split())


def _annotation_type(annotation):
    """`int` for `int | None`, and so on: the field's type without `None`."""
    for kind in (bool, tuple, int, float, str):
        if annotation is kind or kind in getattr(annotation, "__args__", ()):
            return kind
    raise TypeError(f"no flag type for the annotation {annotation!r}")


def _show(value):
    if isinstance(value, tuple):
        return " ".join(str(item) for item in value)
    return "none" if value is None else str(value)


def make_config(args):
    """The `TrainConfig` fields of parsed `train` arguments: the `--config` file's settings,
    the flags given over them, then `--smoke`'s.

    Raises:
        ValueError: the `--config` file cannot be read or names an unknown field.
    """
    path = settings_file(args)
    fields = config_files.read(path) if path else {}
    given = {
        field: getattr(args, field) for field in run_config.field_names()
        if getattr(args, field) is not None
    }
    if given.get("augment") == "none":
        given["augment"] = None
    fields.update(given)
    if args.smoke:
        fields.update({k: v for k, v in SMOKE.items() if k not in given})
        # The smoke subset must hold at least one batch of batch_size * critic_steps.
        resolved = run_config.TrainConfig.from_settings(
            {k: v for k, v in fields.items() if k != "num_samples"}
        )
        fields["num_samples"] = max(
            SMOKE["num_samples"], resolved.batch_size * resolved.critic_steps
        )
        # And a recipe's clusters must not outnumber a small folder's images.
        if resolved.clusters and "clusters" not in given:
            fields["clusters"] = min(resolved.clusters, SMOKE_CLUSTERS)
    return fields


def settings_file(args):
    """The settings file `--config` or `--recipe` names, or `None`."""
    return args.config or (config_files.recipe_path(args.recipe) if args.recipe else None)


def run(parser, args):
    try:
        config = run_config.TrainConfig.from_settings(
            make_config(args), source=settings_file(args) or "the command line"
        )
    except ValueError as error:
        parser.error(str(error))
    if args.print_config:
        print(json.dumps(config.settings(), indent=1), flush=True)
        return 0
    # Imported here so that `--help` and argument errors answer without loading TensorFlow.
    import tensorflow as tf

    from keras_wgan import callbacks
    from keras_wgan import checkpointing
    from keras_wgan import data
    from keras_wgan import export
    from keras_wgan import training

    if config.dataset == "folder":
        try:
            classes = data.check_image_folder(
                config.image_dir, min_images=config.batch_size * config.critic_steps,
                channels=config.channels,
            )
            if config.conditional and len(classes) < 2:
                training.num_classes_of(config)  # raises: the layout a conditional run needs
        except (ValueError, training.TooFewSamplesError) as error:
            parser.error(f"--image-dir: {error}")
    output_dir = args.output_dir
    if output_dir is None:
        name = run_config.default_run_name(config.model, config.dataset, config.conditional)
        output_dir = _unfinished_run_dir(
            os.path.join("runs", name + ("-smoke" if args.smoke else ""))
        )
    steps = f" of {config.steps_per_epoch} generator steps" if config.steps_per_epoch else ""
    print(f"Training {config.model} on {config.dataset} for {config.epochs} epochs{steps} "
          f"into {output_dir}", flush=True)
    try:
        summary = training.train(config, output_dir)
    except (
        callbacks.NonFiniteError, data.DatasetNotPreparedError, checkpointing.RunFolderError,
        export.ExportError, training.TooFewSamplesError, training.StrategyError,
    ) as error:
        # A training outcome (NaN), a dataset to prepare first or a folder to change, not a
        # bug: the message says where and what; no traceback.
        print(f"keras-wgan: error: {error}", file=sys.stderr, flush=True)
        return 1
    except (MemoryError, tf.errors.ResourceExhaustedError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else "MemoryError"
        print(f"keras-wgan: error: out of memory ({reason}). A smaller "
              f"--batch-size (this run: {config.batch_size}) needs less.", file=sys.stderr,
              flush=True)
        return 1
    except KeyboardInterrupt:
        print(f"\nkeras-wgan: interrupted. What was done is kept in {output_dir}: run the same "
              "command again to go on from there.", file=sys.stderr, flush=True)
        return 130
    print(training.format_summary(summary), flush=True)
    return 0


def _unfinished_run_dir(base):
    """`base`, or when it holds a finished run the first of `base-2`, `base-3`, ... that does
    not (an interrupted run there is resumed)."""
    from keras_wgan import checkpointing
    from keras_wgan import training

    candidate, number = base, 1
    while checkpointing.finished_run_files(
        candidate, os.path.join(candidate, training.BACKUP_DIR)
    ):
        number += 1
        candidate = f"{base}-{number}"
    if candidate != base:
        print(f"{base} holds a finished run: this one goes into {candidate}", flush=True)
    return candidate
