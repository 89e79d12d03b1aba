"""The Django-aware serving layer: this process's backend and session ticker, built from settings.

Both are created lazily on first use inside the process that runs sessions (a Celery worker child
or the embedded worker), so no model is loaded, and no device touched, in a parent process.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.core.files.storage import default_storage

from inference.backends.base import WorldModelBackend, WorldSetup
from inference.backends.registry import backend_from_path
from inference.batching import SessionTicker

log = logging.getLogger(__name__)
_ticker: SessionTicker | None = None
_ticker_lock = threading.Lock()


def get_backend() -> WorldModelBackend:
    """The process-wide backend named by settings.WORLDFEED_BACKEND."""
    return backend_from_path(settings.WORLDFEED_BACKEND)


def get_ticker() -> SessionTicker:
    """The process-wide ticker that steps all of this process's sessions in one batch per tick."""
    global _ticker
    with _ticker_lock:
        if _ticker is None:
            _ticker = SessionTicker(get_backend(), fps=settings.WORLDFEED_FPS)
        return _ticker


def warm_up_in_background() -> threading.Thread:
    """Build this process's backend and ticker on a daemon thread, so the first swipe is not a cold start."""

    def warm() -> None:
        try:
            get_ticker().backend.warm_up()
        except Exception:  # a broken model still fails loudly on the first session
            log.exception("backend warm-up failed")

    thread = threading.Thread(target=warm, name="backend-warm-up", daemon=True)
    thread.start()
    return thread


def world_setup(
    *, prompt: str, mechanics: list[str], seed: int, reference_image=None, spawn_state: bytes | None = None
) -> WorldSetup:
    """Build a WorldSetup; reference_image is a storage name or a FieldFile, read from default storage."""
    image_bytes = None
    name = getattr(reference_image, "name", reference_image)
    if name:
        with default_storage.open(name, "rb") as handle:
            image_bytes = handle.read()
    return WorldSetup(
        prompt=prompt,
        mechanics=tuple(mechanics),
        seed=int(seed),
        reference_image=image_bytes,
        spawn_state=spawn_state,
    )
