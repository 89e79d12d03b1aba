"""The ticker steps all sessions of a process in one backend call per tick."""

import threading
import time

import numpy as np
import pytest

from inference.backends.base import SessionState, WorldModelBackend, WorldSetup
from inference.batching import SessionTicker


class RecordingBackend(WorldModelBackend):
    """A real, minimal backend: each frame's pixel (0,0) holds the action it was stepped with."""

    name = "recording"
    frame_shape = (8, 8)

    def __init__(self, fail_on_step: bool = False):
        self.batch_sizes: list[int] = []
        self.fail_on_step = fail_on_step

    def reset(self, setup: WorldSetup):
        if setup.prompt == "explode":
            raise RuntimeError("bad world")
        return SessionState(backend=self.name, data={"seed": setup.seed}), np.zeros((8, 8, 3), np.uint8)

    def step(self, states, actions):
        if self.fail_on_step:
            raise RuntimeError("device lost")
        self.batch_sizes.append(len(states))
        frames = []
        for state, action in zip(states, actions, strict=True):
            state.ticks += 1
            frame = np.zeros((8, 8, 3), np.uint8)
            frame[0, 0, 0] = action
            frame[0, 0, 1] = state.data["seed"]
            frames.append(frame)
        return frames


class Collector:
    def __init__(self):
        self.frames, self.errors = [], []
        self.lock = threading.Lock()

    def __call__(self, frame, error):
        with self.lock:
            (self.errors if error else self.frames).append(error or frame)


def wait_until(predicate, timeout=3.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def test_sessions_are_stepped_together_in_one_batch():
    backend = RecordingBackend()
    ticker = SessionTicker(backend, fps=50)
    sinks = [Collector() for _ in range(4)]
    sessions = [
        ticker.open(WorldSetup(prompt="p", seed=i), sink).result(timeout=2) for i, sink in enumerate(sinks)
    ]

    assert wait_until(lambda: all(len(s.frames) >= 10 for s in sinks))
    assert max(backend.batch_sizes) == 4  # one step call served all four sessions
    assert all(s.frames[0].seq == 1 and s.frames[0].action_seq == 0 for s in sinks)
    for session in sessions:
        ticker.close(session)
    assert ticker.open_sessions == 0


def test_held_action_applies_with_its_seq_and_stale_seq_is_ignored():
    ticker = SessionTicker(RecordingBackend(), fps=50)
    sink = Collector()
    session = ticker.open(WorldSetup(prompt="p", seed=3), sink).result(timeout=2)

    assert session.set_action(8, seq=5)
    assert not session.set_action(4, seq=4)  # older than what is held
    assert wait_until(lambda: any(f.action_seq == 5 for f in sink.frames))
    applied = [f for f in sink.frames if f.action_seq == 5]
    assert all(f.pixels[0, 0, 0] == 8 for f in applied)
    assert all(f.buttons == 8 for f in applied)  # what observers (live moderation) are told was held
    seqs = [f.seq for f in sink.frames]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    ticker.close(session)


def test_closed_session_gets_no_more_frames():
    ticker = SessionTicker(RecordingBackend(), fps=100)
    sink = Collector()
    session = ticker.open(WorldSetup(prompt="p"), sink).result(timeout=2)
    assert wait_until(lambda: len(sink.frames) > 3)
    ticker.close(session)
    time.sleep(0.05)
    count = len(sink.frames)
    time.sleep(0.1)
    assert len(sink.frames) == count


def test_reset_failure_is_reported_to_the_opener():
    ticker = SessionTicker(RecordingBackend(), fps=50)
    with pytest.raises(RuntimeError, match="bad world"):
        ticker.open(WorldSetup(prompt="explode"), Collector()).result(timeout=2)


def test_step_failure_closes_sessions_and_tells_them():
    ticker = SessionTicker(RecordingBackend(fail_on_step=True), fps=50)
    sink = Collector()
    ticker.open(WorldSetup(prompt="p"), sink).result(timeout=2)
    assert wait_until(lambda: sink.errors)
    assert ticker.open_sessions == 0
