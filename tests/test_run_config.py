"""`keras_wgan.run_config`: the run's choices and defaults, resolved once, read by the CLI."""

import dataclasses
import re

import pytest

from keras_wgan import cli
from keras_wgan import data
from keras_wgan import evaluation
from keras_wgan import run_config
from keras_wgan import training
from keras_wgan.cli.train import make_config

# Fields that stay `None` after resolution, and when.
MAY_STAY_NONE = {
    "run_name": "the run folder's name names the export",
    "data_dir": "always (TFDS's default directory)",
    "image_dir": "except for folder",
    "image_size": "native size of a TFDS dataset, and the toys and digits",
    "channels": "a folder's images' own, read when a run loads them (unused elsewhere)",
    "num_samples": "images: all of them",
    "ema_decay": "no generator average, except WGAN-GP's digits recipe",
    "ema_warmup": "the models' warm-up (W = 10), except WGAN-GP's digits recipe",
    "steps_per_epoch": "one pass over the data, except on digits",
    "critic_stages": "DCGAN's rule (down to 4x4), except WGAN-GP's digits recipe",
    "critic_filters": "base_filters, except WGAN-GP's digits recipe",
    "quality_every": "the drawing cadence",
    "generator_lr": "images without decay but digits' recipe: the model's own optimizer",
    "critic_lr": "images without decay but digits' recipe: the model's own optimizer",
    "augment": "no augmentation of the critic's inputs",
    "augment_policy": "the model's policy (all three of DiffAugment's transformations)",
    "penalty_weight": "the model's own lambda (the paper's 10), except WGAN-GP's ring8 recipe",
    "lr_decay_final": "LR_DECAY_FINAL_FRACTION, except the cifar10_resnet recipe",
    "adam_beta_1": "the model's optimizer's, except the cifar10_resnet recipe",
    "generator_batch_size": "batch_size, except the cifar10_resnet recipe",
}


def all_configs():
    for model in run_config.MODELS:
        for dataset in run_config.DATASETS:
            folder = {"image_dir": "faces", "image_size": 16} if dataset == "folder" else {}
            yield run_config.TrainConfig(model=model, dataset=dataset, **folder)


def test_choices_are_the_librarys():
    assert run_config.TOY_DATASETS == tuple(data.TOY_DATASETS)
    assert run_config.TFDS_DATASETS == tuple(data.TFDS_DATASETS)
    assert run_config.CLASSIFIER_DATASETS == tuple(evaluation.CLASSIFIERS)
    assert run_config.FEATURES == tuple(evaluation.FEATURE_EXTRACTORS)
    assert run_config.MODELS == tuple(training.MODEL_CLASSES)
    assert run_config.TrainConfig is run_config.TrainConfig


def test_every_default_is_resolved_when_the_config_is_made():
    for config in all_configs():
        fields = dataclasses.asdict(config)
        unresolved = {name for name, value in fields.items() if value is None}
        assert unresolved <= set(MAY_STAY_NONE), (config.model, config.dataset, unresolved)
        if not config.is_image:
            assert config.num_samples == (
                run_config.TOY_STEPS_PER_EPOCH * config.batch_size * config.critic_steps
            )
            assert None not in config.learning_rates
        # Resolving again changes nothing: a backup's config.json reads back as the same config.
        assert run_config.TrainConfig(**fields) == config


def _train_help():
    train = cli.build_parser()._subparsers._group_actions[0].choices["train"]
    return " ".join(train.format_help().split())


def test_a_changed_table_reaches_the_config(monkeypatch):
    monkeypatch.setitem(run_config.KIND_DEFAULTS["toy"], "epochs", 7)
    monkeypatch.setitem(run_config.TOY_LEARNING_RATES, "wgan", (3e-5, 3e-4))
    assert run_config.TrainConfig(dataset="grid25").epochs == 7
    assert run_config.TrainConfig(dataset="ring8", model="wgan").learning_rates == (3e-5, 3e-4)


