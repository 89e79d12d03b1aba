"""Moderation settings, each overridable in Django settings (or the env var of the same name).

Read through `setting(name)` at call time so tests can override them with pytest-django's `settings`.
"""

from __future__ import annotations

import os

from django.conf import settings

DEFAULTS: dict[str, object] = {
    # Seconds of game time each bot plays (frames = seconds x WORLDFEED_FPS); bots step faster than real time.
    "MODERATION_BOT_SECONDS": 10.0,
    # Bot policies run for every submitted world, all stepped in one batch (see moderation.bots).
    "MODERATION_BOT_POLICIES": ("random", "explorer", "spammer"),
    # Scanners run over recorded and live frames (names from moderation.scanners registry); empty = all.
    "MODERATION_SCANNERS": (),
    # The queue the playthrough task goes to; it needs the world model, like the inference queue.
    "MODERATION_QUEUE": "default",
    # Bot runs still queued or playing after this long are taken as lost (their worker died).
    "MODERATION_RUN_STALE_SECONDS": 3600.0,
    # Live play: keep this many seconds of frames per session, scan every this many seconds.
    "MODERATION_LIVE_WINDOW_SECONDS": 10.0,
    "MODERATION_LIVE_SCAN_EVERY_SECONDS": 5.0,
    # Distinct reporters with open reports that take a published world out of the feed until reviewed.
    "MODERATION_REPORT_HOLD_THRESHOLD": 3,
    # Photosensitivity: share of the frame that is "a 10 degree field" at typical viewing distance.
    "MODERATION_FLASH_FIELD_FRACTION": 1.0,
}


def setting(name: str):
    """The value of a moderation setting: Django settings, else the env var, else the default."""
    if hasattr(settings, name):
        return getattr(settings, name)
    default = DEFAULTS[name]
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int | float):
        return type(default)(raw)
    if isinstance(default, tuple):
        return tuple(x.strip() for x in raw.split(",") if x.strip())
    return raw
