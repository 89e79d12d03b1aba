"""Live play sampling: the per-frame hook is cheap, buffers the last seconds and scans them off-thread."""

import time

import numpy as np
import pytest

from moderation import live
from moderation.models import ReviewCase
from tests.factories import WorldFactory
from tests.moderation.clips import FPS, calm, flashing
from worlds.models import World


@pytest.fixture(autouse=True)
def live_settings(settings):
    settings.WORLDFEED_FPS = FPS
    settings.MODERATION_LIVE_WINDOW_SECONDS = 4
    settings.MODERATION_LIVE_SCAN_EVERY_SECONDS = 2
    yield
    live._buffers.clear()


def test_sampling_keeps_a_window_of_small_frames_and_queues_scans(monkeypatch):
    jobs = []
    monkeypatch.setattr(live, "_ensure_worker", lambda: None)
    monkeypatch.setattr(live._jobs, "put_nowait", jobs.append)
    began = time.perf_counter()
    for frame in calm(6):
        live.sample_frame("7:99", frame)
    per_frame = (time.perf_counter() - began) / (6 * FPS)
    assert per_frame < 0.002  # on the session's event loop: must stay far below a 50 ms tick
    buffered = live.recent_frames("7:99")
    assert buffered.shape == (4 * FPS, 64, 64, 3)
    assert len(jobs) == 3 and all(job[1] == 7 and job[4] == 2 * FPS for job in jobs)
    live.session_end("7:99")
    assert len(live.recent_frames("7:99")) == 0


def test_keys_without_a_world_id_are_buffered_but_never_scanned(monkeypatch):
    jobs = []
    monkeypatch.setattr(live._jobs, "put_nowait", jobs.append)
    for frame in calm(3):
        live.sample_frame("reply-channel-abc", frame)
    assert not jobs and len(live.recent_frames("reply-channel-abc")) == 3 * FPS


@pytest.mark.django_db
def test_a_flashing_live_snapshot_opens_a_holding_case():
    world = WorldFactory()
    frames = np.stack([f[::2, ::2] for f in np.concatenate([calm(2), flashing(5, seconds=2)])])
    case = live.scan_snapshot(f"{world.pk}:5", world.pk, frames, FPS, new=2 * FPS)
    assert case.source == "live" and case.holds_world and case.clip
    assert case.hits[0]["kind"] == "general_flash" and case.hits[0]["session"] == f"{world.pk}:5"
    world.refresh_from_db()
    assert world.status == World.Status.PENDING  # out of the feed until a moderator decides
    again = live.scan_snapshot(f"{world.pk}:6", world.pk, frames, FPS, new=2 * FPS)
    assert again == case and len(ReviewCase.objects.filter(world=world)) == 1  # hits added to the open case


@pytest.mark.django_db
def test_calm_live_snapshot_records_nothing():
    world = WorldFactory()
    assert live.scan_snapshot(f"{world.pk}:1", world.pk, calm(4)[:, ::2, ::2], FPS, new=FPS) is None
    assert not ReviewCase.objects.exists()


def test_moderation_subscribes_to_the_session_hook_when_it_exists():
    from inference import sessions

    if not hasattr(sessions, "FRAME_OBSERVERS"):
        pytest.skip("inference.sessions has no FRAME_OBSERVERS hook yet (see docs/moderation.md)")
    assert live.sample_frame in sessions.FRAME_OBSERVERS


@pytest.mark.django_db
def test_an_idle_viewer_of_a_still_world_is_not_a_frozen_world():
    world = WorldFactory()
    still = np.repeat(calm(1)[:1, ::2, ::2], 6 * FPS, axis=0)  # 6 s without any change
    idle = [0] * len(still)
    assert live.scan_snapshot(f"{world.pk}:1", world.pk, still, FPS, new=2 * FPS, buttons=idle) is None
    # the same frames while the player pressed right, then left: nothing moved, the world is dead
    pressed = [8] * (3 * FPS) + [4] * (3 * FPS)
    case = live.scan_snapshot(f"{world.pk}:2", world.pk, still, FPS, new=2 * FPS, buttons=pressed)
    assert case is not None and case.hits[0]["kind"] == "frozen"


def test_sampled_buttons_reach_the_scan_job(monkeypatch):
    jobs = []
    monkeypatch.setattr(live, "_ensure_worker", lambda: None)
    monkeypatch.setattr(live._jobs, "put_nowait", jobs.append)
    for i, frame in enumerate(calm(2)):
        live.sample_frame("7:3", frame, buttons=i % 16)
    assert jobs and jobs[-1][5] == [i % 16 for i in range(2 * FPS)]
    for frame in calm(2):
        live.sample_frame("7:4", frame)  # a caller that does not say: scanned without actions
    assert jobs[-1][0] == "7:4" and jobs[-1][5] is None