def test_a_changed_recipe_reaches_the_config_the_model_and_the_help(monkeypatch):
    from keras_wgan import training

    assert "Critic updates per generator update. Default: resolved (2 in the default run)" in (
        _train_help()
    )
    monkeypatch.setitem(run_config.RECIPES["digits"], "critic_steps", 3)
    config = run_config.TrainConfig()
    assert config.critic_steps == 3
    model = training.build_model(config, (8, 8, 1), cluster_frequencies=[0.05] * 20)
    assert model.critic_steps == 3
    assert "Critic updates per generator update. Default: resolved (3 in the default run)" in (
        _train_help()
    )


def test_defaults_follow_the_brief():
    config = run_config.TrainConfig()
    assert (config.model, config.dataset, config.batch_size, config.critic_steps) == (
        "wgan-gp", "digits", 64, run_config.RECIPES["digits"]["critic_steps"]
    )
    assert config.jit_compile is True and config.seed == 0
    assert config.run_name is None  # the run folder's name
    # The default run is the measured digits recipe; the papers' settings are one flag away.
    recipe = run_config.RECIPES["digits"]
    assert config.learning_rates == (recipe["generator_lr"], recipe["critic_lr"])
    assert config.ema_decay == recipe["ema_decay"] and config.lr_decay is False
    assert config.ema_warmup == recipe["ema_warmup"] == 2
    assert (config.epochs, config.steps_per_epoch) == (40, run_config.DIGITS_STEPS_PER_EPOCH)
    paper = run_config.TrainConfig(paper_settings=True)
    assert paper.epochs == run_config.KIND_DEFAULTS["digits"]["epochs"] == 20
    assert paper.learning_rates == (None, None) and paper.ema_decay is None
    assert paper.ema_warmup is None
    assert paper.lr_decay is False and paper.critic_steps == 5 and paper.jit_compile is False
    assert paper.steps_per_epoch == config.steps_per_epoch
    assert run_config.TrainConfig(model="wgan").learning_rates == (None, None)
    assert run_config.TrainConfig(dataset="swissroll").latent_dim == 2


@pytest.mark.parametrize(
    "field, value",
    [("model", "nope"), ("dataset", "imagenet"), ("epochs", 0), ("batch_size", -1),
     ("critic_lr", 0.0), ("latent_dim", 1.5), ("channels", 2), ("image_size", 7),
     ("lr_decay", "yes"), ("jit_compile", 1), ("steps_per_execution", 0),
     ("precision", "mixed_float16"), ("conditional", 1),
     ("quality_every", -1), ("critic_steps", 0), ("ema_decay", 1.0), ("ema_decay", -0.5),
     ("ema_decay", True), ("ema_warmup", 0), ("ema_warmup", 2.5), ("ema_warmup", True),
     ("critic_stages", 0), ("critic_filters", 2.5),
     ("penalty_weight", -0.5), ("penalty_weight", float("inf")), ("penalty_weight", True),
     ("adam_beta_1", 1.0), ("adam_beta_1", -0.1), ("adam_beta_1", "0"), ("lr_decay_final", 1.5),
     ("lr_decay_final", True), ("generator_batch_size", 0), ("generator_batch_size", 64.0)],
)
def test_bad_config_names_the_value(field, value):
    with pytest.raises(ValueError, match=re.escape(f"{field}={value!r}")):
        run_config.TrainConfig(**{field: value})


def test_ema_decay_defaults_to_the_recipe_and_must_match_to_resume():
    assert run_config.TrainConfig().ema_decay == run_config.RECIPES["digits"]["ema_decay"]
    assert run_config.TrainConfig(model="wgan").ema_decay is None
    assert run_config.TrainConfig(dataset="mnist5k").ema_decay == 0.999
    assert run_config.TrainConfig(dataset="mnist").ema_decay is None
    assert run_config.TrainConfig(ema_decay=0).ema_decay == 0  # explicitly none
    assert run_config.TrainConfig(ema_decay=0.999).settings_to_match()["ema_decay"] == 0.999


