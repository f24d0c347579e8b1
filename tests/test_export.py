"""Tests for `keras_wgan.export`: SavedModel export of generators for TF Serving."""

import errno
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import threading

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_wgan import WGANGP
from keras_wgan import cli
from keras_wgan import export
from keras_wgan import networks
from keras_wgan.checkpointing.backup import UMASK
from tests.helpers import tiny_dcgan_pair
from tests.helpers import tiny_model_with_average

LATENT_DIM = 4
NUM_CLASSES = 3
SEED = 7
NO_SPACE = "saved_model.pb; No space left on device"

# Runs in a fresh interpreter that imports only TensorFlow and NumPy, as a serving client would.
LOADER = r"""
import json, sys
import numpy as np
import tensorflow as tf

assert "keras_wgan" not in sys.modules, "the SavedModel must load without keras_wgan"
plain_dir, conditional_dir, out_dir = sys.argv[1:4]
latent = np.load(out_dir + "/latent_in.npy")
labels = np.load(out_dir + "/labels_in.npy")

def save(name, value):
    np.save(out_dir + "/" + name + ".npy", value.numpy())

plain = tf.saved_model.load(plain_dir)
save("plain_serve", plain.signatures["serving_default"](latent=tf.constant(latent))["images"])
for tag, seed in (("a", 7), ("b", 7), ("c", 8)):
    out = plain.signatures["sample"](num_samples=tf.constant(3), seed=tf.constant(seed, tf.int64))
    save("plain_sample_images_" + tag, out["images"])
    save("plain_sample_latent_" + tag, out["latent"])

out = plain.signatures["sample"](num_samples=tf.constant(2), seed=tf.constant(7, tf.int64))
save("plain_sample_images_two", out["images"])

conditional = tf.saved_model.load(conditional_dir)
out = conditional.signatures["serving_default"](
    latent=tf.constant(latent), labels=tf.constant(labels))
save("cond_serve", out["images"])
out = conditional.signatures["sample"](
    num_samples=tf.constant(3), seed=tf.constant(7, tf.int64), labels=tf.constant([2], tf.int32))
for key in ("images", "latent", "labels"):
    save("cond_sample_" + key, out[key])
json.dump({name: sorted(sig.structured_outputs) for name, sig in conditional.signatures.items()},
          open(out_dir + "/cond_outputs.json", "w"))
"""


def _environment():
    env = dict(os.environ)
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    return env


def _saved_model_cli():
    candidate = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    if os.path.exists(candidate):
        return candidate
    found = shutil.which("saved_model_cli")
    if found is None:
        pytest.skip("saved_model_cli (installed with tensorflow) not found")
    return found


def _to_uint8(images):
    """The conversion documented in `keras_wgan.export`, in NumPy."""
    scaled = (images.astype(np.float32) + np.float32(1)) * np.float32(127.5)
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def _documented_latent(num_samples, seed):
    return tf.random.stateless_normal(
        [num_samples, LATENT_DIM], seed=[seed, 0], dtype=tf.float32, alg="philox"
    ).numpy()


def _assert_uint8_matches(actual, float_images):
    """Exact equality, except where float noise may flip a round-half boundary (then +-1)."""
    scaled = (float_images + 1.0) * 127.5
    near_tie = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-3
    difference = np.abs(actual.astype(np.int32) - _to_uint8(float_images).astype(np.int32))
    assert difference.max() <= 1
    np.testing.assert_array_equal(difference[~near_tie], 0)


def _plain_generator(height=4, channels=1):
    latent = keras.Input((LATENT_DIM,), name="latent")
    x = keras.layers.Dense(height * height * channels)(latent)
    x = keras.layers.Reshape((height, height, channels))(x)
    images = keras.layers.Activation("tanh")(x)
    return keras.Model(latent, images, name="generator")


def _conditional_generator(labels_shape=(), labels_dtype="int32"):
    latent = keras.Input((LATENT_DIM,), name="latent")
    labels = keras.Input(labels_shape, dtype=labels_dtype, name="labels")
    embedded = keras.layers.Flatten()(keras.layers.Embedding(NUM_CLASSES, 4)(labels))
    x = keras.layers.Concatenate()([latent, embedded])
    x = keras.layers.Dense(8 * 8 * 3, activation="tanh")(x)
    images = keras.layers.Reshape((8, 8, 3))(x)
    return keras.Model([latent, labels], images, name="conditional_generator")


