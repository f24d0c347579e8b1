import keras
import numpy as np
import pytest

from keras_wgan.constraints import WeightClip
from tests.helpers import config_round_trip


def test_weight_clip_clips_to_bounds():
    clipped = WeightClip(0.01)(keras.ops.convert_to_tensor([-1.0, 0.005, 1.0]))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(clipped), [-0.01, 0.005, 0.01])


def test_weight_clip_round_trips_through_config():
    assert config_round_trip(WeightClip(0.05)).clip_value == 0.05


@pytest.mark.parametrize("value", [0, -0.1])
def test_weight_clip_rejects_non_positive_bound(value):
    with pytest.raises(ValueError, match=f"clip_value={value}"):
        WeightClip(value)