def test_the_image_recipes_compile_with_xla_unless_asked():
    # XLA fuses away the per-op overhead that dominates the recipes' small steps.
    assert run_config.TrainConfig().jit_compile is True
    assert run_config.TrainConfig(conditional=True).jit_compile is True
    assert run_config.TrainConfig(dataset="mnist5k").jit_compile is True
    for fields in ({"model": "wgan"}, {"dataset": "grid25"}, {"paper_settings": True},
                   {"dataset": "mnist5k", "paper_settings": True}):
        assert run_config.TrainConfig(**fields).jit_compile is False, fields
    assert run_config.TrainConfig(jit_compile=False).jit_compile is False
    assert run_config.TrainConfig(dataset="mnist5k", jit_compile=False).jit_compile is False
    parse = cli.build_parser().parse_args
    assert make_config(parse(["train", "--no-jit-compile"]))["jit_compile"] is False
    assert make_config(parse(["train", "--jit-compile"]))["jit_compile"] is True


def test_the_digits_recipe_runs_20_steps_per_call_lowered_to_divide_epochs_and_backups():
    assert run_config.TrainConfig().steps_per_execution == 20
    assert run_config.TrainConfig(paper_settings=True).steps_per_execution == 1
    assert run_config.TrainConfig(dataset="mnist5k").steps_per_execution == 20
    assert run_config.TrainConfig(dataset="mnist5k", paper_settings=True).steps_per_execution == 1
    assert training.steps_per_execution(run_config.TrainConfig(), 100) == 20
    assert training.steps_per_execution(run_config.TrainConfig(backup_every=30), 100) == 10
    assert training.steps_per_execution(run_config.TrainConfig(backup_every=0), 100) == 20
    assert training.steps_per_execution(run_config.TrainConfig(backup_every=0), 7) == 1
    parse = cli.build_parser().parse_args
    fields = make_config(parse(["train", "--steps-per-execution", "4"]))
    assert fields["steps_per_execution"] == 4
    # It changes no weight, so a backup resumes under another value.
    assert "steps_per_execution" not in run_config.TrainConfig().settings_to_match()


def test_a_backup_written_before_the_later_fields_still_matches():
    # Backups of runs made before `steps_per_epoch` and `paper_settings` existed lack them.
    settings = run_config.TrainConfig(dataset="cifar10").settings_to_match()
    assert "steps_per_epoch" not in settings and "paper_settings" not in settings
    digits = run_config.TrainConfig().settings_to_match()
    assert digits["steps_per_epoch"] == run_config.DIGITS_STEPS_PER_EPOCH
    assert run_config.TrainConfig(paper_settings=True).settings_to_match()["paper_settings"]
    for name in ("lr_decay_final", "adam_beta_1", "generator_batch_size", "augment_policy"):
        assert name not in settings
    assert run_config.TrainConfig(adam_beta_1=0.0).settings_to_match()["adam_beta_1"] == 0.0


def test_adam_beta_1_is_for_the_adam_models_only():
    with pytest.raises(ValueError, match="model='wgan' trains with RMSprop"):
        run_config.TrainConfig(model="wgan", adam_beta_1=0.0)
    config = run_config.TrainConfig(model="gan", adam_beta_1=0.0)
    for optimizer in training.make_optimizers(config, 10):
        assert optimizer.beta_1 == 0.0 and optimizer.learning_rate.numpy() == 2e-4