class _GAN:
    """Stands in for a GAN model: only the `generator` attribute matters to the export."""

    def __init__(self, generator):
        self.generator = generator


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    keras.utils.set_random_seed(1)
    root = tmp_path_factory.mktemp("export")
    plain = _plain_generator()
    conditional = _conditional_generator()
    plain_dir = export.export_generator(_GAN(plain), root / "plain")
    conditional_dir = export.export_generator(conditional, root / "conditional", num_classes=3)
    return {
        "root": root,
        "plain": plain,
        "plain_dir": plain_dir,
        "conditional": conditional,
        "conditional_dir": conditional_dir,
    }


@pytest.fixture(scope="module")
def fresh_process_outputs(exported):
    out_dir = exported["root"] / "outputs"
    out_dir.mkdir()
    rng = np.random.default_rng(0)
    np.save(out_dir / "latent_in.npy", rng.standard_normal((5, LATENT_DIM)).astype(np.float32))
    np.save(out_dir / "labels_in.npy", np.array([0, 1, 2, 1, 0], np.int32))
    result = subprocess.run(
        [sys.executable, "-c", LOADER, exported["plain_dir"], exported["conditional_dir"],
         str(out_dir)],
        capture_output=True, text=True, env=_environment(), cwd=out_dir, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outputs = {path.stem: np.load(path) for path in out_dir.glob("*.npy")}
    outputs["cond_outputs"] = json.loads((out_dir / "cond_outputs.json").read_text())
    return outputs


# Layout and versioning ----------------------------------------------------------------------


def test_layout_is_what_tf_serving_loads(exported):
    plain_dir = exported["plain_dir"]
    assert plain_dir == os.path.join(exported["root"] / "plain", "1")
    assert os.path.isfile(os.path.join(plain_dir, "saved_model.pb"))
    assert os.path.isdir(os.path.join(plain_dir, "variables"))
    assert os.listdir(exported["root"] / "plain") == ["1"]


def test_versions_increase_and_are_never_overwritten(tmp_path):
    generator = _plain_generator()
    assert export.export_generator(generator, tmp_path) == os.path.join(tmp_path, "1")
    assert export.export_generator(generator, tmp_path) == os.path.join(tmp_path, "2")
    assert export.export_generator(generator, tmp_path, version=10).endswith("10")
    assert export.export_generator(generator, tmp_path).endswith("11")
    before = os.path.getmtime(os.path.join(tmp_path, "2", "saved_model.pb"))
    with pytest.raises(ValueError, match=r"already exists.*Received: version=2"):
        export.export_generator(generator, tmp_path, version=2)
    assert os.path.getmtime(os.path.join(tmp_path, "2", "saved_model.pb")) == before
    assert sorted(os.listdir(tmp_path)) == ["1", "10", "11", "2"]


@pytest.mark.parametrize("version", [0, -1, 1.0, "3", True])
def test_bad_version_is_refused(tmp_path, version):
    with pytest.raises(ValueError, match=f"Received: version={version!r}"):
        export.export_generator(_plain_generator(), tmp_path, version=version)


def test_failure_mid_export_leaves_nothing_behind(tmp_path, monkeypatch):
    written_to = []

    def failing_save(module, path, signatures=None, options=None):
        written_to.append(path)
        with open(os.path.join(path, "saved_model.pb"), "wb") as partial:
            partial.write(b"partial")
        raise RuntimeError("disk full")

    monkeypatch.setattr(tf.saved_model, "save", failing_save)
    with pytest.raises(RuntimeError, match="disk full"):
        export.export_generator(_plain_generator(), tmp_path)
    # The partial export went to a hidden sibling, which TF Serving ignores, and is gone.
    assert os.path.dirname(written_to[0]) == str(tmp_path)
    assert os.path.basename(written_to[0]).startswith(".")
    assert os.listdir(tmp_path) == []


def test_concurrent_exports_each_take_the_next_free_version(tmp_path, monkeypatch):
    # All exporters list the versions, then rename at once: all aim at the same version, so all
    # but one find it taken and must move on to the next free one.
    exporters, rounds = 4, 2
    save, rename = tf.saved_model.save, os.rename
    one_save_at_a_time = threading.Lock()  # what is tested is the claim, not TF's writer
    all_listed, round_done = threading.Barrier(exporters), threading.Barrier(exporters)
    first_tries, clashes = set(), []

    def serialized_save(module, path, signatures=None, options=None):
        with one_save_at_a_time:
            save(module, path, signatures=signatures, options=options)

    def rename_together(source, target):
        if os.path.basename(source).startswith(".") and source not in first_tries:
            first_tries.add(source)
            all_listed.wait(timeout=120)
        try:
            rename(source, target)
        except OSError as error:
            clashes.append(error.errno)
            raise

    monkeypatch.setattr(tf.saved_model, "save", serialized_save)
    monkeypatch.setattr(export.savedmodel.os, "rename", rename_together)
    generators = [_plain_generator() for _ in range(exporters)]
    written, failures = [], []

    def export_all(generator):
        try:
            for _ in range(rounds):
                written.append((export.export_generator(generator, tmp_path), generator))
                round_done.wait(timeout=120)
        except BaseException as error:  # reported below
            failures.append(error)
            all_listed.abort()
            round_done.abort()

    threads = [threading.Thread(target=export_all, args=(g,)) for g in generators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(clashes) >= (exporters - 1) * rounds  # each round, all aimed at one version
    assert set(clashes) <= {errno.EEXIST, errno.ENOTEMPTY}
    total = exporters * rounds
    assert sorted(path for path, _ in written) == sorted(
        os.path.join(tmp_path, str(version)) for version in range(1, total + 1)
    )
    assert sorted(os.listdir(tmp_path), key=int) == [str(v) for v in range(1, total + 1)]
    latent = np.random.default_rng(0).standard_normal((2, LATENT_DIM)).astype(np.float32)
    for path, generator in written:
        served = tf.saved_model.load(path).signatures["serving_default"](latent=latent)
        np.testing.assert_allclose(served["images"], generator(latent), atol=1e-6)


def test_version_folders_get_the_umask_permissions(exported):
    # `tempfile.mkdtemp` makes 0o700 folders, which TF Serving running as another user cannot
    # read; the export is then readable as any folder the process makes.
    for folder, _, files in os.walk(exported["plain_dir"]):
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o777 & ~UMASK, folder
        for file in files:
            mode = stat.S_IMODE(os.stat(os.path.join(folder, file)).st_mode)
            assert mode == 0o666 & ~UMASK, file


@pytest.mark.parametrize(
    "where, error",
    [
        ("mkdtemp", OSError(errno.EROFS, os.strerror(errno.EROFS))),
        ("save", tf.errors.ResourceExhaustedError(None, None, NO_SPACE)),
        ("save", tf.errors.PermissionDeniedError(None, None, "variables; Read-only file system")),
        ("rename", OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))),
    ],
)
def test_a_full_or_read_only_disk_ends_in_one_line_naming_the_folder(
    tmp_path, monkeypatch, where, error
):
    def fail(*args, **kwargs):
        raise error

    target = {"mkdtemp": (export.savedmodel.tempfile, "mkdtemp"),
              "save": (tf.saved_model, "save"), "rename": (export.savedmodel.os, "rename")}[where]
    monkeypatch.setattr(*target, fail)
    base_dir = tmp_path / "model"
    with pytest.raises(export.ExportError) as raised:
        export.export_generator(_plain_generator(), base_dir)
    message = str(raised.value)
    assert message.startswith(f"Cannot write the export into {base_dir} (") and "\n" not in message
    reason = str(error).splitlines()[0]
    assert reason in message and message.endswith("then export again.")
    assert isinstance(raised.value, OSError)
    assert os.listdir(base_dir) == []  # the half-written temporary folder is gone


