"""Recording the corpus: action policies, episodes and compact .npz training shards.

Contract:
- A policy is a callable `policy(game) -> int` (an inference.actions bitmask) called before every step;
  factories take a numpy Generator so a policy is deterministic given its rng.
- `record_episode(spec, steps, policy, size)` -> `Episode` with T = steps + 1 aligned entries:
  frames[0] is the reset frame and actions[0] is NOOP; for t >= 1, frames[t] = game.step(actions[t]).
  labels[t] = game.labels() after frame t.
- `write_shards(out_dir, n_episodes, steps, seed, ...)` writes `shard-00000.npz`, ... plus `manifest.json`.
  Each shard holds `frames` (N, T, H, W, 3) uint8, `actions` (N, T) uint8, `specs` / `prompts` /
  `labels` as JSON strings (one per episode). Same arguments -> byte-identical array contents.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from inference.actions import NOOP, Button
from inference.corpus.game import Game
from inference.corpus.prompts import random_spec, sample_prompt
from inference.corpus.spec import WorldSpec

Policy = Callable[[Game], int]
_U, _D, _L, _R, _J = (int(b) for b in (Button.UP, Button.DOWN, Button.LEFT, Button.RIGHT, Button.JUMP))
_DIRS_TOPDOWN = [_U, _D, _L, _R, _U | _L, _U | _R, _D | _L, _D | _R]


def random_policy(rng: np.random.Generator, mean_hold: float = 6.0) -> Policy:
    """Uniformly random button sets (all 32 bitmasks), each held for a geometric number of ticks."""
    state = {"left": 0, "action": NOOP}

    def policy(game: Game) -> int:
        if state["left"] <= 0:
            state["action"] = int(rng.integers(0, 32))
            state["left"] = int(rng.geometric(1.0 / mean_hold))
        state["left"] -= 1
        return state["action"]

    return policy


def explorer_policy(rng: np.random.Generator, camera: str, min_hold: int = 20, max_hold: int = 90) -> Policy:
    """Keep heading one way for a while; when stuck, jump (side view) or turn. Reveals lots of new world."""
    state = {"left": 0, "action": NOOP, "last": None, "stuck": 0, "jump": 0}

    def pick() -> int:
        if camera == "side":
            return _R if rng.random() < 0.7 else _L
        return _DIRS_TOPDOWN[int(rng.integers(len(_DIRS_TOPDOWN)))]

    def policy(game: Game) -> int:
        pos = (game.x, game.y)
        state["stuck"] = state["stuck"] + 1 if pos == state["last"] else 0
        state["last"] = pos
        if state["left"] <= 0 or state["stuck"] > (12 if camera == "side" else 3):
            state["action"], state["left"], state["stuck"] = pick(), int(rng.integers(min_hold, max_hold)), 0
        state["left"] -= 1
        action = state["action"]
        if camera == "side" and state["jump"] <= 0 and (state["stuck"] > 0 or rng.random() < 0.04):
            state["jump"] = int(rng.integers(8, 18))  # hop over steps, obstacles and gaps
        state["jump"] -= 1
        return action | (_J if state["jump"] > 0 else NOOP)

    return policy


def jumper_policy(rng: np.random.Generator) -> Policy:
    """Runs left or right and jumps a lot, with varied jump lengths (short taps and long holds)."""
    state = {"dir": _R, "left": 0, "jump": 0}

    def policy(game: Game) -> int:
        if state["left"] <= 0:
            state["dir"] = [_R, _L, NOOP][int(rng.choice(3, p=[0.6, 0.3, 0.1]))]
            state["left"] = int(rng.integers(10, 50))
        state["left"] -= 1
        if state["jump"] <= 0 and rng.random() < 0.12:
            state["jump"] = int(rng.integers(1, 16))
        state["jump"] -= 1
        return state["dir"] | (_J if state["jump"] > 0 else NOOP)

    return policy


def mixed_policy(rng: np.random.Generator, camera: str) -> Policy:
    """Switches between idle, random, explorer and jumper behaviour every few dozen ticks."""
    makers = [
        lambda: lambda game: NOOP,
        lambda: random_policy(rng),
        lambda: explorer_policy(rng, camera),
        lambda: jumper_policy(rng),
    ]
    weights = np.array([0.08, 0.32, 0.4, 0.2])
    state: dict = {"left": 0, "policy": None}

    def policy(game: Game) -> int:
        if state["left"] <= 0:
            state["policy"] = makers[int(rng.choice(len(makers), p=weights))]()
            state["left"] = int(rng.integers(20, 120))
        state["left"] -= 1
        return int(state["policy"](game))

    return policy


POLICIES: dict[str, Callable[[np.random.Generator, str], Policy]] = {
    "random": lambda rng, camera: random_policy(rng),
    "explorer": explorer_policy,
    "jumper": lambda rng, camera: jumper_policy(rng),
    "mixed": mixed_policy,
}


@dataclass
class Episode:
    """One recorded rollout; see the module docstring for the alignment of frames, actions and labels."""

    frames: np.ndarray  # (T, H, W, 3) uint8
    actions: np.ndarray  # (T,) int64
    labels: list[dict]
    spec: WorldSpec
    prompt: str = ""


def record_episode(
    spec: WorldSpec, steps: int, policy: Policy, size: tuple[int, int] = (128, 128), with_labels: bool = True
) -> Episode:
    """Play `steps` ticks of `spec` under `policy`."""
    game = Game(spec, size=size)
    frames = np.empty((steps + 1, *game.size, 3), np.uint8)
    actions = np.zeros(steps + 1, np.int64)
    frames[0] = game.reset()
    labels = [game.labels()] if with_labels else []
    for t in range(1, steps + 1):
        actions[t] = int(policy(game)) & 31
        frames[t] = game.step(int(actions[t]))
        if with_labels:
            labels.append(game.labels())
    return Episode(frames, actions, labels, spec)


def episode_for(
    seed: int,
    index: int,
    steps: int,
    size: tuple[int, int] = (128, 128),
    policy: str = "mixed",
    with_labels: bool = True,
    split: str = "train",
) -> Episode:
    """The `index`-th episode of a corpus with `seed`: random spec, policy and example prompt."""
    rng = np.random.default_rng([seed & 0xFFFFFFFF, index])
    spec = random_spec(rng)
    ep = record_episode(spec, steps, POLICIES[policy](rng, spec.camera), size, with_labels)
    ep.prompt = sample_prompt(spec, rng, split)
    return ep


def write_shards(
    out_dir: str | Path,
    n_episodes: int,
    steps: int,
    seed: int,
    size: tuple[int, int] = (128, 128),
    episodes_per_shard: int = 16,
    policy: str = "mixed",
    with_labels: bool = True,
    split: str = "train",
    progress: bool = True,
) -> list[Path]:
    """Record `n_episodes` episodes into compressed .npz shards under `out_dir`; return the shard paths."""
    from tqdm import tqdm

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    bar = tqdm(total=n_episodes, desc="corpus", unit="ep", disable=not progress)
    for shard, start in enumerate(range(0, n_episodes, episodes_per_shard)):
        eps = []
        for i in range(start, min(start + episodes_per_shard, n_episodes)):
            eps.append(episode_for(seed, i, steps, size, policy, with_labels, split))
            bar.update(1)
        path = out / f"shard-{shard:05d}.npz"
        np.savez_compressed(
            path,
            frames=np.stack([e.frames for e in eps]),
            actions=np.stack([e.actions for e in eps]).astype(np.uint8),
            specs=np.array([json.dumps(e.spec.to_dict()) for e in eps]),
            prompts=np.array([e.prompt for e in eps]),
            labels=np.array([json.dumps(e.labels, separators=(",", ":")) for e in eps]),
        )
        paths.append(path)
    bar.close()
    manifest = {
        "n_episodes": n_episodes,
        "steps": steps,
        "seed": seed,
        "size": list(size),
        "policy": policy,
        "split": split,
        "episodes_per_shard": episodes_per_shard,
        "shards": [p.name for p in paths],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return paths


def read_shard(path: str | Path) -> list[Episode]:
    """Load the episodes of one shard written by `write_shards`."""
    with np.load(path) as z:
        return [
            Episode(
                z["frames"][i],
                z["actions"][i].astype(np.int64),
                json.loads(str(z["labels"][i])),
                WorldSpec.from_dict(json.loads(str(z["specs"][i]))),
                str(z["prompts"][i]),
            )
            for i in range(len(z["frames"]))
        ]
