"""`keras-wgan sample`: a grid (images) or scatter (2-D points) of a saved model's samples, or
rows of interpolations (`--interpolate K`) with a GIF beside them."""

import argparse
import os

from keras_wgan.cli import arguments

# The formats both `pyplot.imsave` (image grids) and `Figure.savefig` (2-D scatters) write.
FORMATS = (".eps", ".gif", ".jpeg", ".jpg", ".pdf", ".png", ".ps", ".svg", ".tiff", ".webp")
GRID_SAMPLES = 64
FRAME_MILLISECONDS = 100


def label(text):
    """An argparse type: a class index (checked against the model later) or `all`."""
    if text == "all":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a class index or 'all', got {text!r}") from None


def add_parser(commands):
    """Adds the `sample` subcommand to `commands` (an argparse subparsers object)."""
    parser = commands.add_parser(
        "sample",
        help="draw samples of a saved model: a PNG grid (images) or scatter (2-D points), or "
        "interpolations (--interpolate)",
        description="Draws a saved model's samples into one image. Small images are enlarged "
        "by nearest neighbour, by the smallest integer factor that makes each one at least 64 "
        "pixels on its longer side (--scale to choose).",
    )
    arguments.add_model_path(parser)
    parser.add_argument("--num", type=arguments.positive_int, default=None,
                        help=f"samples in the grid; default: {GRID_SAMPLES} (not with "
                        "--interpolate, whose grid is --rows rows of K)")
    parser.add_argument("--output", required=True,
                        help=f"the image to write ({', '.join(FORMATS)})")
    parser.add_argument("--npy", default=None, help="also save the raw samples to this .npy")
    parser.add_argument("--seed", type=arguments.non_negative_int, default=0,
                        help="seed of the latent vectors; default: %(default)s")
    parser.add_argument("--truncation", type=arguments.positive_float, default=None, metavar="T",
                        help=arguments.TRUNCATION_HELP)
    parser.add_argument("--labels", type=label, nargs="+", default=None, metavar="LABEL",
                        help="conditional models: the classes to draw, cycled over the samples "
                        "one class a column (e.g. 3, or 0 1 2), or all (every class); default: "
                        "all. With --interpolate, the classes the rows move between in turn "
                        "(one class: latent paths within it)")
    parser.add_argument("--interpolate", type=arguments.int_at_least(2), default=None,
                        metavar="K", help="rows of K samples along interpolations: great "
                        "circles between random latents, or for conditional models straight "
                        "lines between class embeddings at a fixed latent; also writes a GIF "
                        "of the rows beside --output")
    parser.add_argument("--rows", type=arguments.positive_int, default=None,
                        help="with --interpolate: the rows; default: 8 (between classes: one "
                        "per class)")
    parser.add_argument("--scale", type=arguments.positive_int, default=None,
                        help="enlarge each image by this integer factor (1: not at all); "
                        "default: the smallest making an image 64 pixels or more")


def run(parser, args):
    import numpy as np

    from keras_wgan import evaluation

    arguments.check_output_file(parser, "--output", args.output, FORMATS)
    arguments.check_output_file(parser, "--npy", args.npy, (".npy",))
    _check_combinations(parser, args)
    animation = None
    if args.interpolate:
        animation = os.path.splitext(args.output)[0] + ".gif"
        arguments.check_output_file(parser, "--output (its GIF)", animation)
    generator = arguments.load_generator(parser, args.model_path)
    shape = tuple(generator.outputs[0].shape[1:])
    if len(shape) != 3 and (args.interpolate or args.scale):
        option = "--interpolate" if args.interpolate else "--scale"
        parser.error(f"{option} draws image grids; this model makes samples of shape {shape}")
    classes = _classes(parser, args.labels, evaluation.num_classes_of(generator))
    num = args.num or GRID_SAMPLES
    try:
        if args.interpolate:
            samples = evaluation.interpolate(
                generator, args.interpolate, rows=args.rows, seed=args.seed,
                classes=None if classes is None or args.labels in (None, ["all"]) else classes,
                truncation=args.truncation,
            )
        else:
            labels = None if classes is None else np.resize(np.int32(classes), num)
            samples = evaluation.generate(
                generator, num, seed=args.seed, labels=labels, truncation=args.truncation
            )
    except MemoryError:
        asked = "--interpolate and --rows" if args.interpolate else "--num"
        given = f"--interpolate {args.interpolate}" if args.interpolate else f"--num {num}"
        return arguments.report_error(
            f"{given}: not enough memory for the samples; pass a smaller {asked}"
        )
    if not (samples.ndim >= 4 or (samples.ndim == 2 and samples.shape[1] == 2)):
        parser.error(f"cannot draw samples of shape {samples.shape}; use --npy only")
    try:
        if args.interpolate:
            _draw_paths(samples, args.output, animation, args.scale)
            print(f"Wrote {samples.shape[0]} rows of {samples.shape[1]} samples to "
                  f"{args.output} and {animation}", flush=True)
        else:
            columns = len(classes) if classes is not None and len(classes) > 1 else None
            _draw(samples, args.output, columns, args.scale)
            named = "every class" if args.labels in (None, ["all"]) else (
                f"classes {', '.join(map(str, classes or ()))}"
            )
            print(f"Wrote {len(samples)} samples to {args.output}"
                  + (f" ({named}, one a column)" if columns else ""), flush=True)
        if args.npy:
            np.save(args.npy, samples)
            print(f"Wrote the raw samples {samples.shape} to {args.npy}", flush=True)
    except OSError as error:  # e.g. a full disk
        return arguments.report_error(f"cannot write the samples: {error}")
    return 0


