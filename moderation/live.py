"""Live play sampling: every frame a session sends passes through `sample_frame`; scanners run off-thread.

Contract (the hook in inference.sessions calls this on the session's own event loop, so it must be cheap and
never block or touch the database):
- `sample_frame(session_key, frame_pixels, buttons=None)`: session_key is "<world id>:<play session id>";
  frame_pixels an RGB uint8 (H, W, 3) array; buttons the held-button bitmask the frame was stepped with
  (with them the collapse scanner calls a world frozen only when the player pressed different directions
  and nothing moved; without, any 5 s without change, which an idle viewer of a calm world also shows).
  The frame is decimated to at most 64 px a side and appended to the session's ring
  buffer of the last MODERATION_LIVE_WINDOW_SECONDS; every MODERATION_LIVE_SCAN_EVERY_SECONDS of frames a
  snapshot of the buffer is queued for the scanner thread (dropped if the queue is full: play never waits).
  Cost: about 30-60 µs per frame.
- The scanner thread runs the registered scanners (moderation.scanners) over each snapshot; hits that end in
  the part not scanned before open or extend the world's live ReviewCase (services.live_hits_record), with
  the snapshot as its clip. A blocking hit (photosensitivity) takes the world out of the feed.
- `recent_frames(session_key)` returns the buffer (oldest first); `session_end(session_key)` drops it; buffers
  idle for IDLE_SECONDS are dropped automatically.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np

log = logging.getLogger(__name__)

MAX_SIDE = 64
IDLE_SECONDS = 30.0
QUEUE_SIZE = 8

_lock = threading.Lock()
_buffers: dict[str, _Buffer] = {}
_jobs: queue.Queue = queue.Queue(maxsize=QUEUE_SIZE)
_worker: threading.Thread | None = None
_last_sweep = 0.0


@dataclass
class _Buffer:
    world_id: int | None
    frames: deque
    buttons: deque  # per frame; -1 where the caller did not say
    fps: float
    scan_every: int
    since_scan: int = 0
    last_seen: float = field(default_factory=time.monotonic)


def _config() -> tuple[float, float, float]:
    from django.conf import settings

    from moderation.conf import setting

    return (
        float(getattr(settings, "WORLDFEED_FPS", 20)),
        float(setting("MODERATION_LIVE_WINDOW_SECONDS")),
        float(setting("MODERATION_LIVE_SCAN_EVERY_SECONDS")),
    )


def _shrink(pixels: np.ndarray) -> np.ndarray:
    """Every n-th pixel so that no side exceeds MAX_SIDE (decimation, not averaging: it is 20x cheaper, and
    the scanners average cells themselves)."""
    frame = np.asarray(pixels)
    step = max(1, -(-max(frame.shape[:2]) // MAX_SIDE))
    return np.array(frame[::step, ::step, :3], np.uint8, copy=True)


def _world_id(session_key: str) -> int | None:
    head = str(session_key).split(":", 1)[0]
    return int(head) if head.isdigit() else None


def sample_frame(session_key: str, frame_pixels: np.ndarray, buttons: int | None = None) -> None:
    """Buffer one frame a live session sent; queue a scan every few seconds (see the module contract)."""
    try:
        now = time.monotonic()
        with _lock:
            buffer = _buffers.get(session_key)
            if buffer is None:
                fps, window, every = _config()
                size = max(2, round(window * fps))
                buffer = _Buffer(
                    world_id=_world_id(session_key),
                    frames=deque(maxlen=size),
                    buttons=deque(maxlen=size),
                    fps=fps,
                    scan_every=max(2, round(every * fps)),
                )
                _buffers[session_key] = buffer
            buffer.frames.append(_shrink(frame_pixels))
            buffer.buttons.append(-1 if buttons is None else int(buttons))
            buffer.last_seen = now
            buffer.since_scan += 1
            due = buffer.since_scan >= buffer.scan_every and buffer.world_id is not None
            if due:
                snapshot, new = np.stack(buffer.frames), buffer.since_scan
                held = None if -1 in buffer.buttons else list(buffer.buttons)
                buffer.since_scan = 0
            _sweep(now)
        if due:
            _ensure_worker()
            try:
                _jobs.put_nowait((session_key, buffer.world_id, snapshot, buffer.fps, new, held))
            except queue.Full:
                log.warning("live moderation queue full; skipped a scan of %s", session_key)
    except Exception:  # sampling must never break play
        log.exception("live frame sampling failed for %s", session_key)


def recent_frames(session_key: str) -> np.ndarray:
    """The buffered frames of a session in this process (oldest first), (T, h, w, 3); empty if none."""
    with _lock:
        buffer = _buffers.get(session_key)
        return np.stack(buffer.frames) if buffer and buffer.frames else np.zeros((0, 1, 1, 3), np.uint8)


def session_end(session_key: str) -> None:
    with _lock:
        _buffers.pop(session_key, None)


def _sweep(now: float) -> None:
    global _last_sweep
    if now - _last_sweep < 5:
        return
    _last_sweep = now
    for key in [k for k, b in _buffers.items() if now - b.last_seen > IDLE_SECONDS]:
        del _buffers[key]


def _ensure_worker() -> None:
    global _worker
    with _lock:
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_work, name="moderation-live-scanner", daemon=True)
            _worker.start()


def scan_snapshot(
    session_key: str,
    world_id: int,
    frames: np.ndarray,
    fps: float,
    new: int,
    buttons: list[int] | None = None,
):
    """Scan one buffered snapshot (with each frame's held buttons when known); record hits ending in its
    last `new` frames. Returns the case or None."""
    from moderation.clips import encode_animation
    from moderation.scanners import scan_frames
    from moderation.services import live_hits_record

    fresh_from = len(frames) - new
    hits = [h.as_json() for h in scan_frames(frames, fps, actions=buttons) if h.end_frame >= fresh_from]
    if not hits:
        return None
    return live_hits_record(
        world_id=world_id,
        session_key=session_key,
        hits=hits,
        clip=encode_animation(frames, fps),
        clip_fps=fps,
        clip_frames=len(frames),
    )


def _work() -> None:
    from django.db import close_old_connections

    while True:
        job = _jobs.get()
        try:
            close_old_connections()
            scan_snapshot(*job)
        except Exception:
            log.exception("live moderation scan failed for %s", job[0])
        finally:
            close_old_connections()
            _jobs.task_done()
