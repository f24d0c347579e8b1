"""`keras-wgan evaluate`: a saved model's generator scored beside floor and degraded references."""

from keras_wgan import run_config
from keras_wgan.cli import arguments


def add_parser(commands):
    """Adds the `evaluate` subcommand to `commands` (an argparse subparsers object)."""
    parser = commands.add_parser(
        "evaluate",
        help="score a saved model's generator beside floor/degraded references",
        description="Scores generated samples beside references computed in the same run: for "
        "digits and mnist5k, classifier-FID, KID, classifier score, class coverage, "
        "precision/recall and density/coverage, with a floor (real train images vs held out) "
        "and a degraded reference (the same without classes 0, 1, 2); for the toys W1 and mode "
        "coverage with a real-vs-real floor.",
    )
    arguments.add_model_path(parser)
    parser.add_argument("--dataset", choices=run_config.SCORED_DATASETS, default=None,
                        help="what the model was trained on; default: the dataset with a "
                        "classifier of the generator's image shape (8x8: digits, 28x28: "
                        "mnist5k; required for 2-D toys)")
    parser.add_argument("--num", type=arguments.positive_int, default=None,
                        help="generated samples; default: 1000 (images), 2500 (toys). Images "
                        "are scored at n = the smaller of --num and the real training images "
                        "outside the degraded classes (every set at one n), said when smaller")
    parser.add_argument("--seed", type=arguments.non_negative_int, default=0,
                        help="default: %(default)s")
    parser.add_argument("--output", default=None, help="also write the scores to this JSON")
    parser.add_argument("--truncation", type=arguments.positive_float, default=None, metavar="T",
                        help=arguments.TRUNCATION_HELP)
    parser.add_argument("--features", choices=run_config.FEATURES, default=None,
                        help="the features image scores are computed on: the dataset's "
                        "cached classifier (digits_classifier, mnist5k_classifier: offline, "
                        "seconds) or Inception-v3 (2048-d pool features of 299x299 resized "
                        "images; ImageNet weights from the Keras cache, downloaded if "
                        "missing; minutes on CPU). Scores of different features are not "
                        "comparable. Default: the dataset's classifier")
    parser.add_argument("--inception-weights", type=arguments.existing_file, default=None,
                        help="with --features inception_v3: a weights file to load instead of "
                        "the Keras cache (inception_v3_weights_tf_dim_ordering_tf_kernels_"
                        "notop.h5, copied from a machine with internet)")


def run(parser, args):
    import json

    from keras_wgan import evaluation
    from keras_wgan.evaluation.manifold import DENSITY_COVERAGE_K

    arguments.check_output_file(parser, "--output", args.output)
    generator = arguments.load_generator(parser, args.model_path)
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
    if own is not None and args.num is not None and args.num <= DENSITY_COVERAGE_K:
        parser.error(
            f"--num: image scores need at least {DENSITY_COVERAGE_K + 1} samples (density and "
            f"coverage compare {DENSITY_COVERAGE_K} nearest neighbours), got {args.num}"
        )
    try:
        extractor = None if own is None else evaluation.get_extractor(
            args.features or own,
            **({"weights": args.inception_weights} if args.inception_weights else {}),
        )
    except evaluation.FeatureWeightsUnavailableError as error:
        return arguments.report_error(error)
    except (OSError, ValueError) as error:  # h5py and Keras: a file that is not these weights
        if not args.inception_weights:
            raise
        parser.error(
            f"--inception-weights: cannot load {args.inception_weights!r} as Inception-v3 "
            f"weights: {arguments.one_line(error)}"
        )
    try:
        scorer = None
        if own is not None:
            count = args.num or evaluation.IMAGE_SAMPLES
            scorer = evaluation.dataset_scorer(dataset, extractor, count, seed=args.seed)
            _say_n(scorer, count)
        result = evaluation.score_generator(
            generator, dataset, num_samples=args.num, seed=args.seed, extractor=extractor,
            scorer=scorer, truncation=args.truncation,
        )
    except MemoryError:
        return arguments.report_error(
            f"--num {args.num}: not enough memory for the samples; pass a smaller --num"
        )
    result["truncation"] = args.truncation
    print(evaluation.format_table(result), flush=True)
    if args.output:
        try:
            with open(args.output, "w") as file:
                json.dump(result, file, indent=1)
        except OSError as error:  # e.g. a full disk; the scores are printed above
            return arguments.report_error(f"cannot write the scores: {error}")
        print(f"Wrote {args.output}", flush=True)
    return 0


def _say_n(scorer, count):
    """Prints why the image scores use fewer than the `count` samples asked for, if they do."""
    from keras_wgan.evaluation.references import DEGRADED_CLASSES

    if scorer.num_samples < count:
        print(
            f"Scoring n = {scorer.num_samples} of {count} generated images: the degraded "
            f"reference has {scorer.num_samples} real training images (those outside classes "
            f"{list(DEGRADED_CLASSES)}), and every set is scored at one n so that the scores "
            "compare.",
            flush=True,
        )