def _check_combinations(parser, args):
    """Parser errors, before the model loads, for options that do not go together."""
    if args.interpolate and args.num is not None:
        parser.error(
            f"--num {args.num}: --interpolate draws --rows rows of K samples; pass --rows"
        )
    if args.rows is not None and not args.interpolate:
        parser.error(f"--rows {args.rows} needs --interpolate K")
    if args.interpolate and args.output.lower().endswith(".gif"):
        parser.error(
            f"--output {args.output!r}: with --interpolate, --output is the still grid and the "
            "GIF is written beside it; pass a .png"
        )
    if args.labels and "all" in args.labels and len(args.labels) > 1:
        parser.error(f"--labels {' '.join(map(str, args.labels))}: 'all' goes alone")


def _classes(parser, labels, num_classes):
    """The classes to draw: every class by default for a conditional model, `None` if not."""
    if num_classes is None:
        if labels is not None:
            parser.error(
                f"--labels {' '.join(map(str, labels))}: the model is unconditional (its "
                "generator takes no labels)"
            )
        return None
    if labels is None or labels == ["all"]:
        return list(range(num_classes))
    for value in labels:
        if not 0 <= value < num_classes:
            parser.error(
                f"--labels {value}: out of range; the model has {num_classes} classes "
                f"(0 to {num_classes - 1})"
            )
    return labels


def _image(images, columns, scale):
    from keras_wgan.callbacks import plotting

    grid = plotting.image_grid(images, columns)
    factor = scale or plotting.readable_scale(*images.shape[1:3])
    return plotting.enlarge(grid, factor)


def _draw(samples, path, columns=None, scale=None):
    """An image grid (images) or a scatter (2-D points) of `samples`, written to `path`."""
    import numpy as np

    from keras_wgan.callbacks import plotting

    pyplot = plotting.load_pyplot()
    if samples.ndim == 4:
        grid = _image(samples, columns or int(np.ceil(np.sqrt(len(samples)))), scale)
        pyplot.imsave(path, grid, cmap="gray" if grid.ndim == 2 else None, vmin=0, vmax=1)
    else:
        figure, axes = pyplot.subplots(figsize=(4.5, 4.5))
        axes.scatter(*samples.T, s=2, c="tab:red")
        axes.set_aspect("equal")
        figure.tight_layout()
        figure.savefig(path, dpi=100)
        pyplot.close(figure)


def _draw_paths(samples, path, animation, scale=None):
    """The rows `[rows, steps, h, w, c]` as a grid at `path`, and a GIF at `animation` whose
    frame `k` shows every row's `k`-th sample, forth and back."""
    import numpy as np

    from keras_wgan.callbacks import plotting

    rows, steps = samples.shape[:2]
    _draw(samples.reshape(rows * steps, *samples.shape[2:]), path, steps, scale)
    columns = int(np.ceil(np.sqrt(rows)))
    order = list(range(steps)) + list(range(steps - 2, 0, -1))
    frames = [_image(samples[:, k], columns, scale) for k in order]
    durations = [FRAME_MILLISECONDS * (3 if k in (0, steps - 1) else 1) for k in order]
    plotting.write_gif(frames, animation, durations)
