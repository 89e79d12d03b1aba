"""One clock for all of a process's sessions: each tick steps every open session in one batch.

Sessions (one per Celery task thread) register with the process's SessionTicker and set the
buttons they hold; the ticker thread calls `backend.step` once per tick for all of them, so a
neural backend runs one forward pass however many sessions share the worker. A tick that overruns
is not caught up: the clock skips ahead, frame rate drops, latency does not pile up.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from itertools import count

import numpy as np

from inference.backends.base import SessionState, WorldModelBackend, WorldSetup

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Frame:
    """One produced frame: its sequence number, the last action seq applied before it, and pixels."""

    seq: int
    action_seq: int
    pixels: np.ndarray
    produced_at: float  # time.time()
    buttons: int = 0  # the held-button bitmask this frame was stepped with (observers read it)


FrameSink = Callable[[Frame | None, BaseException | None], None]


@dataclass(eq=False)
class TickedSession:
    """A session registered with a ticker. Only set_action is for the session's owner to call."""

    id: int
    state: SessionState
    sink: FrameSink
    buttons: int = 0
    action_seq: int = 0
    frame_seq: int = 0
    closed: bool = False
    pixels: np.ndarray | None = field(default=None, repr=False)  # the latest frame, for snapshots
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def set_action(self, buttons: int, seq: int) -> bool:
        """Hold `buttons` from the next tick on; stale (out-of-order) seqs are ignored. True if applied."""
        with self._lock:
            if seq <= self.action_seq:
                return False
            self.buttons, self.action_seq = buttons, seq
            return True

    def _held(self) -> tuple[int, int]:
        with self._lock:
            return self.buttons, self.action_seq


@dataclass
class TickerStats:
    ticks: int = 0
    steps: int = 0
    last_batch: int = 0
    last_step_ms: float = 0.0
    skipped_ticks: int = 0


class SessionTicker:
    """Steps all open sessions of one backend at `fps`, in batches of at most `max_batch`."""

    def __init__(self, backend: WorldModelBackend, *, fps: int = 20, max_batch: int = 32):
        self.backend, self.fps, self.max_batch = backend, fps, max_batch
        self.stats = TickerStats()
        self._ids = count(1)
        self._sessions: dict[int, TickedSession] = {}
        self._resets: list[tuple[WorldSetup, FrameSink, Future]] = []
        self._snapshots: list[tuple[TickedSession, Future]] = []
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    # --- called from session threads ---------------------------------------------------------
    def open(self, setup: WorldSetup, sink: FrameSink) -> Future:
        """Queue a reset; the Future resolves to the TickedSession once its first frame went to `sink`.

        `sink(frame, None)` is called from the ticker thread for every frame; `sink(None, error)` once
        if the backend fails for this session (it is closed then). Sinks must not block.
        """
        future: Future = Future()
        with self._wake:
            self._resets.append((setup, sink, future))
            self._ensure_thread()
            self._wake.notify()
        return future

    def snapshot(self, session: TickedSession) -> Future:
        """Queue a snapshot of `session`, taken on the ticker thread between two ticks (backends step and
        snapshot from one thread only). The Future resolves to (state bytes, latest frame pixels) or to the
        backend's error (NotImplementedError when it cannot snapshot, RuntimeError if the session closed).
        """
        future: Future = Future()
        with self._wake:
            self._snapshots.append((session, future))
            self._ensure_thread()
            self._wake.notify()
        return future

    def close(self, session: TickedSession) -> None:
        with self._wake:
            session.closed = True
            self._sessions.pop(session.id, None)

    @property
    def open_sessions(self) -> int:
        return len(self._sessions)

    # --- the ticker thread ---------------------------------------------------------------------
    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="session-ticker", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        period = 1.0 / self.fps
        next_tick = time.monotonic()
        while True:
            with self._wake:
                while not self._sessions and not self._resets and not self._snapshots:
                    self._wake.wait()
                    next_tick = time.monotonic()
                resets, self._resets = self._resets, []
                snapshots, self._snapshots = self._snapshots, []
                sessions = list(self._sessions.values())
            for setup, sink, future in resets:
                self._reset_one(setup, sink, future)
            if sessions:
                self._step(sessions)
            for session, future in snapshots:
                self._snapshot_one(session, future)
            next_tick += period
            delay = next_tick - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            elif delay < -period:
                self.stats.skipped_ticks += int(-delay // period)
                next_tick = time.monotonic()

    def _reset_one(self, setup: WorldSetup, sink: FrameSink, future: Future) -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            state, pixels = self.backend.reset(setup)
        except BaseException as error:  # noqa: BLE001 - reported to the session that asked
            future.set_exception(error)
            return
        session = TickedSession(id=next(self._ids), state=state, sink=sink, frame_seq=1, pixels=pixels)
        sink(Frame(seq=1, action_seq=0, pixels=pixels, produced_at=time.time()), None)
        with self._wake:
            self._sessions[session.id] = session
        future.set_result(session)

    def _snapshot_one(self, session: TickedSession, future: Future) -> None:
        if not future.set_running_or_notify_cancel():
            return
        if session.closed:
            future.set_exception(RuntimeError("the session has ended"))
            return
        try:
            future.set_result((self.backend.snapshot(session.state), session.pixels))
        except Exception as error:  # reported to the session that asked; the world keeps running
            future.set_exception(error)

    def _step(self, sessions: list[TickedSession]) -> None:
        self.stats.ticks += 1
        for start in range(0, len(sessions), self.max_batch):
            batch = sessions[start : start + self.max_batch]
            held = [s._held() for s in batch]
            began = time.perf_counter()
            try:
                frames = self.backend.step([s.state for s in batch], [buttons for buttons, _ in held])
            except Exception as error:
                log.exception("backend step failed for %d sessions", len(batch))
                for session in batch:
                    self.close(session)
                    session.sink(None, error)
                continue
            self.stats.last_step_ms = (time.perf_counter() - began) * 1000
            self.stats.last_batch = len(batch)
            self.stats.steps += len(batch)
            now = time.time()
            for session, pixels, (buttons, action_seq) in zip(batch, frames, held, strict=True):
                if session.closed:
                    continue
                session.frame_seq += 1
                session.pixels = pixels
                session.sink(
                    Frame(
                        seq=session.frame_seq,
                        action_seq=action_seq,
                        pixels=pixels,
                        produced_at=now,
                        buttons=buttons,
                    ),
                    None,
                )
