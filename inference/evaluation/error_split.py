"""Where a rollout's error is: each episode's squared error at one step, split into the pixels of the
sprites that move on their own (avatar, hazards: the recorded sprite boxes, before and after), the
strip the camera revealed since the last true frame, and the rest (the map, particles, sky, HUD).

This is what showed that a still scene lost dB to a creeping residual (`ModelConfig.residual_floor`)
and that weather particles hold much of what remains: a diagnostic for choosing what to work on, run
on the validation split (`python -m inference.evaluation.freeplay --error-split 8`).
"""

from __future__ import annotations

import numpy as np

from inference.evaluation.metrics import PSNR_CAP, psnr

PARTS = ("sprites", "revealed", "rest")


def region_masks(cam_move: np.ndarray, boxes: np.ndarray, size: tuple[int, int]) -> dict[str, np.ndarray]:
    """(H, W) bool masks of the three parts, disjoint and covering the frame. `cam_move` (dx, dy) is the
    camera's move in pixels since the last true frame; `boxes` (n, 5) rows (id, x0, y0, x1, y1) of the
    sprite boxes of that frame and of the judged one (id -2 = an empty slot)."""
    h, w = size
    revealed = np.zeros((h, w), bool)
    dx, dy = (int(round(float(v))) for v in cam_move)
    if dx > 0:
        revealed[:, max(0, w - dx) :] = True
    elif dx < 0:
        revealed[:, : min(w, -dx)] = True
    if dy > 0:
        revealed[max(0, h - dy) :, :] = True
    elif dy < 0:
        revealed[: min(h, -dy), :] = True
    sprites = np.zeros((h, w), bool)
    for sid, x0, y0, x1, y1 in boxes:
        if sid != -2:
            sprites[max(0, y0) : max(0, y1), max(0, x0) : max(0, x1)] = True
    sprites &= ~revealed
    return {"sprites": sprites, "revealed": revealed, "rest": ~(sprites | revealed)}


def error_split(eps, gen: np.ndarray, step: int, context: int = 4) -> dict:
    """Per episode of `eps` (an EpisodeSet with cams and sprites) and its open-loop rollout `gen` (N, K,
    H, W, 3) from `context` true frames: PSNR at `step` (1-based) for the model and for copy-last, and
    the share of the model's squared error in each part (summing to 1; all 0 for an exact frame). Also the
    mean share over episodes, and the mean PSNR each part would add if its error were removed."""
    if eps.cams is None or eps.sprites is None:
        raise ValueError("error_split needs episodes recorded with cameras and sprite boxes")
    if not 1 <= step <= gen.shape[1]:
        raise ValueError(f"step must be in 1..{gen.shape[1]}")
    last_i, judged_i = context - 1, context - 1 + step
    rows, gains = [], []
    for i in range(len(gen)):
        truth, frame, last = eps.frames[i, judged_i], gen[i, step - 1], eps.frames[i, last_i]
        se = ((frame.astype(np.float64) - truth.astype(np.float64)) ** 2).mean(-1)
        masks = region_masks(
            eps.cams[i, judged_i] - eps.cams[i, last_i],
            np.concatenate([eps.sprites[i, last_i], eps.sprites[i, judged_i]]),
            se.shape,
        )
        total = float(se.sum())
        share = {k: (float(se[m].sum()) / total if total > 0 else 0.0) for k, m in masks.items()}
        score = psnr(frame, truth)
        # removing a part's error scales the MSE by (1 - share), capped like psnr (an exact frame is the cap)
        gains.append({k: min(PSNR_CAP - score, -10 * np.log10(max(1e-9, 1 - v))) for k, v in share.items()})
        rows.append(
            {
                "episode": i,
                "camera": eps.specs[i].get("camera"),
                "theme": eps.specs[i].get("theme"),
                "psnr": round(score, 2),
                "psnr_copy_last": round(psnr(last, truth), 2),
                "share": {k: round(v, 3) for k, v in share.items()},
            }
        )
    mean_share = {k: round(float(np.mean([r["share"][k] for r in rows])), 3) for k in PARTS}
    mean_gain = {k: round(float(np.mean([g[k] for g in gains])), 2) for k in PARTS}
    return {"step": step, "episodes": rows, "mean_share": mean_share, "mean_psnr_gain_if_removed": mean_gain}
