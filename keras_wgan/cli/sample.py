"""`keras-wgan sample`: a PNG grid (images) or scatter (2-D points) of a saved model's samples."""

from keras_wgan.cli import arguments

# The formats both `pyplot.imsave` (image grids) and `Figure.savefig` (2-D scatters) write.
FORMATS = (".eps", ".gif", ".jpeg", ".jpg", ".pdf", ".png", ".ps", ".svg", ".tiff", ".webp")


def add_parser(commands):
    """Adds the `sample` subcommand to `commands` (an argparse subparsers object)."""
    parser = commands.add_parser(
        "sample",
        help="draw samples of a saved model: a PNG grid (images) or scatter (2-D points)",
    )
    arguments.add_model_path(parser)
    parser.add_argument("--num", type=arguments.positive_int, default=64,
                        help="default: %(default)s")
    parser.add_argument("--output", required=True,
                        help=f"the image to write ({', '.join(FORMATS)})")
    parser.add_argument("--npy", default=None, help="also save the raw samples to this .npy")
    parser.add_argument("--seed", type=arguments.non_negative_int, default=0,
                        help="seed of the latent vectors; default: %(default)s")
    parser.add_argument("--truncation", type=arguments.positive_float, default=None, metavar="T",
                        help=arguments.TRUNCATION_HELP)


def run(parser, args):
    import numpy as np

    from keras_wgan import evaluation

    arguments.check_output_file(parser, "--output", args.output, FORMATS)
    arguments.check_output_file(parser, "--npy", args.npy, (".npy",))
    generator = arguments.load_generator(parser, args.model_path)
    try:
        samples = evaluation.generate(
            generator, args.num, seed=args.seed, truncation=args.truncation
        )
    except MemoryError:
        return arguments.report_error(
            f"--num {args.num}: not enough memory for the samples; pass a smaller --num"
        )
    if not (samples.ndim == 4 or (samples.ndim == 2 and samples.shape[1] == 2)):
        parser.error(f"cannot draw samples of shape {samples.shape}; use --npy only")
    try:
        _draw(samples, args.output)
        print(f"Wrote {len(samples)} samples to {args.output}", flush=True)
        if args.npy:
            np.save(args.npy, samples)
            print(f"Wrote the raw samples {samples.shape} to {args.npy}", flush=True)
    except OSError as error:  # e.g. a full disk
        return arguments.report_error(f"cannot write the samples: {error}")
    return 0


def _draw(samples, path):
    """An image grid (images) or a scatter (2-D points) of `samples`, written to `path`."""
    import numpy as np

    from keras_wgan.callbacks import plotting

    pyplot = plotting.load_pyplot()
    if samples.ndim == 4:
        grid = plotting.image_grid(samples, int(np.ceil(np.sqrt(len(samples)))))
        pyplot.imsave(path, grid, cmap="gray" if grid.ndim == 2 else None, vmin=0, vmax=1)
    else:
        figure, axes = pyplot.subplots(figsize=(4.5, 4.5))
        axes.scatter(*samples.T, s=2, c="tab:red")
        axes.set_aspect("equal")
        figure.tight_layout()
        figure.savefig(path, dpi=100)
        pyplot.close(figure)