def test_num_classes_defaults_to_the_generators_and_must_match_it(tmp_path):
    generator = _conditional_generator()
    loaded = tf.saved_model.load(export.export_generator(generator, tmp_path))
    with pytest.raises(tf.errors.InvalidArgumentError, match="must be < num_classes=3"):
        loaded.signatures["serving_default"](
            latent=tf.zeros((1, LATENT_DIM)), labels=tf.constant([3], tf.int32)
        )
    for wrong in (2, 4):
        with pytest.raises(ValueError, match=re.escape(
            f"generator 'conditional_generator' embeds (3), or None. Received: num_classes={wrong}"
        )):
            export.export_generator(generator, tmp_path, num_classes=wrong)
    assert os.listdir(tmp_path) == ["1"]


# Input validation at export time ------------------------------------------------------------


def test_bad_model_or_generator_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"Received: model_or_generator='generator'"):
        export.export_generator("generator", tmp_path)
    with pytest.raises(ValueError, match=r"Received: model_or_generator=.*_GAN"):
        export.export_generator(_GAN(generator=None), tmp_path)
    assert os.listdir(tmp_path) == []


def test_generator_with_wrong_inputs_or_outputs_is_refused(tmp_path):
    inputs = [keras.Input((LATENT_DIM,)) for _ in range(3)]
    images = keras.layers.Reshape((2, 2, 3))(keras.layers.Concatenate()(inputs))
    with pytest.raises(ValueError, match="with 3 inputs"):
        export.export_generator(keras.Model(inputs, images), tmp_path)
    latent = keras.Input((LATENT_DIM,))
    sequences = keras.layers.Reshape((2, 4))(keras.layers.Dense(8)(latent))
    with pytest.raises(ValueError, match=r"output shapes \[\(None, 2, 4\)\]"):
        export.export_generator(keras.Model(latent, sequences), tmp_path)
    with pytest.raises(ValueError, match="Received: num_classes=3"):
        export.export_generator(_plain_generator(), tmp_path, num_classes=3)
    with pytest.raises(ValueError, match="Received: name='my-run'"):
        export.export_generator(_plain_generator(), tmp_path, name="my-run")
    assert os.listdir(tmp_path) == []


