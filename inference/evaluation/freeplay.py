"""`python -m inference.evaluation.freeplay` — long free play on the VALIDATION split, for choosing serving
settings (and weights) without looking at the held-out evaluation set. `--open-loop` instead runs the
held-out protocol's open-loop part there: PSNR at steps 1 / 8 / 32 against copy-last, controllability.

Validation episodes are recorded from training-split prompts with data seed 7 (world seeds 701,000+,
never used in training: those are 1000+). Sessions start the way the held-out protocol starts them
(even episodes from a text-to-world frame, odd ones from recorded frames) and are played by the same
random held-button policy and judged by the same collapse detector (`collapse_runs`), with limits
taken from the validation frames. Prints one JSON object; `--png` saves a strip per session (a
snapshot every 15 s). `--set name=value` overrides a `ModelConfig` serving setting (JSON values:
`--set carry_flow=false --set backdrop_tolerance=0`). `--error-split STEP` prints where the open-loop
error at that step lies per episode (sprites, revealed strip, the rest). `--strips PNG` instead saves
open-loop rollouts of validation episodes beside their truth, a row per weights file (`--weights A,B`):
the picture to look at before and after a training stage.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from inference.evaluation.error_split import error_split
from inference.evaluation.evaluate import (
    STEPS_REPORTED,
    collapse_limits,
    collapse_runs,
    controllability,
    free_play_starts,
    rollout,
)
from inference.evaluation.metrics import psnr
from inference.model.config import add_settings_option, apply_serving_settings
from inference.training.data import load_or_record

VALIDATION = ("train", 24, 36, 7)  # split, episodes, length, data seed
MAX_STEPS = VALIDATION[2] - 4  # open-loop steps after the 4 context frames


def _backend(weights: str | None, settings: dict | None):
    from inference.backends.neural import NeuralBackend

    backend = NeuralBackend(weights)
    apply_serving_settings(backend.cfg, settings)
    return backend


def _validation_rollout(steps: int, settings: dict | None, weights: str | None):
    """The model's open-loop rollout of every validation episode from its true context frames and
    actions: (episodes, context length, frames (N, steps, H, W, 3))."""
    backend = _backend(weights, settings)
    eps = load_or_record(*VALIDATION, progress=False)
    ctx_n = backend.cfg.context
    acts = eps.actions[:, ctx_n - 1 : ctx_n - 1 + steps]
    return eps, ctx_n, rollout(backend, eps.frames[:, :ctx_n], acts, eps.text, eps.mechanics)


def open_loop(settings: dict | None = None, weights: str | None = None, horizon: int = 32) -> dict:
    """The held-out protocol's open-loop rollouts on all validation episodes: given 4 true frames and
    the true actions, PSNR of the model's own rollout at steps 1 / 8 / 32 (and of copy-last), and
    controllability over its moving windows."""
    t0 = time.time()
    eps, ctx_n, gen = _validation_rollout(horizon, settings, weights)
    gt = eps.frames[:, ctx_n : ctx_n + horizon]
    last = eps.frames[:, ctx_n - 1]
    steps = [k for k in STEPS_REPORTED if k <= horizon]
    ctrl = controllability(
        np.concatenate([last[:, None], gen], 1),
        np.concatenate([last[:, None], gt], 1),
        eps.cams[:, ctx_n - 1 : ctx_n + horizon],
    )
    return {
        "settings": settings or {},
        "psnr": {str(k): _mean_psnr(gen[:, k - 1], gt[:, k - 1]) for k in steps},
        "psnr_copy_last": {str(k): _mean_psnr(last, gt[:, k - 1]) for k in steps},
        "controllability": round(float(ctrl["controllability"]), 4),
        "false_motion": round(float(ctrl["false_motion"]), 4),
        "wall_seconds": round(time.time() - t0),
    }


def open_loop_error_split(step: int, settings: dict | None = None, weights: str | None = None) -> dict:
    """Where the model's open-loop error at `step` lies on the validation episodes
    (`inference.evaluation.error_split`): sprites, the camera-revealed strip, the rest."""
    eps, ctx_n, gen = _validation_rollout(step, settings, weights)
    return {"settings": settings or {}, **error_split(eps, gen, step, ctx_n)}


def open_loop_strips(
    path: str, episodes: list[int], weights: list[str | None], steps: int = 12, settings: dict | None = None
) -> None:
    """Save a PNG: per validation episode a row of its true frames after the 4-frame context, then a row
    per weights file of that model's open-loop rollout (true actions, its own frames), each labelled."""
    from PIL import Image, ImageDraw

    eps = load_or_record(*VALIDATION, progress=False)
    idx = list(episodes)
    backends = [_backend(w, settings) for w in weights]
    ctx_n = backends[0].cfg.context
    ctx, acts = eps.frames[idx, :ctx_n], eps.actions[idx, ctx_n - 1 : ctx_n - 1 + steps]
    gens = [rollout(b, ctx, acts, eps.text[idx], eps.mechanics[idx]) for b in backends]
    truth = eps.frames[idx, ctx_n : ctx_n + steps]
    labels = ["truth"] + [str(w or "shipped").split("/")[-1] for w in weights]
    size, label_w = truth.shape[2], 96
    rows = [
        (lab, frames[i]) for i in range(len(idx)) for lab, frames in zip(labels, [truth, *gens], strict=True)
    ]
    img = Image.new("RGB", (label_w + steps * size, len(rows) * size), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    for r, (lab, frames) in enumerate(rows):
        img.paste(Image.fromarray(np.concatenate(list(frames), 1)), (label_w, r * size))
        draw.text((4, r * size + size // 2 - 6), lab[:15], fill=(0, 0, 0))
    img.save(path)


def _mean_psnr(a: np.ndarray, b: np.ndarray) -> float:
    return round(float(np.mean([psnr(x, y) for x, y in zip(a, b, strict=True)])), 2)


def freeplay(
    episodes: list[int],
    seconds: float,
    settings: dict | None = None,
    weights: str | None = None,
    png: str | None = None,
    fps: int = 20,
) -> dict:
    backend = _backend(weights, settings)
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
    add_settings_option(p, "override a serving setting (name=JSON value)")
    p.add_argument("--weights", default=None)
    p.add_argument("--png", default=None)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--open-loop", action="store_true", help="open-loop PSNR + controllability instead")
    p.add_argument(
        "--strips", default=None, help="save open-loop rollouts beside the truth here instead (--weights A,B)"
    )
    p.add_argument("--steps", type=int, default=12, help="rollout steps shown by --strips")
    p.add_argument(
        "--error-split",
        type=int,
        default=None,
        metavar="STEP",
        help="where the open-loop error at this step lies (sprites / revealed strip / rest) instead",
    )
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    if a.error_split is not None:
        if not 1 <= a.error_split <= MAX_STEPS:
            p.error(f"--error-split: must be in 1..{MAX_STEPS} (the validation episodes' length)")
        print(json.dumps(open_loop_error_split(a.error_split, dict(a.serving_settings), a.weights), indent=2))
        return
    if a.open_loop:
        print(json.dumps(open_loop(dict(a.serving_settings), a.weights), indent=2))
        return
    episodes = [int(x) for x in a.episodes.split(",")]
    if not all(0 <= j < VALIDATION[1] for j in episodes):
        p.error(f"--episodes: each must be in 0..{VALIDATION[1] - 1}")
    if a.strips:
        if not 1 <= a.steps <= MAX_STEPS:
            p.error(f"--steps: must be in 1..{MAX_STEPS} (the validation episodes' length)")
        weights = a.weights.split(",") if a.weights else [None]
        open_loop_strips(a.strips, episodes, weights, a.steps, dict(a.serving_settings))
        print(json.dumps({"png": a.strips, "episodes": episodes, "weights": weights}))
        return
    out = freeplay(episodes, a.seconds, dict(a.serving_settings), a.weights, a.png)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
