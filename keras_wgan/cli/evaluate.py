"""`keras-wgan evaluate`: a saved model's generator scored beside floor and degraded references."""

from keras_wgan import run_config
from keras_wgan.cli import arguments

FEATURES = run_config.FEATURES + ("data_classifier",)
OWN_DATASETS = ("folder",) + run_config.TFDS_DATASETS
TOYS = run_config.TOY_DATASETS


def add_parser(commands):
    """Adds the `evaluate` subcommand to `commands` (an argparse subparsers object)."""
    parser = commands.add_parser(
        "evaluate",
        help="score a saved model's generator beside floor/degraded references",
        description="Scores generated samples beside references computed in the same run: for "
        "images, classifier-FID, KID, classifier score, class coverage, precision/recall and "
        "density/coverage, with a floor (real training images vs held out) and a degraded "
        "reference (the same without some classes: 0, 1, 2 for the digits); for the toys W1 "
        "and mode coverage with a real-vs-real floor. Your own images (--dataset folder "
        "--image-dir DIR, or a TFDS dataset with --data-dir) are split into held-out and "
        "training images; labelled ones are scored on a classifier trained on them once, "
        "unlabelled ones on Inception-v3. The classifier and the reference statistics are "
        "cached in $KERAS_WGAN_CACHE (default ~/.cache/keras_wgan).",
    )
    arguments.add_model_path(parser)
    parser.add_argument("--dataset", choices=run_config.DATASETS, default=None,
                        help="what the model was trained on; default: the dataset with a "
                        "classifier of the generator's image shape (8x8: digits, 28x28: "
                        "mnist5k; required for 2-D toys, folders and TFDS datasets)")
    parser.add_argument("--image-dir", default=None, metavar="DIR",
                        help="with --dataset folder: the folder of images (class subfolders "
                        "are the classes), read at the generator's output size and channels")
    parser.add_argument("--data-dir", default=None, metavar="DIR",
                        help="with a TFDS --dataset: the TFDS data directory of the prepared "
                        "dataset (never downloaded); default: TFDS's")
    parser.add_argument("--no-cache", action="store_true",
                        help="with your own images: train the classifier and compute the "
                        "reference statistics again, overwriting the cached ones")
    parser.add_argument("--num", type=arguments.positive_int, default=None,
                        help="generated samples; default: 1000 (images), 2500 (toys). Images "
                        "are scored at n = the smaller of --num and the real training images "
                        "outside the degraded classes (every set at one n), said when smaller")
    parser.add_argument("--seed", type=arguments.non_negative_int, default=0,
                        help="default: %(default)s")
    parser.add_argument("--output", default=None, help="also write the scores to this JSON")
    parser.add_argument("--truncation", type=arguments.positive_float, default=None, metavar="T",
                        help=arguments.TRUNCATION_HELP)
    parser.add_argument("--features", choices=FEATURES, default=None,
                        help="the features image scores are computed on: the dataset's "
                        "cached classifier (digits_classifier, mnist5k_classifier, or "
                        "data_classifier for your labelled images: offline, seconds) or "
                        "Inception-v3 (2048-d pool features of 299x299 resized images; "
                        "ImageNet weights from the Keras cache, downloaded if missing; minutes "
                        "on CPU). Scores of different features are not comparable. Default: "
                        "the dataset's classifier; inception_v3 for unlabelled images")
    parser.add_argument("--inception-weights", type=arguments.existing_file, default=None,
                        help="with --features inception_v3: a weights file to load instead of "
                        "the Keras cache (inception_v3_weights_tf_dim_ordering_tf_kernels_"
                        "notop.h5, copied from a machine with internet)")


def run(parser, args):
    from keras_wgan import evaluation
    from keras_wgan.evaluation.manifold import DENSITY_COVERAGE_K

    arguments.check_output_file(parser, "--output", args.output)
    if args.inception_weights and args.features != "inception_v3":
        parser.error("--inception-weights needs --features inception_v3")
    if args.num is not None and args.num <= DENSITY_COVERAGE_K and args.dataset not in TOYS:
        parser.error(
            f"--num: image scores need at least {DENSITY_COVERAGE_K + 1} samples (density and "
            f"coverage compare {DENSITY_COVERAGE_K} nearest neighbours), got {args.num}"
        )
    own_data = args.dataset in OWN_DATASETS
    _check_data_source(parser, args, own_data)
    generator = arguments.load_generator(parser, args.model_path)
    if own_data:
        return _run_own_data(parser, args, generator)
    shape = tuple(generator.outputs[0].shape[1:])
    shapes = {name: spec["image_shape"] for name, spec in evaluation.CLASSIFIERS.items()}
    dataset = args.dataset
    if dataset is None:
        dataset = next((name for name, image in shapes.items() if image == shape), None)
        if dataset is None:
            parser.error(f"pass --dataset for a generator of shape {shape}")
    if shapes.get(dataset, (2,)) != shape:
        parser.error(f"--dataset {dataset!r} does not match the generator's output shape {shape}")
    own = evaluation.dataset_extractor_name(dataset) if dataset in shapes else None
    if args.features is not None and own is None:
        parser.error(f"--features {args.features} scores images; --dataset {dataset!r} is 2-D")
    if args.features not in (None, own, "inception_v3"):
        parser.error(
            f"--features {args.features} scores another dataset's images; --dataset "
            f"{dataset!r} is scored by {own} or inception_v3"
        )
    extractor = None
    if own is not None:
        extractor = _extractor(parser, args, args.features or own)
        if isinstance(extractor, int):
            return extractor
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
        return _out_of_memory(args)
    return _report(args, result)