# Signatures, loaded in a fresh process without keras_wgan ----------------------------------


def test_serving_default_matches_keras(exported, fresh_process_outputs):
    latent = np.load(exported["root"] / "outputs" / "latent_in.npy")
    expected = exported["plain"].predict(latent, verbose=0)
    assert fresh_process_outputs["plain_serve"].dtype == np.float32
    np.testing.assert_allclose(fresh_process_outputs["plain_serve"], expected, atol=1e-5)


def test_sample_is_reproducible_from_the_seed(exported, fresh_process_outputs):
    out = fresh_process_outputs
    assert out["plain_sample_images_a"].dtype == np.uint8
    assert out["plain_sample_images_a"].shape == (3, 4, 4, 1)
    np.testing.assert_array_equal(out["plain_sample_images_a"], out["plain_sample_images_b"])
    assert np.any(out["plain_sample_images_a"] != out["plain_sample_images_c"])
    # The latent is the documented one, also given by `sample_latent`.
    np.testing.assert_array_equal(out["plain_sample_latent_a"], _documented_latent(3, SEED))
    np.testing.assert_array_equal(
        export.sample_latent(3, LATENT_DIM, SEED).numpy(), _documented_latent(3, SEED)
    )
    # The images are the documented conversion of the Keras generator on that latent.
    float_images = exported["plain"].predict(_documented_latent(3, SEED), verbose=0)
    _assert_uint8_matches(out["plain_sample_images_a"], float_images)
    np.testing.assert_array_equal(export.to_uint8(float_images).numpy(), _to_uint8(float_images))


def test_conditional_generator_matches_keras(exported, fresh_process_outputs):
    out = fresh_process_outputs
    assert out["cond_outputs"] == {
        "sample": ["images", "labels", "latent"],
        "sample_truncated": ["images", "labels", "latent"],
        "serving_default": ["images"],
    }
    latent = np.load(exported["root"] / "outputs" / "latent_in.npy")
    labels = np.load(exported["root"] / "outputs" / "labels_in.npy")
    expected = exported["conditional"].predict([latent, labels], verbose=0)
    np.testing.assert_allclose(out["cond_serve"], expected, atol=1e-5)
    # `sample` repeats a single label and draws the same latent as the unconditional export.
    np.testing.assert_array_equal(out["cond_sample_labels"], [2, 2, 2])
    np.testing.assert_array_equal(out["cond_sample_latent"], _documented_latent(3, SEED))
    float_images = exported["conditional"].predict(
        [_documented_latent(3, SEED), np.full(3, 2, np.int32)], verbose=0
    )
    assert out["cond_sample_images"].shape == (3, 8, 8, 3)
    _assert_uint8_matches(out["cond_sample_images"], float_images)


