"""The end of a run: its export, its quality scores and the summary printed."""

import os

import numpy as np

from keras_wgan import evaluation as evaluation_lib
from keras_wgan import export as export_lib
from keras_wgan import run_config
from keras_wgan.training import data as run_data


def export_name(config, workdir):
    """The name the run's generator is served under: `config.run_name`, or the run folder's
    name, so that no other run's model becomes a version of it."""
    return config.run_name or os.path.basename(os.path.normpath(os.path.abspath(workdir)))


def export_run_generator(model, config, name):
    """Exports the run's generator (the averaged one when the run keeps one) for serving, to
    `<saved_models_dir>/<name>/<version>/`.

    Returns:
        The SavedModel version directory (see `keras_wgan.export.export_generator`).
    """
    return export_lib.export_generator(model, os.path.join(config.saved_models_dir, name))


def evaluate(model, config, real=None, scorer=None):
    """Quality of the trained generator's sampling (averaged) generator, each score beside
    references computed in the same run.

    Digits, mnist5k and the toys: `keras_wgan.evaluation.score_generator`. Other image datasets
    have no offline features: the pixel mean and standard deviation of generated images beside
    real ones (`floor`), and the scores not computed under `unavailable`.

    Args:
        model: the trained `BaseGAN`.
        config: `TrainConfig`.
        real: the training data or `None` (other image datasets: the `floor`'s real images).
        scorer: `ImageScorer` or `None` (digits, mnist5k): the one the run's `QualityScores`
            made (same dataset, features, n and seed), to reuse its references.

    Returns:
        The dict of `keras_wgan.evaluation.score_generator`, or for other image datasets
        `{dataset, num_samples, scores, unavailable, note}`.
    """
    if config.dataset in run_config.SCORED_DATASETS:
        return evaluation_lib.score_generator(
            model, config.dataset, seed=config.seed + 2, scorer=scorer
        )
    generated = evaluation_lib.generate(model, evaluation_lib.IMAGE_SAMPLES, seed=config.seed + 2)
    if real is None:
        real = run_data.split_training_data(config, run_data.load_training_data(config))[0]
    if not isinstance(real, np.ndarray):
        real = np.concatenate(
            list(real.take(evaluation_lib.IMAGE_SAMPLES).batch(250).as_numpy_iterator())
        )
    real = real[: evaluation_lib.IMAGE_SAMPLES]
    scores = {
        "pixel_mean": {"generated": float(generated.mean()), "floor": float(real.mean()),
                       "higher_is_better": None},
        "pixel_std": {"generated": float(generated.std()), "floor": float(real.std()),
                      "higher_is_better": None},
    }
    return {
        "dataset": config.dataset,
        "num_samples": int(len(generated)),
        "scores": scores,
        "unavailable": sorted(evaluation_lib.HIGHER_IS_BETTER),
        "note": (
            f"No learned quality scores for {config.dataset!r}: the offline feature extractors "
            "(the classifiers of digits and mnist5k) know only their own datasets. "
            "pixel_mean/pixel_std: generated images "
            f"vs {len(real)} real training images ('floor'), both in [-1, 1]; closer is better."
        ),
    }


def format_summary(summary):
    """A few lines saying where everything was written and how the run ended."""
    metrics = ", ".join(f"{k}={v:.4g}" for k, v in summary["final_metrics"].items())
    return "\n".join(
        [
            f"Trained {summary['generator_steps']} generator steps in {summary['seconds']:.1f} s.",
            f"Final metrics: {metrics}",
            f"  history:          {summary['history']}",
            f"  model:            {summary['model']}",
            f"  training curves:  {summary['curves']}",
            f"  last samples:     {summary['samples']}",
            f"  exported model:   {summary['export']} (TF Serving: --model_name="
            f"{summary['export_name']}, version {summary['export_version']})",
            f"  quality scores:   {summary['metrics']}",
            *([f"  progression:      {summary['progression']}"] if summary["progression"] else []),
            *([f"  animation:        {summary['animation']}"] if summary.get("animation") else []),
            *[
                f"  WARNING: diverged at epoch {event['epoch']}: {event['metric']}="
                f"{event['value']:.4g}; the exported generator may be broken."
                for event in summary.get("divergence", [])
            ],
            _format_quality(summary["quality"]),
        ]
    )


def _format_quality(quality):
    if "unavailable" not in quality:
        return evaluation_lib.format_table(quality)
    lines = [quality["note"], f"{'score':<22}{'generated':>11}{'real':>11}"]
    for name, row in quality["scores"].items():
        lines.append(f"{name:<22}{row['generated']:>11.4g}{row['floor']:>11.4g}")
    lines.append(f"not computed: {', '.join(quality['unavailable'])}")
    return "\n".join(lines)
