"""A submitted world's bot playthroughs run end to end on a real Celery worker process over Redis.

Like tests/integration/test_celery_redis_play.py: the worker is `celery -A config worker` started here, on a
Redis db number, key prefix and queue unique to this run. It shares this test's PostgreSQL database (the
test commits, transaction=True) and media root, so what it records can be checked here.
"""

import time
from pathlib import Path

import pytest
from django.db import connection

from moderation.models import AuditEntry, Playthrough
from moderation.services import world_review_start
from tests.celery_workers import redis_celery_worker
from tests.factories import WorldFactory
from worlds.models import World

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def moderation_worker(redis_url, settings):
    db = connection.settings_dict
    env = {
        "WORLDFEED_BACKEND": settings.WORLDFEED_BACKEND,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "WORLDFEED_MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    with redis_celery_worker(
        redis_url=redis_url, queues=["moderation"], env=env, prefix_stem="wfmod", concurrency=2
    ) as worker:
        settings.MODERATION_QUEUE = worker.queue("moderation")
        settings.MODERATION_BOT_SECONDS = 3.0
        yield worker.process, worker.output


def test_submitted_world_is_played_by_bots_on_a_worker_and_published(moderation_worker, settings):
    worker, output = moderation_worker
    world = WorldFactory(status=World.Status.PENDING, published_at=None, mechanics=["weather", "hazards"])
    began = time.monotonic()
    world_review_start(world_id=world.pk)  # not in a transaction: the task is sent at once

    deadline = time.monotonic() + 180
    while World.objects.get(pk=world.pk).status == World.Status.PENDING:
        assert worker.poll() is None, "".join(output)
        assert time.monotonic() < deadline, "no verdict in 180 s:\n" + "".join(output[-60:])
        time.sleep(0.5)
    elapsed = time.monotonic() - began
    print(f"\nreview of world {world.pk} by 3 bots x 3 s took {elapsed:.1f} s end to end")

    world.refresh_from_db()
    assert world.status == World.Status.PUBLISHED, "".join(output[-60:])
    rows = list(Playthrough.objects.filter(world=world))
    assert sorted(r.policy for r in rows) == ["explorer", "random", "spammer"]
    for row in rows:
        assert row.status == "done" and row.frames_done == 60 and row.backend == "engine"
        for field in (row.video, row.filmstrip, row.events):
            assert (Path(settings.MEDIA_ROOT) / field.name).stat().st_size > 0
        assert row.coverage["distinct_views"] > 1
    assert AuditEntry.objects.filter(world=world, action="auto_published").exists()
    assert any("moderation.tasks.run_world_playthroughs" in line and "succeeded" in line for line in output)
