"""The shared pieces of the callbacks' figures: `load_pyplot` (Agg), `image_grid`."""

import numpy as np


def load_pyplot():
    """`matplotlib.pyplot` on the Agg backend (no display), imported on first use."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import pyplot

    return pyplot


def image_grid(images, columns):
    """Tiles images `[n, h, w, c]` in [-1, 1] into one `[H, W]` (or `[H, W, 3]`) in [0, 1]."""
    images = np.clip((np.asarray(images, dtype="float32") + 1.0) / 2.0, 0.0, 1.0)
    count, height, width, channels = images.shape
    rows = -(-count // columns)
    grid = np.ones(
        (rows * (height + 1) - 1, columns * (width + 1) - 1, channels), dtype="float32"
    )
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        top, left = row * (height + 1), column * (width + 1)
        grid[top : top + height, left : left + width] = image
    return grid[..., 0] if channels == 1 else grid

