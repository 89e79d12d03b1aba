"""world_review_start -> bots -> scans -> publish / case / reject, with the task run in-process."""

import pytest

from moderation.models import AuditEntry, Playthrough, ReviewCase
from moderation.services import world_review_start
from moderation.tasks import run_world_playthroughs
from tests.factories import WorldFactory
from worlds.models import World

pytestmark = pytest.mark.django_db


def _submit(django_capture_on_commit_callbacks, **fields):
    world = WorldFactory(status=World.Status.PENDING, published_at=None, **fields)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        world_review_start(world_id=world.pk)
    return world, callbacks


def _run_bots(world):
    run = Playthrough.objects.filter(world=world).values_list("run", flat=True).first()
    run_world_playthroughs.run(world_id=world.pk, run=str(run))
    world.refresh_from_db()


def test_clean_world_is_played_by_three_bots_and_published(short_bots, django_capture_on_commit_callbacks):
    world, callbacks = _submit(django_capture_on_commit_callbacks)
    queued = [c for c in callbacks if c.__qualname__ == "playthroughs_enqueue.<locals>.send"]
    assert len(queued) == 1  # the playthrough task, sent after commit
    rows = list(Playthrough.objects.filter(world=world))
    assert sorted(r.policy for r in rows) == ["explorer", "random", "spammer"]
    assert len({r.run for r in rows}) == 1 and all(r.status == "queued" for r in rows)

    _run_bots(world)

    assert world.status == World.Status.PUBLISHED
    for row in Playthrough.objects.filter(world=world):
        assert row.status == "done" and row.frames_done == row.frames_target == 40
        assert row.video.name.endswith(".webp") and row.filmstrip and row.events
        assert row.coverage["frames"] == 40 and row.coverage["distinct_views"] >= 1
        assert row.hits == [] and not row.flagged
    actions = list(AuditEntry.objects.filter(world=world).values_list("action", flat=True))
    assert {"screened", "playthroughs", "auto_published"} <= set(actions)


def test_blocked_prompt_is_rejected_without_bots(django_capture_on_commit_callbacks):
    world, callbacks = _submit(
        django_capture_on_commit_callbacks, prompt="a strip club full of naked dancers"
    )
    world.refresh_from_db()
    assert world.status == World.Status.REJECTED and "sexual" in world.rejection_reason
    assert not Playthrough.objects.filter(world=world).exists()  # no bots for a blocked world


def test_flagged_combination_opens_a_case_and_stays_pending(short_bots, django_capture_on_commit_callbacks):
    world, _ = _submit(
        django_capture_on_commit_callbacks,
        prompt="my real high school with classmates",
        mechanics=["hazards"],
    )
    case = ReviewCase.objects.get(world=world)
    assert case.source == "guidelines" and case.category == "violence" and case.is_open
    _run_bots(world)
    assert world.status == World.Status.PENDING  # waits for a moderator


def test_review_start_is_idempotent(short_bots, django_capture_on_commit_callbacks):
    world, _ = _submit(django_capture_on_commit_callbacks)
    world_review_start(world_id=world.pk)
    assert Playthrough.objects.filter(world=world).count() == 3


def test_scanner_hits_open_a_case(short_bots, django_capture_on_commit_callbacks, monkeypatch):
    from moderation.scanners.base import ScanHit

    def fake_scan(frames, fps, **kwargs):
        return [ScanHit("photosensitivity", "general_flash", "block", 0, 10, 0.0, 0.55, 5.0, "5 flashes")]

    monkeypatch.setattr("moderation.playthrough.scan_frames", fake_scan)
    world, _ = _submit(django_capture_on_commit_callbacks)
    _run_bots(world)
    assert world.status == World.Status.PENDING
    case = ReviewCase.objects.get(world=world)
    assert case.source == "scanner" and case.category == "photosensitivity" and case.playthrough_id
    assert len(case.hits) == 3 and {h["policy"] for h in case.hits} == {"random", "explorer", "spammer"}


def test_backend_failure_opens_a_case_not_a_publication(
    short_bots, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("model exploded")

    monkeypatch.setattr("moderation.playthrough._play", broken)
    world, _ = _submit(django_capture_on_commit_callbacks)
    _run_bots(world)
    assert world.status == World.Status.PENDING
    case = ReviewCase.objects.get(world=world)
    assert case.category == "playthrough_failed" and "model exploded" in case.summary
