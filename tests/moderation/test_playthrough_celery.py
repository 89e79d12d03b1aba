"""A submitted world's bot playthroughs run end to end on a real Celery worker process over Redis.

Like tests/integration/test_celery_redis_play.py: the worker is `celery -A config worker` started here, on a
Redis db number, key prefix and queue unique to this run. It shares this test's PostgreSQL database (the
test commits, transaction=True) and media root, so what it records can be checked here.
"""

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection

from config.celery import app as celery_app
from moderation.models import AuditEntry, Playthrough
from moderation.services import world_review_start
from tests.factories import WorldFactory
from worlds.models import World

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def moderation_worker(redis_url, settings):
    prefix = f"wfmod{uuid.uuid4().hex[:10]}"
    queue = f"{prefix}-moderation"
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "WORLDFEED_CHANNEL_PREFIX": prefix,
        "WORLDFEED_BACKEND": settings.WORLDFEED_BACKEND,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "WORLDFEED_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CELERY_EMBEDDED_WORKER": "false",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            "--pool",
            "threads",
            "--concurrency",
            "2",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "-l",
            "INFO",
            "-n",
            f"{prefix}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    settings.MODERATION_QUEUE = queue
    settings.MODERATION_BOT_SECONDS = 3.0
    saved = {k: celery_app.conf[k] for k in ("broker_url", "broker_transport_options")}
    celery_app.conf.update(broker_url=redis_url, broker_transport_options={"global_keyprefix": f"{prefix}:"})
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(worker.stdout), daemon=True)
    reader.start()
    deadline = time.monotonic() + 90
    while not any(" ready." in line for line in output):  # a task published before it listens is lost
        assert worker.poll() is None and time.monotonic() < deadline, "".join(output)
        time.sleep(0.2)
    try:
        yield worker, output
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        reader.join(5)
        celery_app.conf.update(saved)
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(match=f"*{prefix}*"):
            client.delete(key)


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