def _check_data_source(parser, args, own_data):
    """Parser errors for the data options, before the model is loaded."""
    from keras_wgan import data

    if args.image_dir is not None and args.dataset != "folder":
        parser.error("--image-dir needs --dataset folder")
    if args.data_dir is not None and args.dataset not in run_config.TFDS_DATASETS:
        parser.error(f"--data-dir needs a TFDS --dataset (one of {list(run_config.TFDS_DATASETS)})")
    if args.no_cache and not own_data:
        parser.error("--no-cache applies to --dataset folder and the TFDS datasets, whose "
                     "classifier and reference statistics are cached")
    if args.dataset == "folder":
        if args.image_dir is None:
            parser.error("--dataset folder needs --image-dir DIR")
        try:
            data.check_image_folder(args.image_dir)
        except ValueError as error:
            parser.error(f"--image-dir: {error}")
    elif own_data:
        try:
            data.load_tfds(args.dataset, "train", args.data_dir)
        except ImportError:
            parser.error(f"--dataset {args.dataset}: needs tensorflow-datasets installed")
        except data.DatasetNotPreparedError as error:
            parser.error(f"--dataset {args.dataset}: {arguments.one_line(error)}")


def _run_own_data(parser, args, generator):
    """Scores `generator` on the images of --image-dir or of a TFDS dataset."""
    from keras_wgan import evaluation
    from keras_wgan.evaluation import own_data

    shape = tuple(generator.outputs[0].shape[1:])
    if len(shape) != 3:
        parser.error(f"--dataset {args.dataset}: the generator makes points {shape}, not images")
    if args.features in run_config.FEATURES and args.features != "inception_v3":
        parser.error(f"--features {args.features} scores another dataset's images; your images "
                     "are scored by data_classifier (labelled) or inception_v3")
    try:
        if args.dataset == "folder":
            data = own_data.load_folder_data(args.image_dir, shape)
        else:
            data = own_data.load_tfds_data(args.dataset, args.data_dir, shape)
    except ValueError as error:
        return arguments.report_error(arguments.one_line(error))
    classes = f"{data.num_classes} classes" if data.labelled else "no classes"
    _say(f"Read {len(data.train_images) + len(data.heldout_images)} images ({classes}) from "
         f"{data.source} at {'x'.join(map(str, shape))}, the generator's output shape (centre-"
         f"cropped and resized to it); {len(data.heldout_images)} held out for the floor")
    count = args.num or evaluation.IMAGE_SAMPLES
    try:
        own_data.check_enough_images(data, count)
    except ValueError as error:
        return arguments.report_error(arguments.one_line(error))
    labels = evaluation.num_classes_of(generator)
    if labels is not None and labels != (data.num_classes if data.labelled else None):
        return arguments.report_error(
            f"the generator is conditional on {labels} classes; {data.source} has {classes}"
        )
    features = args.features or ("data_classifier" if data.labelled else "inception_v3")
    if features == "data_classifier":
        if not data.labelled:
            parser.error("--features data_classifier needs labelled images (class subfolders or "
                         "a labelled TFDS dataset); score these with inception_v3")
        extractor = own_data.own_data_extractor(data, refresh=args.no_cache, log=_say)
    else:
        unlabelled = "" if args.features else "unlabelled images are scored on Inception-v3: "
        extractor = _extractor(parser, args, features, unlabelled)
        if isinstance(extractor, int):
            return extractor
    try:
        scorer = own_data.own_data_scorer(
            data, extractor, count, seed=args.seed, use_cache=not args.no_cache, log=_say
        )
        _say_n(scorer, count)
        result = evaluation.score_generator(
            generator, args.dataset, num_samples=args.num, seed=args.seed, scorer=scorer,
            truncation=args.truncation,
        )
    except ValueError as error:
        return arguments.report_error(arguments.one_line(error))
    except MemoryError:
        return _out_of_memory(args)
    return _report(args, {**result, "data": data.source})


def _extractor(parser, args, name, context=""):
    """The extractor `name`, or the exit code of the error that prevents it."""
    from keras_wgan import evaluation

    try:
        return evaluation.get_extractor(
            name, **({"weights": args.inception_weights} if args.inception_weights else {})
        )
    except evaluation.FeatureWeightsUnavailableError as error:
        return arguments.report_error(f"{context}{error}")
    except (OSError, ValueError) as error:  # h5py and Keras: a file that is not these weights
        if not args.inception_weights:
            raise
        parser.error(
            f"--inception-weights: cannot load {args.inception_weights!r} as Inception-v3 "
            f"weights: {arguments.one_line(error)}"
        )


def _report(args, result):
    import json

    from keras_wgan import evaluation

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


def _out_of_memory(args):
    return arguments.report_error(
        f"--num {args.num}: not enough memory for the samples; pass a smaller --num"
    )


def _say(line):
    print(line, flush=True)


def _say_n(scorer, count):
    """Prints why the image scores use fewer than the `count` samples asked for, if they do."""
    from keras_wgan.evaluation.references import DEGRADED_CLASSES

    if scorer.num_samples < count:
        which = "" if scorer.degraded_reference else (
            f" (those outside classes {list(DEGRADED_CLASSES)})"
        )
        print(
            f"Scoring n = {scorer.num_samples} of {count} generated images: the degraded "
            f"reference has {scorer.num_samples} real training images{which}, and every set "
            "is scored at one n so that the scores compare.",
            flush=True,
        )
