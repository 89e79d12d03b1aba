"""Coverage statistics of a playthrough, from what the bot saw and pressed (backend-agnostic: frames only)."""

from __future__ import annotations

from collections import Counter

import numpy as np

from inference.actions import BUTTON_NAMES

VIEW_GRID = 8
VIEW_LEVELS = 8


def view_signature(frame: np.ndarray) -> bytes:
    """A coarse fingerprint of what is on screen: 8 x 8 mean luminance quantised to 8 levels.

    Particles and small sprites barely move it; scrolling to a new part of the world changes it.
    """
    gray = np.asarray(frame, np.float32)[..., :3].mean(axis=2)
    h, w = gray.shape
    gh, gw = h // VIEW_GRID, w // VIEW_GRID
    cells = gray[: gh * VIEW_GRID, : gw * VIEW_GRID].reshape(VIEW_GRID, gh, VIEW_GRID, gw).mean(axis=(1, 3))
    return (cells * VIEW_LEVELS / 256).astype(np.uint8).tobytes()


class CoverageTracker:
    """Feed it every (action, frame); `summary()` is the JSON stored on the Playthrough."""

    def __init__(self) -> None:
        self.views: set[bytes] = set()
        self.frames = 0
        self.still = 0
        self.actions: Counter[int] = Counter()
        self.buttons: Counter[str] = Counter()
        self._last: np.ndarray | None = None

    def add(self, action: int, frame: np.ndarray) -> bool:
        """Record one tick; True if the view is new."""
        self.frames += 1
        self.actions[int(action)] += 1
        for name, bit in BUTTON_NAMES.items():
            if action & bit:
                self.buttons[name] += 1
        if self._last is not None and np.array_equal(self._last, frame):
            self.still += 1
        self._last = frame
        signature = view_signature(frame)
        new = signature not in self.views
        self.views.add(signature)
        return new

    def summary(self) -> dict:
        frames = max(1, self.frames)
        return {
            "frames": self.frames,
            "distinct_views": len(self.views),
            "view_novelty": round(len(self.views) / frames, 4),
            "distinct_actions": len(self.actions),
            "buttons": {name: round(self.buttons[name] / frames, 3) for name in BUTTON_NAMES},
            "still_frames": round(self.still / frames, 4),
        }
