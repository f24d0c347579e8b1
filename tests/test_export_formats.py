"""ONNX and TFLite exports, run in runtimes we did not write, equal the SavedModel's output.

The runtimes come with the extras (`pip install -e ".[onnx,tflite]"`, both in `.[test]`); without
them these tests skip.
"""

import sys

import numpy as np
import pytest
import tensorflow as tf

from keras_wgan import cli
from keras_wgan import export
from keras_wgan import networks
from tests.helpers import tiny_dcgan_pair
from tests.helpers import tiny_model_with_average

# The largest difference allowed between a runtime's output and the SavedModel's `serving_default`
# (outputs in [-1, 1]): the same float32 ops, computed by each runtime's kernels. The measured
# differences, far below it, are in docs/export.md ("ONNX and TFLite").
ATOL = 1e-5
LATENT_DIM = 4  # that of tests.helpers.tiny_dcgan_pair


def _onnxruntime():
    reason = 'the onnx extra is not installed: pip install -e ".[onnx]"'
    pytest.importorskip("tf2onnx", reason=reason)
    return pytest.importorskip("onnxruntime", reason=reason)


def _litert_interpreter():
    litert = pytest.importorskip(
        "ai_edge_litert.interpreter",
        reason='the tflite extra is not installed: pip install -e ".[tflite]"',
    )
    return litert.Interpreter


@pytest.fixture(scope="module", params=["unconditional", "conditional", "self_conditioned"])
def exported(request, tmp_path_factory):
    """A tiny DCGAN generator, its SavedModel, inputs and the SavedModel's output on them.

    `self_conditioned`: a conditional generator behind its cluster sampler (one more latent
    entry, which picks the cluster: `networks.build_cluster_sampler`).
    """
    conditional = request.param == "conditional"
    generator, _ = tiny_dcgan_pair(num_classes=3 if request.param != "unconditional" else None)
    latent_dim = LATENT_DIM
    if request.param == "self_conditioned":
        generator = networks.build_cluster_sampler(generator, [0.25, 0.25, 0.5])
        latent_dim += 1
    directory = tmp_path_factory.mktemp(request.param)
    saved_model = export.export_generator(generator, directory / "saved_model")
    rng = np.random.default_rng(0)
    inputs = {"latent": rng.standard_normal((5, latent_dim)).astype(np.float32)}
    if conditional:
        inputs["labels"] = np.array([2, 0, 1, 1, 0], np.int32)
    serving_default = tf.saved_model.load(saved_model).signatures["serving_default"]
    expected = serving_default(**{k: tf.constant(v) for k, v in inputs.items()})["images"]
    return {"generator": generator, "directory": directory, "inputs": inputs,
            "expected": expected.numpy()}


def _first_row(inputs):
    return {name: value[:1] for name, value in inputs.items()}


def test_onnx_runtime_output_equals_the_saved_model(exported):
    onnxruntime = _onnxruntime()
    path = export.export_onnx(exported["generator"], exported["directory"] / "g.onnx")
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    inputs = exported["inputs"]
    assert {i.name: i.type for i in session.get_inputs()} == {
        "latent": "tensor(float)", **({"labels": "tensor(int32)"} if "labels" in inputs else {})
    }
    assert [output.name for output in session.get_outputs()] == ["images"]
    (images,) = session.run(["images"], inputs)
    np.testing.assert_allclose(images, exported["expected"], rtol=0, atol=ATOL)
    # The batch is dynamic.
    (one,) = session.run(["images"], _first_row(inputs))
    np.testing.assert_allclose(one, exported["expected"][:1], rtol=0, atol=ATOL)


def test_tflite_interpreter_output_equals_the_saved_model(exported):
    interpreter = _litert_interpreter()
    path = export.export_tflite(
        exported["generator"], exported["directory"] / "g.tflite"
    )
    runner = interpreter(model_path=path).get_signature_runner("serving_default")
    inputs = exported["inputs"]
    outputs = runner(**inputs)
    assert list(outputs) == ["images"]
    np.testing.assert_allclose(outputs["images"], exported["expected"], rtol=0, atol=ATOL)
    one = runner(**_first_row(inputs))["images"]
    np.testing.assert_allclose(one, exported["expected"][:1], rtol=0, atol=ATOL)


def test_onnx_export_without_tf2onnx_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "tf2onnx", None)  # `import tf2onnx` now fails
    generator, _ = tiny_dcgan_pair()
    with pytest.raises(ImportError, match=r'pip install "keras-wgan\[onnx\]"'):
        export.export_onnx(generator, tmp_path / "g.onnx")
    assert list(tmp_path.iterdir()) == []


def test_cli_exports_the_averaged_generator_in_every_format(tmp_path, capsys):
    onnxruntime = _onnxruntime()
    interpreter = _litert_interpreter()
    model = tiny_model_with_average()  # a generator of 2-D points: the output is `samples`
    model.save(tmp_path / "model.keras")
    latent = np.random.default_rng(1).standard_normal((4, 2)).astype(np.float32)
    expected = model.ema_generator(latent).numpy()
    assert np.abs(expected - model.generator(latent).numpy()).max() > 0.1

    def run(fmt, output):
        assert cli.main(["export", str(tmp_path / "model.keras"), "--format", fmt,
                         "--output", str(output)]) == 0
        return capsys.readouterr().out

    printed = run("savedmodel", tmp_path / "saved")
    assert str(tmp_path / "saved" / "1") in printed
    served = tf.saved_model.load(str(tmp_path / "saved" / "1")).signatures["serving_default"]
    np.testing.assert_allclose(served(latent=latent)["samples"], expected, rtol=0, atol=ATOL)

    assert str(tmp_path / "g.onnx") in run("onnx", tmp_path / "g.onnx")
    session = onnxruntime.InferenceSession(str(tmp_path / "g.onnx"))
    np.testing.assert_allclose(
        session.run(["samples"], {"latent": latent})[0], expected, rtol=0, atol=ATOL
    )

    assert str(tmp_path / "g.tflite") in run("tflite", tmp_path / "g.tflite")
    runner = interpreter(model_path=str(tmp_path / "g.tflite")).get_signature_runner()
    np.testing.assert_allclose(runner(latent=latent)["samples"], expected, rtol=0, atol=ATOL)
