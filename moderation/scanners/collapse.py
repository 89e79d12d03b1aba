"""World collapse: the model stopped drawing a world. Three failure modes, each over a sustained span:

- blank: the frame is (nearly) one flat colour: spatial std of luminance < BLANK_STD for >= 1 s;
- noise: neighbouring pixels are unrelated, as in static: the variance of horizontal and vertical neighbour
  differences over twice the frame variance exceeds NOISE_RATIO at full or half resolution (about 1.0 for
  white or 2x-blurred noise; at most 0.65 at either resolution over every theme of the
  procedural corpus) for >= 1 s. Smoother, low-frequency noise is not caught;
- frozen: consecutive frames identical (mean absolute difference < FROZEN_DIFF) for >= FROZEN_SECONDS while the
  player held at least two different directions (pressing right into a wall legitimately changes nothing;
  pressing right, then left, then up and seeing nothing move is a dead world). Without actions (clips): no
  change at all for >= FROZEN_SECONDS_NO_ACTIONS.
Severity is "flag": a collapsed world is broken, not harmful; a moderator decides.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from moderation.scanners import register
from moderation.scanners.base import FLAG, ScanHit, spans

BLANK_STD = 0.012
NOISE_RATIO = 0.9
FROZEN_DIFF = 0.25 / 255
MIN_SECONDS = 1.0
FROZEN_SECONDS = 3.0
FROZEN_SECONDS_NO_ACTIONS = 5.0
DIRECTIONS = 1 | 2 | 4 | 8  # inference.actions.Button UP | DOWN | LEFT | RIGHT


def _half(gray: np.ndarray) -> np.ndarray:
    t, h, w = gray.shape
    return gray[:, : h // 2 * 2, : w // 2 * 2].reshape(t, h // 2, 2, w // 2, 2).mean(axis=(2, 4))


def _noise_ratio(gray: np.ndarray) -> np.ndarray:
    """Per frame: variance of neighbour differences / (2 x variance); ~1 for white noise, ~0 for flat areas."""
    t = len(gray)
    variance = gray.reshape(t, -1).var(axis=1)
    if gray.shape[1] < 2 or gray.shape[2] < 2:
        return np.zeros(t, np.float32)
    dx = np.diff(gray, axis=2).reshape(t, -1).var(axis=1)
    dy = np.diff(gray, axis=1).reshape(t, -1).var(axis=1)
    return np.where(variance > 1e-6, (dx + dy) / 2 / (2 * np.maximum(variance, 1e-12)), 0.0)


def frame_statistics(frames: np.ndarray) -> dict[str, np.ndarray]:
    """Per frame: luminance std, neighbour-difference ratio, and mean absolute difference to the previous."""
    gray = np.asarray(frames, np.float32)[..., :3] @ np.array([0.299, 0.587, 0.114], np.float32) / 255.0
    variance = gray.reshape(len(gray), -1).var(axis=1)
    ratio = np.maximum(_noise_ratio(gray), _noise_ratio(_half(gray)))
    change = np.zeros(len(gray), np.float32)
    if len(gray) > 1:
        change[1:] = np.abs(np.diff(gray, axis=0)).reshape(len(gray) - 1, -1).mean(axis=1)
    else:
        change[:] = 1.0
    return {"std": np.sqrt(variance), "noise_ratio": ratio, "change": change}


@register
class CollapseScanner:
    name = "collapse"

    def scan(self, frames: np.ndarray, fps: float, *, actions: Sequence[int] | None = None) -> list[ScanHit]:
        stats = frame_statistics(frames)
        hits: list[ScanHit] = []
        min_frames = max(2, round(MIN_SECONDS * fps))
        for start, end in spans(stats["std"] < BLANK_STD, min_length=min_frames):
            hits.append(
                self._hit(
                    "blank",
                    start,
                    end,
                    fps,
                    float(stats["std"][start : end + 1].max()),
                    f"flat frames for {(end - start + 1) / fps:.1f} s",
                )
            )
        for start, end in spans(stats["noise_ratio"] > NOISE_RATIO, min_length=min_frames):
            hits.append(
                self._hit(
                    "noise",
                    start,
                    end,
                    fps,
                    float(stats["noise_ratio"][start : end + 1].mean()),
                    f"static-like noise for {(end - start + 1) / fps:.1f} s",
                )
            )
        still = (stats["change"] < FROZEN_DIFF) & (stats["std"] >= BLANK_STD)
        seconds = FROZEN_SECONDS if actions is not None else FROZEN_SECONDS_NO_ACTIONS
        held = None
        if actions is not None:
            held = np.asarray(list(actions)[: len(frames)], np.int64) & DIRECTIONS
            held = np.pad(held, (0, len(frames) - len(held)))
        for start, end in spans(still, min_length=max(2, round(seconds * fps))):
            if held is not None:
                directions = set(held[start : end + 1].tolist()) - {0}
                if len(directions) < 2:
                    continue
            hits.append(
                self._hit(
                    "frozen",
                    start,
                    end,
                    fps,
                    (end - start + 1) / fps,
                    f"no change for {(end - start + 1) / fps:.1f} s"
                    + (" while the player moved in several directions" if held is not None else ""),
                )
            )
        return hits

    def _hit(self, kind: str, start: int, end: int, fps: float, score: float, detail: str) -> ScanHit:
        return ScanHit.over_frames(self.name, kind, FLAG, start, end, fps, score, detail)