@pytest.mark.parametrize("labels_shape, labels_dtype", [((1,), "float32"), ((), "int64")])
def test_conditional_label_input_variants(tmp_path, labels_shape, labels_dtype):
    generator = _conditional_generator(labels_shape, labels_dtype)
    loaded = tf.saved_model.load(export.export_generator(generator, tmp_path))
    latent = np.random.default_rng(1).standard_normal((3, LATENT_DIM)).astype(np.float32)
    labels = np.array([2, 0, 1], np.int32)
    images = loaded.signatures["serving_default"](latent=latent, labels=labels)["images"]
    keras_labels = labels.reshape((3,) + labels_shape).astype(labels_dtype)
    expected = generator.predict([latent, keras_labels], verbose=0)
    np.testing.assert_allclose(images.numpy(), expected, atol=1e-5)


# Malformed requests -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def loaded(exported):
    return {
        "plain": tf.saved_model.load(exported["plain_dir"]),
        "conditional": tf.saved_model.load(exported["conditional_dir"]),
    }


@pytest.mark.parametrize(
    "latent, message",
    [
        (np.zeros((2, LATENT_DIM + 1), np.float32), r"latent \[2,5\] is not compatible.*\[\?,4\]"),
        (np.zeros((LATENT_DIM,), np.float32), r"latent \[4\] is not compatible.*\[\?,4\]"),
        (np.zeros((2, LATENT_DIM), np.float64), "expected to be a float tensor but is a double"),
        (np.zeros((2, LATENT_DIM), np.int32), "expected to be a float tensor but is a int32"),
    ],
)
def test_malformed_latent_is_refused(loaded, latent, message):
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        loaded["plain"].signatures["serving_default"](latent=tf.constant(latent))


@pytest.mark.parametrize(
    "num_samples, labels, message",
    [
        (0, [1], "`num_samples` must be >= 1"),
        (1025, [1], "`num_samples` must be <= max_samples=1024"),
        (3, [0, 1], r"`labels` must hold 1 or `num_samples` labels; received\] \[2\]"),
        (2, [0, 3], "`labels` must be < num_classes=3"),
        (2, [-1], "`labels` must be >= 0"),
    ],
)
def test_malformed_sample_request_is_refused(loaded, num_samples, labels, message):
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        loaded["conditional"].signatures["sample"](
            num_samples=tf.constant(num_samples),
            seed=tf.constant(1, tf.int64),
            labels=tf.constant(labels, tf.int32),
        )


def test_mismatched_labels_are_refused(loaded):
    with pytest.raises(tf.errors.InvalidArgumentError, match="one label per `latent` row"):
        loaded["conditional"].signatures["serving_default"](
            latent=tf.zeros((3, LATENT_DIM)), labels=tf.constant([1], tf.int32)
        )


# saved_model_cli: the graph-mode loader TF Serving also uses -------------------------------


