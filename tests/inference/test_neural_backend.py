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


@pytest.fixture(scope="module")
def backdrop_backend():
    """The shipped weights with the backdrop memory on (a serving option; the shipped settings use the
    trail fill and the sprite memory instead, docs/decisions.md)."""
    from inference.model.config import apply_serving_settings

    b = NeuralBackend(device="cpu", encode_prompt=_fake_encode)
    apply_serving_settings(b.cfg, {"backdrop_tolerance": 0.75})
    return b


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
            # revealed edges are sampled per session; float noise may flip a near-tied token choice
            assert (np.abs(x.astype(int) - y.astype(int)) > 2).mean() < 0.01
    assert all(s.ticks == 2 for s in a)


def test_a_new_session_plays_the_same_beside_one_that_has_a_backdrop(backdrop_backend):
    """A session's frames do not depend on its batch: a new session (no backdrop yet) batched with one
    that has walked a while starts from the same fresh backdrop as when it plays alone."""
    old, _ = backdrop_backend.reset(WorldSetup(prompt="a sunny meadow", seed=1))
    for _ in range(4):
        backdrop_backend.step([old], [8])
    alone, _ = backdrop_backend.reset(WorldSetup(prompt="a lava cave", seed=2))
    batched, _ = backdrop_backend.reset(WorldSetup(prompt="a lava cave", seed=2))
    for _ in range(3):
        (a,) = backdrop_backend.step([alone], [4])
        _, b = backdrop_backend.step([old, batched], [8, 4])
        assert (np.abs(a.astype(int) - b.astype(int)) > 2).mean() < 0.01
    assert np.array_equal(alone.data["backdrop_seen"], batched.data["backdrop_seen"])


def test_snapshot_resumes_the_moment(backend):
    state, _ = backend.reset(WorldSetup(prompt="a desert", seed=7))
    backend.step([state], [8])
    blob = backend.snapshot(state)
    assert isinstance(blob, bytes) and len(blob) < 400_000
    restored, frame = backend.reset(WorldSetup(prompt="ignored", spawn_state=blob))
    assert restored.ticks == 1 and np.array_equal(frame, state.data["ctx"][-1])
    assert np.array_equal(backend.step([state], [4])[0], backend.step([restored], [4])[0])


def test_snapshot_keeps_the_flow_carry_and_the_backdrop(backdrop_backend):
    backend = backdrop_backend
    assert backend.cfg.carry_flow and backend.cfg.backdrop_tolerance > 0
    state, _ = backend.reset(WorldSetup(prompt="a side-view forest", seed=2))
    for _ in range(3):
        backend.step([state], [8])
    assert state.data["flow_carry"].shape == (2, 32, 32)
    assert state.data["backdrop"].shape == (128, 128, 3) and state.data["backdrop_hidden"].shape == (32, 32)
    blob = backend.snapshot(state)
    restored, _ = backend.reset(WorldSetup(prompt="ignored", spawn_state=blob))
    for key in ("flow_carry", "backdrop", "backdrop_hidden", "backdrop_seen"):
        assert np.array_equal(restored.data[key], state.data[key])
    assert np.array_equal(backend.step([state], [8])[0], backend.step([restored], [8])[0])
    z = dict(np.load(io.BytesIO(blob)))
    z["flow_carry"] = np.full((2, 32, 32), 3.0, np.float32)  # not a remainder of a whole-pixel move
    buf = io.BytesIO()
    np.savez(buf, **z)
    with pytest.raises(ValueError, match="flow carry"):
        backend.reset(WorldSetup(prompt="x", spawn_state=buf.getvalue()))
    z = dict(np.load(io.BytesIO(blob)))
    z["backdrop"] = z["backdrop"][:64]
    buf = io.BytesIO()
    np.savez(buf, **z)
    with pytest.raises(ValueError, match="backdrop"):
        backend.reset(WorldSetup(prompt="x", spawn_state=buf.getvalue()))


def test_snapshot_keeps_the_sprite_memory(backend):
    """With `sprite_memory` (on in the shipped weights' settings) a session carries its sprite pixels
    from tick to tick and in its snapshot; a bad one is refused with a reason."""
    layered = backend
    assert layered.cfg.sprite_memory and layered.cfg.trail_tolerance > 0 and layered.cfg.residual_floor > 0
    state, _ = layered.reset(WorldSetup(prompt="a side-view forest", seed=2))
    for action in (16, 16, 8):
        layered.step([state], [action])
    held = state.data["sprite_held"]
    assert held.shape == (128, 128) and held.dtype == bool
    blob = layered.snapshot(state)
    restored, _ = layered.reset(WorldSetup(prompt="ignored", spawn_state=blob))
    assert np.array_equal(restored.data["sprite_held"], held)
    assert np.array_equal(layered.step([state], [16])[0], layered.step([restored], [16])[0])
    z = dict(np.load(io.BytesIO(blob)))
    z["sprite_held"] = held.astype(np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **z)
    with pytest.raises(ValueError, match="sprite pixels"):
        layered.reset(WorldSetup(prompt="x", spawn_state=buf.getvalue()))


def test_a_long_walk_stays_a_world(backend):
    """Walking right for 10 s from a real corpus frame: the revealed map is drawn, not smeared or noise."""
    from inference.backends.base import SessionState
    from inference.corpus import WorldSpec
    from inference.corpus.game import Game
    from inference.evaluation.metrics import noise_score, structure

    game = Game(WorldSpec("meadow", (), "side", 12345), size=(128, 128))
    frames = [game.reset()] + [game.step(8) for _ in range(3)]
    truth = structure(frames[-1])
    state = SessionState(
        "neural",
        {"ctx": np.stack(frames), "text": _fake_encode("meadow"), "mech": np.zeros(6, np.float32), "seed": 5},
    )
    for _ in range(200):
        (frame,) = backend.step([state], [8])
    assert structure(frame) > 0.4 * truth
    assert noise_score(frame) < 3 * max(noise_score(f) for f in frames) + 20
    # the view really moved: the last frame is not the first one
    assert np.abs(frame.astype(int) - frames[-1].astype(int)).mean() > 5


def test_operators_switch_disocclusion_on_by_environment(monkeypatch):
    assert NeuralBackend(device="cpu", encode_prompt=_fake_encode).cfg.occlusion_tolerance == 0.0
    monkeypatch.setenv("WORLDFEED_NEURAL_OCCLUSION", "0.75")
    backend = NeuralBackend(device="cpu", encode_prompt=_fake_encode)
    assert backend.cfg.occlusion_tolerance == 0.75
    state, _ = backend.reset(WorldSetup(prompt="a sunny meadow", seed=3))
    for _ in range(6):  # the redraw path runs without error while the world scrolls
        (frame,) = backend.step([state], [8])
    assert frame.shape == (128, 128, 3)
    for bad in ("on", "-1", "nan"):
        monkeypatch.setenv("WORLDFEED_NEURAL_OCCLUSION", bad)
        with pytest.raises(ValueError, match="WORLDFEED_NEURAL_OCCLUSION"):
            NeuralBackend(device="cpu", encode_prompt=_fake_encode)
