"""NeuralBackend on the shipped weights: text/image to world, batched step, snapshot/restore."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from inference.backends.base import WorldSetup
from inference.backends.neural import DEFAULT_WEIGHTS, NeuralBackend

pytestmark = pytest.mark.skipif(not DEFAULT_WEIGHTS.exists(), reason="shipped weights missing")


def _fake_encode(prompt: str) -> np.ndarray:
    rng = np.random.default_rng(abs(hash(prompt)) % (2**32))
    v = rng.standard_normal(384).astype(np.float32)
    return v / np.linalg.norm(v)


@pytest.fixture(scope="module")
def backend():
    return NeuralBackend(device="cpu", encode_prompt=_fake_encode)


def test_contract(backend):
    assert backend.name == "neural" and backend.frame_shape == (128, 128)
    assert backend.step([], []) == []


def test_text_to_world_is_seeded(backend):
    s1, f1 = backend.reset(WorldSetup(prompt="a snowy forest", mechanics=("weather",), seed=3))
    _, f1b = backend.reset(WorldSetup(prompt="a snowy forest", mechanics=("weather",), seed=3))
    _, f2 = backend.reset(WorldSetup(prompt="a snowy forest", mechanics=("weather",), seed=4))
    assert f1.shape == (128, 128, 3) and f1.dtype == np.uint8
    assert np.array_equal(f1, f1b) and not np.array_equal(f1, f2)
    assert s1.backend == "neural" and s1.ticks == 0


def test_image_to_world_starts_from_reference(backend):
    img = np.zeros((200, 300, 3), np.uint8)
    img[:, :, 2] = 200
    img[80:120, 130:170] = (250, 220, 30)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    state, first = backend.reset(WorldSetup(prompt="x", seed=0, reference_image=buf.getvalue()))
    assert first.shape == (128, 128, 3)
    assert abs(float(first[..., 2].mean()) - 200) < 20
    frames = backend.step([state], [8])
    assert frames[0].shape == (128, 128, 3) and state.ticks == 1


def test_batched_step_equals_single_steps(backend):
    setups = [
        WorldSetup(prompt=p, mechanics=m, seed=i)
        for i, (p, m) in enumerate(
            [("lava cave", ()), ("candy land", ("gravity",)), ("space station", ("hazards", "speed"))]
        )
    ]
    a = [backend.reset(s)[0] for s in setups]
    b = [backend.reset(s)[0] for s in setups]
    actions = [4, 8, 17]
    for _ in range(2):
        batched = backend.step(a, actions)
        single = [backend.step([s], [act])[0] for s, act in zip(b, actions, strict=True)]
        for x, y in zip(batched, single, strict=True):
            assert np.abs(x.astype(int) - y.astype(int)).max() <= 2
    assert all(s.ticks == 2 for s in a)


def test_snapshot_resumes_the_moment(backend):
    state, _ = backend.reset(WorldSetup(prompt="a desert", seed=7))
    backend.step([state], [8])
    blob = backend.snapshot(state)
    assert isinstance(blob, bytes) and len(blob) < 400_000
    restored, frame = backend.reset(WorldSetup(prompt="ignored", spawn_state=blob))
    assert restored.ticks == 1 and np.array_equal(frame, state.data["ctx"][-1])
    assert np.array_equal(backend.step([state], [4])[0], backend.step([restored], [4])[0])
