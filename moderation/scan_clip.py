"""Scan a clip file with the registered scanners (the `scan_clip` command's service)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from moderation.clips import read_clip
from moderation.scanners import active_scanners, scan_frames


def scan_clip_file(
    path: str | Path, *, fps: float | None = None, names: Iterable[str] | None = None
) -> tuple[dict, str]:
    """Read and scan a clip; returns ({"flagged", "hits", "frames", "fps", "scanners"}, its JSON text).

    Raises moderation.clips.ClipError for an unreadable clip, KeyError for an unknown scanner name.
    """
    scanners = [s.name for s in active_scanners(list(names or []))]  # empty: every registered scanner
    frames, clip_fps = read_clip(path, fps=fps)
    hits = [h.as_json() for h in scan_frames(frames, clip_fps, names=scanners)]
    result = {
        "flagged": bool(hits),
        "hits": hits,
        "frames": int(len(frames)),
        "fps": clip_fps,
        "scanners": scanners,
    }
    return result, json.dumps(result, indent=2)
