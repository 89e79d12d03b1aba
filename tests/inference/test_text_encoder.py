"""The offline MiniLM text encoder: shape, normalisation, semantics, laziness, no network, no CUDA."""

from __future__ import annotations

import subprocess
import sys
import threading

import numpy as np

from inference import text_encoder


def test_encode_shape_dtype_and_norm():
    out = text_encoder.encode(["a snowy mountain village", "neon city at night", ""])
    assert out.shape == (3, text_encoder.EMBEDDING_DIM) == (3, 384)
    assert out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)


def test_empty_input():
    assert text_encoder.encode([]).shape == (0, 384)


def test_semantics_and_determinism():
    snow, winter, lava = text_encoder.encode(
        ["a snowy mountain village", "frozen winter landscape", "lava volcano"]
    )
    assert snow @ winter > snow @ lava + 0.1
    np.testing.assert_allclose(text_encoder.encode(["lava volcano"])[0], lava, atol=1e-5)


def test_thread_safe_singleton():
    results, errors = [], []

    def work():
        try:
            results.append(text_encoder.encode(["castle towers"]))
            results.append(text_encoder._load())
        except Exception as exc:  # pragma: no cover - surfaced by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    models = {id(r) for r in results if not isinstance(r, np.ndarray)}
    assert len(models) == 1


def test_import_is_light_and_loading_is_offline_and_cpu():
    code = (
        "import sys, socket\n"
        "import inference.text_encoder as te\n"
        "assert 'torch' not in sys.modules and 'sentence_transformers' not in sys.modules\n"
        "def no_net(*a, **k): raise AssertionError('network access attempted')\n"
        "socket.socket.connect = no_net\n"
        "socket.create_connection = no_net\n"
        "v = te.encode(['hello'])\n"
        "import os, torch\n"
        "assert os.environ['HF_HUB_OFFLINE'] == '1' and not torch.cuda.is_initialized()\n"
        "assert str(te._load().device) == 'cpu'\n"
        "print(v.shape)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "(1, 384)" in out.stdout