@pytest.mark.slow
def test_saved_model_cli_show(exported):
    result = subprocess.run(
        [_saved_model_cli(), "show", "--dir", exported["conditional_dir"], "--all"],
        capture_output=True, text=True, env=_environment(), timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    shown = result.stdout
    for expected in [
        "signature_def['serving_default']",
        "signature_def['sample']",
        "inputs['latent']",
        "inputs['labels']",
        "inputs['num_samples']",
        "inputs['seed']",
        "outputs['images']",
        "outputs['latent']",
        "DT_UINT8",
        "DT_INT64",
    ]:
        assert expected in shown


@pytest.mark.slow
def test_saved_model_cli_run_sample(exported, fresh_process_outputs, tmp_path):
    result = subprocess.run(
        [_saved_model_cli(), "run", "--dir", exported["plain_dir"], "--tag_set", "serve",
         "--signature_def", "sample", "--input_exprs", f"num_samples=2;seed={SEED}",
         "--outdir", str(tmp_path)],
        capture_output=True, text=True, env=_environment(), timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Result for output key images" in result.stdout
    # Same seed, another process and loader (graph mode): the same images.
    np.testing.assert_array_equal(
        np.load(tmp_path / "images.npy"), fresh_process_outputs["plain_sample_images_two"]
    )
    np.testing.assert_array_equal(np.load(tmp_path / "latent.npy"), _documented_latent(2, SEED))


def _documented_truncated_latent(num_samples, seed, truncation):
    """The module docstring's redraw loop, in NumPy."""
    latent = _documented_latent(num_samples, seed)
    for k in range(1, 101):
        outside = np.abs(latent) > truncation
        if not outside.any():
            break
        redraw = tf.random.stateless_normal(
            [num_samples, LATENT_DIM], seed=[seed, k], dtype=tf.float32, alg="philox"
        ).numpy()
        latent = np.where(outside, redraw, latent)
    return np.clip(latent, -truncation, truncation)


def test_sample_truncated_redraws_the_latent_outside_the_bound(exported):
    loaded = tf.saved_model.load(exported["plain_dir"])
    request = {"num_samples": tf.constant(64), "seed": tf.constant(SEED, tf.int64)}
    plain = loaded.signatures["sample"](**request)["latent"].numpy()
    out = loaded.signatures["sample_truncated"](**request, truncation=tf.constant(0.5))
    latent = out["latent"].numpy()
    assert np.abs(latent).max() <= 0.5
    inside = np.abs(plain) <= 0.5
    assert 0 < inside.mean() < 1
    np.testing.assert_array_equal(latent[inside], plain[inside])
    np.testing.assert_array_equal(latent, _documented_truncated_latent(64, SEED, 0.5))
    _assert_uint8_matches(out["images"].numpy(), exported["plain"](latent).numpy())
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(tf.errors.InvalidArgumentError, match="truncation"):
            loaded.signatures["sample_truncated"](**request, truncation=tf.constant(bad))


def test_conditional_sample_truncated_takes_labels(exported):
    loaded = tf.saved_model.load(exported["conditional_dir"])
    out = loaded.signatures["sample_truncated"](
        num_samples=tf.constant(5), seed=tf.constant(SEED, tf.int64),
        truncation=tf.constant(0.3), labels=tf.constant([1], tf.int32),
    )
    np.testing.assert_array_equal(out["latent"].numpy(), _documented_truncated_latent(5, SEED, 0.3))
    np.testing.assert_array_equal(out["labels"].numpy(), [1] * 5)


def test_a_cluster_samplers_truncated_sample_keeps_its_cluster_entry(tmp_path):
    # The sampler's latent is one entry longer than its generator's.
    noise = keras.Input((LATENT_DIM - 1,))
    labels = keras.Input((), dtype="int32")
    embedded = keras.layers.Flatten()(keras.layers.Embedding(3, 2)(labels))
    x = keras.layers.Dense(4 * 4, activation="tanh")(keras.layers.Concatenate()([noise, embedded]))
    generator = keras.Model([noise, labels], keras.layers.Reshape((4, 4, 1))(x))
    sampler = networks.build_cluster_sampler(generator, [1.0, 1.0, 1.0])
    loaded = tf.saved_model.load(export.export_generator(sampler, tmp_path / "clusters"))
    request = {"num_samples": tf.constant(64), "seed": tf.constant(SEED, tf.int64)}
    plain = loaded.signatures["sample"](**request)["latent"].numpy()
    out = loaded.signatures["sample_truncated"](**request, truncation=tf.constant(0.5))
    latent = out["latent"].numpy()
    expected = _documented_truncated_latent(64, SEED, 0.5)
    expected[:, 0] = plain[:, 0]  # the cluster's pick, as `sample` draws it
    np.testing.assert_array_equal(latent, expected)
    assert np.abs(latent[:, 0]).max() > 0.5  # untruncated: some clusters lie beyond the bound
    _assert_uint8_matches(out["images"].numpy(), sampler(latent).numpy())
    for bad in (-1, LATENT_DIM + 1, 1.0, True):
        with pytest.raises(ValueError, match=re.escape(f"untruncated_entries={bad!r}")):
            export.sample_latent(4, LATENT_DIM, SEED, 0.5, untruncated_entries=bad)


def test_a_model_exports_its_averaged_generator_unless_asked_for_the_trained_one(tmp_path):
    model = tiny_model_with_average()
    latent = np.random.default_rng(0).standard_normal((5, 2)).astype(np.float32)
    for use_ema, network in ((None, model.ema_generator), (False, model.generator)):
        path = export.export_generator(model, tmp_path / str(use_ema), use_ema=use_ema)
        served = tf.saved_model.load(path).signatures["serving_default"](latent=latent)
        np.testing.assert_allclose(served["samples"], network(latent), rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match=re.escape("use_ema=True")):
        export.export_generator(model.generator, tmp_path / "bare", use_ema=True)


def test_vector_generator_exports_samples(tmp_path):
    latent = keras.Input((LATENT_DIM,))
    generator = keras.Model(latent, keras.layers.Dense(2)(latent))
    path = export.export_generator(generator, tmp_path / "toy")
    loaded = tf.saved_model.load(path)
    z = np.random.default_rng(0).standard_normal((3, LATENT_DIM)).astype("float32")
    served = loaded.signatures["serving_default"](latent=tf.constant(z))
    np.testing.assert_allclose(
        served["samples"].numpy(), generator.predict(z, verbose=0), atol=1e-5
    )
    sampled = loaded.signatures["sample"](num_samples=tf.constant(4), seed=tf.constant(1, tf.int64))
    assert sampled["samples"].dtype == tf.float32 and sampled["samples"].shape == (4, 2)
    np.testing.assert_allclose(
        sampled["samples"].numpy(),
        generator.predict(sampled["latent"].numpy(), verbose=0),
        atol=1e-5,
    )


# The command line --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def conditional_model_path(tmp_path_factory):
    generator, critic = tiny_dcgan_pair(num_classes=10)
    model = WGANGP(generator, critic, critic_steps=1, seed=0)
    model.compile()
    path = tmp_path_factory.mktemp("conditional") / "model.keras"
    model.save(path)
    return str(path)


def test_cli_export_of_a_conditional_model_refuses_labels_outside_its_classes(
    conditional_model_path, tmp_path, capsys
):
    # The same checks as the export `train` writes: -1 is not served as the last class.
    output = tmp_path / "saved"
    assert cli.main(["export", conditional_model_path, "--output", str(output)]) == 0
    printed = capsys.readouterr().out
    assert f"to {output / '1'}: version 1 of the model folder {output}" in printed
    sample = tf.saved_model.load(str(output / "1")).signatures["sample"]
    for label, message in ((-1, "must be >= 0"), (10, "must be < num_classes=10")):
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            sample(num_samples=tf.constant(2), seed=tf.constant(1, tf.int64),
                   labels=tf.constant([label], tf.int32))
    served = sample(num_samples=tf.constant(2), seed=tf.constant(1, tf.int64),
                    labels=tf.constant([9], tf.int32))
    assert served["images"].shape == (2, 8, 8, 1)


def test_cli_export_to_a_full_disk_prints_one_line(conditional_model_path, tmp_path, capsys,
                                                    monkeypatch):
    def disk_full(module, path, signatures=None, options=None):
        with open(os.path.join(path, "saved_model.pb"), "wb") as partial:
            partial.write(b"partial")
        raise tf.errors.ResourceExhaustedError(None, None, NO_SPACE)

    monkeypatch.setattr(tf.saved_model, "save", disk_full)
    output = tmp_path / "saved"
    assert cli.main(["export", conditional_model_path, "--output", str(output)]) == 1
    error = capsys.readouterr().err
    assert error == (
        f"keras-wgan: error: Cannot write the export into {output} (saved_model.pb; No space "
        "left on device). Free some disk space or make the folder writable, then export again.\n"
    )
    assert os.listdir(output) == []


EXPORTER = r"""
import sys
import keras
from keras_wgan import export

latent = keras.Input((4,), name="latent")
generator = keras.Model(latent, keras.layers.Dense(2)(latent), name="generator")
for _ in range(int(sys.argv[2])):
    print(export.export_generator(generator, sys.argv[1]), flush=True)
"""


@pytest.mark.slow
def test_exporting_processes_racing_for_one_folder_each_get_their_versions(tmp_path):
    exporters, rounds = 3, 3
    processes = [
        subprocess.Popen([sys.executable, "-c", EXPORTER, str(tmp_path), str(rounds)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=_environment())
        for _ in range(exporters)
    ]
    written = []
    for process in processes:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err[-3000:]
        written += out.split()
    total = exporters * rounds
    assert sorted(written) == sorted(os.path.join(tmp_path, str(v)) for v in range(1, total + 1))
    assert sorted(os.listdir(tmp_path)) == sorted(str(v) for v in range(1, total + 1))
    for path in written:
        assert "sample" in tf.saved_model.load(path).signatures
