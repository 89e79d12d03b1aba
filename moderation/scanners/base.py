"""What a scanner is and what it reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Protocol

import numpy as np

FLAG, BLOCK = "flag", "block"


@dataclass(frozen=True)
class ScanHit:
    """One finding over a span of frames.

    severity "block": the clip must not be shown to players as is (a live hit takes the world out of the feed
    until reviewed); "flag": a moderator should look. start/end are frame indices (end inclusive) and seconds.
    """

    scanner: str
    kind: str
    severity: str
    start_frame: int
    end_frame: int
    start_s: float
    end_s: float
    score: float
    detail: str

    @classmethod
    def over_frames(
        cls,
        scanner: str,
        kind: str,
        severity: str,
        start: int,
        end: int,
        fps: float,
        score: float,
        detail: str,
    ) -> ScanHit:
        """A hit over frames start..end (inclusive) of a clip played at `fps`, its seconds derived."""
        return cls(scanner, kind, severity, start, end, start / fps, (end + 1) / fps, score, detail)

    def as_json(self) -> dict:
        data = asdict(self)
        data["start_s"], data["end_s"], data["score"] = (
            round(self.start_s, 3),
            round(self.end_s, 3),
            round(self.score, 3),
        )
        return data


class Scanner(Protocol):
    """A scanner looks at frames (T, H, W, 3) uint8 played at `fps`; `actions` (one bitmask per frame) are
    given when known (bot playthroughs) and None otherwise (clips, live samples)."""

    name: str

    def scan(
        self, frames: np.ndarray, fps: float, *, actions: Sequence[int] | None = None
    ) -> list[ScanHit]: ...


def spans(mask: np.ndarray, *, min_length: int = 1) -> list[tuple[int, int]]:
    """Inclusive (start, end) index pairs of the runs of True in a 1-D mask at least min_length long."""
    mask = np.asarray(mask, bool)
    if not mask.any():
        return []
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return [(int(s), int(e)) for s, e in zip(starts, ends, strict=True) if e - s + 1 >= min_length]