def test_the_decay_ends_at_lr_decay_final_of_the_start():
    config = run_config.TrainConfig(dataset="mnist", generator_lr=2e-4, critic_lr=1e-4,
                                    lr_decay=True, lr_decay_final=0.0, adam_beta_1=0.0)
    generator, critic = training.make_optimizers(config, 10)
    assert generator.beta_1 == critic.beta_1 == 0.0 and generator.beta_2 == 0.9
    for optimizer, start, updates in ((generator, 2e-4, 10), (critic, 1e-4, 10 * 5)):
        schedule = optimizer._learning_rate
        assert float(schedule(0)) == pytest.approx(start)
        assert float(schedule(updates // 2)) == pytest.approx(start / 2)
        assert float(schedule(updates)) == 0.0
    # Unset, the fraction stays the library's.
    generator, _ = training.make_optimizers(dataclasses.replace(config, lr_decay_final=None), 10)
    assert float(generator._learning_rate(10)) == pytest.approx(
        2e-4 * run_config.LR_DECAY_FINAL_FRACTION)


def test_the_digits_recipe_has_a_deeper_narrower_critic_and_the_papers_keep_dcgans():
    def critic_of(config):
        frequencies = [1 / config.clusters] * config.clusters if config.clusters else None
        critic = training.build_model(config, (8, 8, 1), cluster_frequencies=frequencies).critic
        return [layer.filters for layer in critic.layers if hasattr(layer, "filters")]

    recipe = run_config.RECIPES["digits"]
    config = run_config.TrainConfig()
    assert (config.critic_stages, config.critic_filters) == (2, 16)
    assert critic_of(config) == [recipe["critic_filters"], 2 * recipe["critic_filters"]]
    # DCGAN's rule, down to 4x4: one stage of base_filters at 8x8 (the papers' settings, the
    # other models), two at 28x28 (28 -> 14 -> 7).
    assert critic_of(run_config.TrainConfig(paper_settings=True)) == [64]
    assert critic_of(run_config.TrainConfig(model="wgan")) == [64]
    assert critic_of(run_config.TrainConfig(critic_stages=1, critic_filters=16)) == [16]
    mnist = training.build_model(
        run_config.TrainConfig(dataset="mnist5k", base_filters=4, critic_filters=4,
                               clusters=0), (28, 28, 1)
    ).critic
    assert [layer.filters for layer in mnist.layers if hasattr(layer, "filters")] == [4, 8]
    # A backup of a run that had a DCGAN critic without these fields still resumes.
    for config in (run_config.TrainConfig(paper_settings=True),
                   run_config.TrainConfig(dataset="cifar10")):
        settings = config.settings_to_match()
        assert "critic_stages" not in settings and "critic_filters" not in settings
    assert run_config.TrainConfig().settings_to_match()["critic_stages"] == 2


def test_penalty_weight_reaches_wgan_gp_and_is_refused_elsewhere():
    config = run_config.TrainConfig(dataset="swissroll", penalty_weight=0.5, hidden_units=(8,))
    assert training.build_model(config, (2,)).penalty_weight == 0.5
    assert config.settings_to_match()["penalty_weight"] == 0.5
    default = run_config.TrainConfig(dataset="swissroll", hidden_units=(8,))
    assert training.build_model(default, (2,)).penalty_weight == 10.0  # the paper's
    # A backup written before the field existed (lambda 10) still matches the default.
    assert "penalty_weight" not in default.settings_to_match()
    with pytest.raises(ValueError, match=r"penalty_weight=1\.0 with model='wgan'"):
        run_config.TrainConfig(model="wgan", penalty_weight=1.0)


def test_the_ring_recipe_and_the_papers_settings_on_the_ring():
    recipe = run_config.RECIPES["ring8"]
    config = run_config.TrainConfig(dataset="ring8")
    assert (config.penalty_weight, config.hidden_units, config.epochs) == (
        recipe["penalty_weight"], tuple(recipe["hidden_units"]), recipe["epochs"]
    )
    assert config.learning_rates == run_config.TOY_LEARNING_RATES["wgan-gp"] and config.lr_decay
    paper = run_config.TrainConfig(dataset="ring8", paper_settings=True)
    assert paper.penalty_weight is None and paper.hidden_units == run_config.HIDDEN_UNITS
    assert paper.epochs == run_config.KIND_DEFAULTS["toy"]["epochs"]
    # The other models and the swiss roll keep the toys' defaults.
    for other in (run_config.TrainConfig(dataset="ring8", model="wgan"),
                  run_config.TrainConfig(dataset="swissroll")):
        assert other.penalty_weight is None and other.hidden_units == run_config.HIDDEN_UNITS


def test_the_grid_recipe_and_the_papers_settings_on_the_grid():
    recipe = run_config.RECIPES["grid25"]
    config = run_config.TrainConfig(dataset="grid25")
    assert (config.clusters, config.penalty_weight, config.hidden_units) == (
        recipe["clusters"], recipe["penalty_weight"], tuple(recipe["hidden_units"])
    )
    assert config.epochs == run_config.KIND_DEFAULTS["toy"]["epochs"]  # 3,000 steps
    assert config.settings_to_match()["clusters"] == recipe["clusters"]
    for other in (run_config.TrainConfig(dataset="grid25", paper_settings=True),
                  run_config.TrainConfig(dataset="grid25", model="wgan")):
        assert (other.clusters, other.penalty_weight, other.hidden_units) == (
            0, None, run_config.HIDDEN_UNITS
        )


def test_backup_every_is_checked():
    with pytest.raises(ValueError, match=re.escape("backup_every=-1")):
        run_config.TrainConfig(backup_every=-1)


def test_augment_is_for_images_and_reaches_the_model():
    config = run_config.TrainConfig(augment="ada", base_filters=4, clusters=0)
    assert training.build_model(config, (8, 8, 1)).augment == "ada"
    assert run_config.TrainConfig().augment is None
    for fields in ({"augment": "flip"}, {"augment": "diffaugment", "dataset": "ring8"}):
        with pytest.raises(ValueError, match=re.escape(f"augment={fields['augment']!r}")):
            run_config.TrainConfig(**fields)


def test_augment_policy_reaches_the_model_and_is_checked_before_training():
    config = run_config.TrainConfig(augment="diffaugment", augment_policy="translation",
                                    base_filters=4, clusters=0)
    model = training.build_model(config, (8, 8, 1))
    assert model.augment_policy == "translation"
    assert model.augmentation.uniform_count == 3  # a shift per axis, then its gate
    for policy in ("translation, flip", "cutout,cutout", ""):
        with pytest.raises(ValueError, match=re.escape(f"augment_policy={policy!r}")):
            run_config.TrainConfig(augment="ada", augment_policy=policy)
    with pytest.raises(ValueError, match="augment=None"):
        run_config.TrainConfig(augment_policy="cutout")


def test_image_defaults_keep_the_paper_rates():
    # Every image dataset but the recipes' (digits, mnist5k), and those with `paper_settings`.
    for fields in ({"dataset": "mnist"}, {"paper_settings": True}, {"model": "wgan"},
                   {"dataset": "mnist5k", "paper_settings": True},
                   {"dataset": "mnist5k", "model": "wgan"}):
        config = run_config.TrainConfig(**fields)
        assert config.lr_decay is False and config.learning_rates == (None, None), fields
        assert config.ema_decay is None and config.hidden_units == (256,) * 3
        decayed = run_config.TrainConfig(lr_decay=True, **fields)
        rate = run_config.PAPER_LEARNING_RATES[config.model]
        assert decayed.learning_rates == (rate, rate), fields
    digits = run_config.TrainConfig()
    assert digits.epochs * digits.steps_per_epoch == 4000  # the default run's length
    assert run_config.TrainConfig(dataset="celeb_a").image_size == 64
    assert run_config.TrainConfig(dataset="mnist").image_size is None
    assert run_config.TrainConfig(dataset="mnist").latent_dim == 128


def test_folder_needs_a_directory_and_a_size():
    with pytest.raises(ValueError, match="image_dir=None"):
        run_config.TrainConfig(dataset="folder", image_size=16)
    with pytest.raises(ValueError, match="image_size=None"):
        run_config.TrainConfig(dataset="folder", image_dir="faces")


def test_bundled_datasets_keep_their_image_size():
    assert run_config.TrainConfig(dataset="mnist5k", image_size=28).image_size == 28
    with pytest.raises(ValueError, match="digits is 8x8 only. Received: image_size=32"):
        run_config.TrainConfig(dataset="digits", image_size=32)
    with pytest.raises(ValueError, match="mnist5k is 28x28 only"):
        run_config.TrainConfig(dataset="mnist5k", image_size=32, architecture="resnet")


def test_conditional_needs_a_labelled_dataset():
    with pytest.raises(ValueError, match=re.escape("dataset='ring8'")):
        run_config.TrainConfig(dataset="ring8", conditional=True)
    folder = run_config.TrainConfig(dataset="folder", image_dir="a", image_size=8,
                                    conditional=True)
    assert folder.conditional and folder.clusters == 0


def test_channels_are_the_images_unless_given_and_older_backups_still_match():
    folder = {"dataset": "folder", "image_dir": "faces", "image_size": 16}
    assert run_config.TrainConfig(**folder).channels is None
    assert run_config.TrainConfig(channels=1, **folder).settings_to_match()["channels"] == 1
    # Backups written when `channels` defaulted to 3 recorded it for every dataset: where it
    # is unused, `None` matches them (a folder's is set when its images are loaded).
    for dataset in ("digits", "mnist", "ring8"):
        settings = run_config.TrainConfig(dataset=dataset).settings_to_match()
        assert settings["channels"] == 3, dataset
    args = cli.build_parser().parse_args(["train", "--channels", "4", "--image-dir", "faces"])
    assert make_config(args)["channels"] == 4


def test_mnist5k_is_a_labelled_scored_image_dataset_of_3100_recipe_steps():
    config = run_config.TrainConfig(dataset="mnist5k", conditional=True)
    assert config.is_image and run_config.dataset_kind("mnist5k") == "image"
    assert "mnist5k" in run_config.SCORED_DATASETS and config.image_size is None
    assert (config.batch_size, config.latent_dim) == (64, 128)
    assert config.epochs * config.steps_per_epoch == 3100
    assert run_config.default_run_name("wgan-gp", "mnist5k", True) == "wgan-gp-mnist5k-conditional"
    # The recipe's file reaches the config, the conditional run's included.
    recipe = run_config.RECIPES["mnist5k"]
    for name, value in recipe.items():
        if name not in ("about", "measured_by", "clusters"):
            assert getattr(config, name) == value, name
    assert config.clusters == 0 and run_config.TrainConfig(dataset="mnist5k").clusters == 50
    assert config.lr_decay is False
    # The papers' settings and the other models keep the dataset's 200 passes (2,400 steps).
    for fields in ({"paper_settings": True}, {"model": "wgan"}):
        other = run_config.TrainConfig(dataset="mnist5k", **fields)
        assert other.epochs * (4000 // (other.batch_size * other.critic_steps)) == 2400, fields


def test_clusters_come_from_the_digits_recipe_and_are_refused_where_they_cannot_apply():
    recipe = run_config.RECIPES["digits"]["clusters"]
    assert recipe >= 2 and run_config.TrainConfig().clusters == recipe
    # None with the papers' settings, a conditional run, the other models and datasets.
    assert run_config.TrainConfig(dataset="mnist5k").clusters == (
        run_config.RECIPES["mnist5k"]["clusters"]
    )
    for fields in ({"paper_settings": True}, {"conditional": True}, {"model": "wgan"},
                   {"dataset": "mnist5k", "paper_settings": True}, {"dataset": "ring8"},
                   {"dataset": "grid25", "paper_settings": True}):
        assert run_config.TrainConfig(**fields).clusters == 0, fields
    assert run_config.TrainConfig(dataset="mnist5k", clusters=5).clusters == 5
    # The toys' points cluster too: the grid's recipe does, the others may.
    assert run_config.TrainConfig(dataset="grid25").clusters == (
        run_config.RECIPES["grid25"]["clusters"]
    )
    assert run_config.TrainConfig(dataset="ring8", clusters=8).clusters == 8
    for fields in ({"clusters": 1}, {"clusters": -2}, {"clusters": 2.0}, {"clusters": True},
                   {"clusters": 5, "conditional": True}, {"clusters": 5, "dataset": "mnist"}):
        with pytest.raises(ValueError, match="clusters"):
            run_config.TrainConfig(**fields)
    # A backup of a run without clusters (written before the field) still resumes; the
    # recipe's clusters must match.
    assert "clusters" not in run_config.TrainConfig(paper_settings=True).settings_to_match()
    assert run_config.TrainConfig().settings_to_match()["clusters"] == recipe
