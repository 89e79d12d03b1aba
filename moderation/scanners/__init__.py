"""Scanners over frames, pluggable through a registry.

Register a scanner (an object with `name` and `scan(frames, fps, *, actions=None) -> list[ScanHit]`) with
`@register` (on a class: it is instantiated once) and it runs on bot playthroughs, live samples, reports
and `scan_clip`. MODERATION_SCANNERS (a list of names) restricts which run; empty means all registered.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from moderation.scanners.base import BLOCK, FLAG, ScanHit, Scanner

__all__ = ["BLOCK", "FLAG", "ScanHit", "Scanner", "register", "registry", "scan_frames", "active_scanners"]

_REGISTRY: dict[str, Scanner] = {}


def register(scanner):
    """Add a scanner (instance, or class instantiated without arguments) under its `name`; returns it."""
    instance = scanner() if isinstance(scanner, type) else scanner
    _REGISTRY[instance.name] = instance
    return scanner


def registry() -> dict[str, Scanner]:
    _load_builtin()
    return dict(_REGISTRY)


def active_scanners(names: Iterable[str] | None = None) -> list[Scanner]:
    """The scanners named (all registered when names is None or empty); unknown names raise KeyError."""
    available = registry()
    if names is None:
        from moderation.conf import setting

        try:
            names = setting("MODERATION_SCANNERS")
        except Exception:  # settings not configured (plain-Python use): all scanners
            names = ()
    names = list(names or available)
    missing = sorted(set(names) - set(available))
    if missing:
        raise KeyError(f"unknown scanner(s) {missing}; registered: {sorted(available)}")
    return [available[n] for n in names]


def scan_frames(
    frames: np.ndarray,
    fps: float,
    *,
    names: Iterable[str] | None = None,
    actions: Sequence[int] | None = None,
) -> list[ScanHit]:
    """Run the active scanners over frames (T, H, W, 3) uint8; hits sorted by start time."""
    frames = np.asarray(frames)
    if frames.ndim != 4 or len(frames) == 0:
        return []
    hits = [hit for scanner in active_scanners(names) for hit in scanner.scan(frames, fps, actions=actions)]
    return sorted(hits, key=lambda h: (h.start_frame, h.scanner, h.kind))


def _load_builtin() -> None:
    from moderation.scanners import collapse, photosensitivity  # noqa: F401  (they register themselves)
