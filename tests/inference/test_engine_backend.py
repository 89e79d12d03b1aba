"""The engine backend: the procedural game behind the WorldModelBackend contract."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from PIL import Image

from inference.actions import Button
from inference.backends.base import SessionState, WorldSetup
from inference.backends.engine import EngineBackend, reference_tint

SETUP = WorldSetup(prompt="a snowy mountain village", mechanics=("weather", "collectibles"), seed=7)


@pytest.fixture(scope="module")
def backend():
    return EngineBackend()


def test_reset(backend):
    state, frame = backend.reset(SETUP)
    assert isinstance(state, SessionState) and state.backend == "engine" and state.ticks == 0
    assert frame.shape == (*backend.frame_shape, 3) == (128, 128, 3) and frame.dtype == np.uint8
    assert state.data.spec.theme == "snow" and state.data.spec.mechanics == {"weather", "collectibles"}
    again, frame2 = backend.reset(SETUP)
    assert np.array_equal(frame, frame2)


def test_unknown_mechanic_raises(backend):
    with pytest.raises(ValueError, match="unknown mechanic"):
        backend.reset(WorldSetup(prompt="forest", mechanics=("gravity", "teleport")))


def test_batch_step(backend):
    setups = [
        SETUP,
        WorldSetup("cyberpunk neon city platformer", ("gravity",), 1),
        WorldSetup("a desert", (), 2),
    ]
    states = [backend.reset(s)[0] for s in setups]
    solo = [backend.reset(s)[0] for s in setups]
    actions = [Button.RIGHT, Button.LEFT | Button.JUMP, Button.DOWN]
    for _ in range(3):
        frames = backend.step(states, actions)
    assert len(frames) == 3 and all(f.shape == (128, 128, 3) and f.dtype == np.uint8 for f in frames)
    assert all(s.ticks == 3 for s in states)
    for s, a, f in zip(solo, actions, frames, strict=True):  # batching changes nothing
        for _ in range(3):
            (g,) = backend.step([s], [a])
        assert np.array_equal(g, f)
    assert backend.step([], []) == []
    with pytest.raises(ValueError):
        backend.step(states, actions[:2])


def test_snapshot_spawn_resumes_exactly(backend):
    state, _ = backend.reset(SETUP)
    for a in [Button.RIGHT] * 20 + [Button.UP] * 5:
        backend.step([state], [a])
    data = backend.snapshot(state)
    assert isinstance(data, bytes)
    spawned, frame = backend.reset(WorldSetup(prompt="ignored", spawn_state=data))
    assert spawned.ticks == state.ticks == 25
    assert np.array_equal(frame, state.data.render())
    for a in [Button.LEFT] * 10:
        assert np.array_equal(*(backend.step([s], [a])[0] for s in (state, spawned)))


def test_reference_image_tints_palette(backend):
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (220, 30, 40)).save(buf, format="PNG")
    assert reference_tint(buf.getvalue()) == (220, 30, 40)
    assert reference_tint(b"garbage") is None
    plain = backend.reset(WorldSetup("a snowy mountain village", (), 3))[1]
    tinted = backend.reset(WorldSetup("a snowy mountain village", (), 3, reference_image=buf.getvalue()))[1]
    assert tinted[..., 0].mean() - tinted[..., 2].mean() > plain[..., 0].mean() - plain[..., 2].mean() + 10


def test_engine_speed(backend, capsys):
    states = [
        backend.reset(WorldSetup("neon city", ("weather", "daynight", "hazards", "collectibles"), s))[0]
        for s in range(8)
    ]
    t0 = time.perf_counter()
    for i in range(50):
        backend.step(states, [(i * 7 + k) % 32 for k in range(8)])
    ms = (time.perf_counter() - t0) / (50 * 8) * 1000
    with capsys.disabled():
        print(f"\n[engine speed] {ms:.3f} ms per session-frame (batch of 8)")
    assert ms < 25


def test_warm_up_is_idempotent(backend):
    backend.warm_up()
    backend.warm_up()
    assert backend.reset(WorldSetup("a castle with towers", (), 1))[0].data.spec.theme == "castle"


def test_imports_neither_django_nor_torch():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import inference.backends.engine, inference.corpus.episodes, inference.corpus.game\n"
        "assert not {'django', 'torch'} & set(sys.modules), sorted({'django', 'torch'} & set(sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
