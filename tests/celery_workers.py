"""A real `celery -A config worker` process on Redis for integration tests.

The worker and this test process share a Redis db, a key prefix and queue names unique to the run;
the prefix's keys are deleted afterwards, so runs sharing a machine's Redis never meet.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import redis

from config.celery import app as celery_app
from config.celery import thread_worker_argv

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class WorkerProcess:
    process: subprocess.Popen
    prefix: str
    output: list[str] = field(default_factory=list)

    def queue(self, name: str) -> str:
        """The run-unique name for a queue; pass it to the settings that route tasks."""
        return f"{self.prefix}-{name}"


@contextmanager
def redis_celery_worker(
    *,
    redis_url: str,
    queues: list[str],
    env: dict[str, str],
    prefix_stem: str = "wftest",
    concurrency: int = 4,
) -> Iterator[WorkerProcess]:
    """Start a worker consuming `queues` (names are made run-unique), wait until it listens, and point
    this process's Celery app at the same broker and prefix until the block ends."""
    prefix = f"{prefix_stem}{uuid.uuid4().hex[:10]}"
    unique_queues = [f"{prefix}-{name}" for name in queues]
    worker_env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "WORLDFEED_CHANNEL_PREFIX": prefix,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CELERY_EMBEDDED_WORKER": "false",
        **env,
    }
    process = subprocess.Popen(
        thread_worker_argv(unique_queues, concurrency, f"{prefix}@%h"),
        cwd=ROOT,
        env=worker_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    worker = WorkerProcess(process=process, prefix=prefix)
    reader = threading.Thread(target=lambda: worker.output.extend(process.stdout), daemon=True)
    reader.start()
    saved = {k: celery_app.conf[k] for k in ("broker_url", "broker_transport_options")}
    try:
        deadline = time.monotonic() + 90
        while not any(" ready." in line for line in worker.output):  # a task sent before it listens is lost
            assert process.poll() is None and time.monotonic() < deadline, "".join(worker.output)
            time.sleep(0.2)
        celery_app.conf.update(
            broker_url=redis_url, broker_transport_options={"global_keyprefix": f"{prefix}:"}
        )
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        yield worker
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        reader.join(5)
        celery_app.conf.update(saved)
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(match=f"*{prefix}*"):
            client.delete(key)
        if os.environ.get("WORLDFEED_DEBUG_WORKER"):
            print("".join(worker.output))
