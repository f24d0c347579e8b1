"""A 2-D convolution computed as one matrix product, for feature maps no larger than the kernel."""

import keras
import numpy as np
from keras import layers
from keras import ops


@keras.saving.register_keras_serializable(package="keras_wgan")
class UnrolledConv2D(layers.Conv2D):
    """`keras.layers.Conv2D` evaluated as one matrix product with the kernel unrolled.

    Same arguments, weights and outputs as `Conv2D`, derivatives included. Each call gathers the
    kernel's taps into an `[h * w * in, out_h * out_w * out]` matrix: one large matrix product,
    which CPUs run faster than a convolution with a tiny output. It pays when
    `h * w <= kh * kw` (`pays_to_unroll`).

    Supports `data_format="channels_last"`, `dilation_rate=1`, `groups=1` and a known input
    height and width.
    """

    def __init__(self, filters, kernel_size, **kwargs):
        super().__init__(filters, kernel_size, **kwargs)
        if self.data_format != "channels_last":
            raise ValueError(
                "UnrolledConv2D supports data_format='channels_last' only. "
                f"Received: data_format={self.data_format!r}"
            )
        if tuple(self.dilation_rate) != (1, 1) or self.groups != 1:
            raise ValueError(
                "UnrolledConv2D supports dilation_rate=1 and groups=1 only. Received: "
                f"dilation_rate={self.dilation_rate}, groups={self.groups}"
            )
        self._taps = None

    def build(self, input_shape):
        height, width = input_shape[1], input_shape[2]
        if height is None or width is None:
            raise ValueError(
                "UnrolledConv2D needs the input's height and width at build time. "
                f"Received: input_shape={tuple(input_shape)}"
            )
        super().build(input_shape)
        (kernel_height, kernel_width), (stride_height, stride_width) = (
            self.kernel_size,
            self.strides,
        )
        rows, self._out_height = _tap_offsets(height, kernel_height, stride_height, self.padding)
        cols, self._out_width = _tap_offsets(width, kernel_width, stride_width, self.padding)
        self._in_pixels = height * width
        self._taps = unrolled_tap_index(rows, cols, self.kernel_size)

    def convolution_op(self, inputs, kernel):
        kernel_height, kernel_width, in_channels, filters = kernel.shape
        out_pixels = self._out_height * self._out_width
        # The kernel's taps, plus a zero tap for pairs of pixels the kernel does not join.
        taps = ops.concatenate(
            [
                ops.reshape(kernel, (kernel_height * kernel_width, in_channels, filters)),
                ops.zeros((1, in_channels, filters), dtype=kernel.dtype),
            ],
            axis=0,
        )
        matrix = ops.take(taps, self._taps, axis=0)  # [in_pixels, out_pixels, in, out]
        matrix = ops.reshape(
            ops.transpose(matrix, (0, 2, 1, 3)),
            (self._in_pixels * in_channels, out_pixels * filters),
        )
        outputs = ops.matmul(ops.reshape(inputs, (-1, self._in_pixels * in_channels)), matrix)
        return ops.reshape(outputs, (-1, self._out_height, self._out_width, filters))


def pays_to_unroll(input_size, kernel_size):
    """Whether `UnrolledConv2D` multiplies no more entries than a convolution would."""
    return input_size[0] * input_size[1] <= kernel_size[0] * kernel_size[1]


def _tap_offsets(size, kernel, stride, padding):
    """For one axis: `(offsets [size, out_size], out_size)`, the tap joining `i` to `o`, or -1."""
    if padding == "same":
        out_size = -(-size // stride)
        before = max((out_size - 1) * stride + kernel - size, 0) // 2
    else:  # "valid"
        out_size = (size - kernel) // stride + 1
        before = 0
    offsets = np.arange(size)[:, None] - (np.arange(out_size)[None, :] * stride - before)
    offsets[(offsets < 0) | (offsets >= kernel)] = -1
    return offsets, out_size


def unrolled_tap_index(rows, cols, kernel_size):
    """The tap index `[in_pixels, out_pixels]` of a 2-D kernel, `kh * kw` where none joins."""
    kernel_height, kernel_width = kernel_size
    # [height, width, out_height, out_width]
    row, col = rows[:, None, :, None], cols[None, :, None, :]
    index = np.where(
        (row >= 0) & (col >= 0), row * kernel_width + col, kernel_height * kernel_width
    )
    height, width, out_height, out_width = index.shape
    return index.reshape(height * width, out_height * out_width).astype("int32")
