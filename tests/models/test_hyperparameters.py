"""Each model's paper optimizer (`make_optimizer`) and the hyperparameter checks it shares with
the run's settings (`keras_wgan._checks`)."""

import re

import keras
import pytest

from keras_wgan import GAN
from keras_wgan import WGAN
from keras_wgan import WGANGP
from keras_wgan import StackedGAN
from keras_wgan import _checks
from tests.helpers import tiny_model

PAPERS = [
    (WGAN, "RMSprop", {"learning_rate": 5e-5}),
    (WGANGP, "Adam", {"learning_rate": 1e-4, "beta_1": 0.5, "beta_2": 0.9}),
    (StackedGAN, "Adam", {"learning_rate": 1e-4, "beta_1": 0.5, "beta_2": 0.9}),
    (GAN, "Adam", {"learning_rate": 2e-4, "beta_1": 0.5}),
]


def settings(optimizer, names):
    config = optimizer.get_config()
    return {name: pytest.approx(config[name]) for name in names}


@pytest.mark.parametrize("cls, name, paper", PAPERS)
def test_make_optimizer_gives_the_paper_optimizer_with_overrides(cls, name, paper):
    optimizer = cls.make_optimizer()
    assert type(optimizer).__name__ == name
    assert settings(optimizer, paper) == paper
    assert optimizer is not cls.make_optimizer()  # a new one each call

    options = {"beta_1": 0.0} if name == "Adam" else {"rho": 0.5}
    changed = cls.make_optimizer(3e-3, **options)
    assert settings(changed, {**paper, **options}) == {**paper, **options, "learning_rate": 3e-3}

    schedule = keras.optimizers.schedules.ExponentialDecay(1e-3, 10, 0.5)
    assert cls.make_optimizer(schedule).learning_rate is not None
    assert isinstance(cls.make_optimizer(schedule)._learning_rate, type(schedule))


@pytest.mark.parametrize("cls", [WGAN, WGANGP, GAN])
def test_compile_defaults_to_make_optimizer(cls):
    model = tiny_model(cls)
    expected = cls.make_optimizer().get_config()
    for optimizer in (model.generator_optimizer, model.critic_optimizer):
        config = optimizer.get_config()
        for key in ("learning_rate", "beta_1", "beta_2", "rho"):
            assert config.get(key) == pytest.approx(expected.get(key))


@pytest.mark.parametrize(
    "check, value, message",
    [
        (_checks.check_ema_decay, 1.0, "`ema_decay` must be a float in [0, 1) or None."),
        (_checks.check_ema_decay, True, "`ema_decay` must be a float in [0, 1) or None."),
        (_checks.check_ema_warmup, 0, "`ema_warmup` must be an int >= 1"),
        (_checks.check_ema_warmup, 2.5, "`ema_warmup` must be an int >= 1"),
        (_checks.check_ema_warmup, True, "`ema_warmup` must be an int >= 1"),
        (_checks.check_penalty_weight, -1.0, "`penalty_weight` must be a finite float >= 0."),
        (_checks.check_penalty_target, 0.0, "`penalty_target` must be a positive finite float."),
        (_checks.check_clip_value, float("inf"), "`clip_value` must be a positive finite float."),
        (_checks.check_critic_steps, 0, "`critic_steps` must be a positive int."),
    ],
)
def test_hyperparameter_checks_name_the_argument_and_the_value(check, value, message):
    name = message.split("`")[1]
    with pytest.raises(ValueError, match=re.escape(message) + f".*Received: {name}={value!r}"):
        check(value)


def test_hyperparameter_checks_return_the_value():
    assert _checks.check_ema_decay(None) is None and _checks.check_ema_decay(0) == 0.0
    assert _checks.check_ema_warmup(False) is False and _checks.check_ema_warmup(2) == 2
    assert _checks.check_clip_value(None) is None
    assert _checks.check_penalty_weight(0) == 0.0


def test_models_check_their_hyperparameters_in_the_constructor():
    with pytest.raises(ValueError, match=re.escape("Received: penalty_weight=-1")):
        tiny_model(WGANGP, penalty_weight=-1)
    with pytest.raises(ValueError, match=re.escape("Received: clip_value=0")):
        tiny_model(WGAN, clip_value=0)
    assert tiny_model(WGANGP, ema_decay=0.9).ema_warmup == 10  # config.EMA_WARMUP
