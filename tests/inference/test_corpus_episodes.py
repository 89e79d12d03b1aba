"""Policies, episode recording and .npz shards."""

from __future__ import annotations

import json

import numpy as np
import pytest

from inference.actions import NOOP
from inference.corpus.episodes import (
    POLICIES,
    Episode,
    episode_for,
    read_shard,
    record_episode,
    write_shards,
)
from inference.corpus.game import Game
from inference.corpus.spec import WorldSpec

SPEC = WorldSpec("jungle", frozenset({"collectibles", "hazards", "weather"}), "side", 4)


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_policies_are_deterministic_and_act(name):
    def run(seed):
        game = Game(SPEC)
        game.reset()
        policy = POLICIES[name](np.random.default_rng(seed), SPEC.camera)
        out = []
        for _ in range(150):
            a = policy(game)
            game.step(a)
            out.append(a)
        return out

    a, b = run(1), run(1)
    assert a == b and all(0 <= x < 32 for x in a)
    assert len(set(a)) > 1 and sum(x != NOOP for x in a) > 30


def test_record_episode_alignment():
    ep = record_episode(SPEC, 40, POLICIES["jumper"](np.random.default_rng(0), "side"), size=(128, 128))
    assert isinstance(ep, Episode) and ep.spec == SPEC
    assert ep.frames.shape == (41, 128, 128, 3) and ep.frames.dtype == np.uint8
    assert ep.actions.shape == (41,) and ep.actions[0] == NOOP and len(ep.labels) == 41
    replay = Game(SPEC)  # frames[t] = step(actions[t]) from frames[0]
    assert np.array_equal(replay.reset(), ep.frames[0])
    for t in range(1, 41):
        assert np.array_equal(replay.step(int(ep.actions[t])), ep.frames[t])
        assert ep.labels[t]["action"] == ep.actions[t]


def test_episodes_differ_by_index_and_repeat_by_seed():
    a, b, c = episode_for(7, 0, 20), episode_for(7, 0, 20), episode_for(7, 1, 20)
    assert np.array_equal(a.frames, b.frames) and a.spec == b.spec and a.prompt == b.prompt
    assert a.spec != c.spec


def test_write_and_read_shards(tmp_path):
    paths = write_shards(
        tmp_path, n_episodes=5, steps=12, seed=3, size=(64, 64), episodes_per_shard=2, progress=False
    )
    assert [p.name for p in paths] == ["shard-00000.npz", "shard-00001.npz", "shard-00002.npz"]
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["n_episodes"] == 5 and manifest["shards"] == [p.name for p in paths]
    with np.load(paths[0]) as z:
        assert z["frames"].shape == (2, 13, 64, 64, 3) and z["actions"].dtype == np.uint8
    eps = [e for p in paths for e in read_shard(p)]
    assert len(eps) == 5
    again = episode_for(3, 4, 12, size=(64, 64))
    assert np.array_equal(eps[4].frames, again.frames) and eps[4].spec == again.spec
    assert eps[4].labels == json.loads(json.dumps(again.labels)) and eps[4].prompt == again.prompt
