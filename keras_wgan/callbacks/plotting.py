"""The shared pieces of figures: `load_pyplot` (Agg), `image_grid`, `enlarge`, `write_gif`."""

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


READABLE_PIXELS = 64


def readable_scale(height, width, pixels=READABLE_PIXELS):
    """The smallest integer factor that makes an image `pixels` or more on its longer side."""
    return max(1, -(-pixels // max(height, width)))


def enlarge(grid, factor):
    """`grid` `[H, W]` or `[H, W, 3]` with every pixel repeated `factor` times each way."""
    return np.repeat(np.repeat(grid, factor, axis=0), factor, axis=1)


def write_gif(frames, path, durations):
    """Writes `frames` (each `[H, W]` or `[H, W, 3]` in [0, 1]) to a looping GIF at `path`,
    frame `i` shown for `durations[i]` milliseconds."""
    from PIL import Image

    images = []
    for frame in frames:
        image = Image.fromarray(np.round(np.clip(frame, 0.0, 1.0) * 255).astype("uint8"))
        # Grey frames keep their 256 levels; colour ones get one adaptive palette each.
        if image.mode != "L":
            image = image.convert("P", palette=Image.Palette.ADAPTIVE)
        images.append(image)
    images[0].save(
        path, save_all=True, append_images=images[1:], loop=0, duration=list(durations)
    )
