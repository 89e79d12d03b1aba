"""`python -m inference.evaluation.freeplay` — long free play on the VALIDATION split, for choosing serving
settings without looking at the held-out evaluation set.

Validation episodes are recorded from training-split prompts with data seed 7 (world seeds 701,000+,
never used in training: those are 1000+). Sessions start the way the held-out protocol starts them
(even episodes from a text-to-world frame, odd ones from recorded frames) and are played by the same
random held-button policy and judged by the same collapse detector (`collapse_runs`), with limits
taken from the validation frames. Prints one JSON object; `--png` saves a strip per session (a
snapshot every 15 s). `--set name=value` overrides a `ModelConfig` serving setting (JSON values:
`--set carry_flow=false --set backdrop_tolerance=0`).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from inference.evaluation.evaluate import collapse_limits, collapse_runs, free_play_starts
from inference.training.data import load_or_record

VALIDATION = ("train", 24, 36, 7)  # split, episodes, length, data seed


def parse_setting(text: str) -> tuple[str, object]:
    """ "name=value" (value in JSON) -> (name, value); a clear error for anything else."""
    name, sep, raw = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"{text!r}: expected name=value")
    try:
        return name, json.loads(raw)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: the value must be JSON ({error})") from None


def freeplay(
    episodes: list[int],
    seconds: float,
    settings: dict | None = None,
    weights: str | None = None,
    png: str | None = None,
    fps: int = 20,
) -> dict:
    from inference.backends.neural import NeuralBackend

    backend = NeuralBackend(weights)
    for name, value in (settings or {}).items():
        if name not in backend.cfg.__dataclass_fields__:
            raise ValueError(f"no ModelConfig setting named {name!r}")
        setattr(backend.cfg, name, value)
    eps = load_or_record(*VALIDATION, progress=False)
    noise_limit, structure_limit, _ = collapse_limits(eps)
    starts = free_play_starts(backend, eps, episodes)
    t0 = time.time()
    secs, reasons, snaps, _ = collapse_runs(
        backend, starts, seconds, fps, noise_limit, 0, False, keep_every_s=15, structure_limit=structure_limit
    )
    if png:
        _save_strips(png, snaps)
    return {
        "episodes": episodes,
        "prompts": [eps.prompts[j] for j in episodes],
        "cameras": [eps.specs[j]["camera"] for j in episodes],
        "settings": settings or {},
        "collapse_free_seconds": secs,
        "failures": [r or None for r in reasons],
        "wall_seconds": round(time.time() - t0),
    }


def _save_strips(path: str, snaps) -> None:
    from PIL import Image

    width = max(len(s) for s in snaps)
    rows = []
    for s in snaps:
        row = [f for _, f in s] + [np.zeros_like(s[0][1])] * (width - len(s))
        rows.append(np.concatenate(row, 1))
    Image.fromarray(np.concatenate(rows, 0)).save(path)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m inference.evaluation.freeplay", description=__doc__)
    p.add_argument("--episodes", default="0,1,2,3", help="validation episodes (0-23), comma-separated")
    p.add_argument("--seconds", type=float, default=300.0)
    p.add_argument("--set", dest="settings", type=parse_setting, action="append", default=[])
    p.add_argument("--weights", default=None)
    p.add_argument("--png", default=None)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    episodes = [int(x) for x in a.episodes.split(",")]
    if not all(0 <= j < VALIDATION[1] for j in episodes):
        p.error(f"--episodes: each must be in 0..{VALIDATION[1] - 1}")
    out = freeplay(episodes, a.seconds, dict(a.settings), a.weights, a.png)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
