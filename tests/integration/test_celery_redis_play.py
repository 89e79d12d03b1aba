"""A real Celery worker process on Redis serves a play socket through channels-redis.

The consumer runs here (WebsocketCommunicator); the session task runs in a separately started
`celery -A config worker` process. Both use a Redis db number, a key prefix and a queue name unique
to this run, and the prefix's keys are deleted afterwards.
"""

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import redis
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator

from config.celery import app as celery_app
from inference.codec import unpack_frame
from tests.factories import WorldFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def redis_stack(redis_url, settings):
    prefix = f"wftest{uuid.uuid4().hex[:10]}"
    queue = f"{prefix}-inference"
    env = {**os.environ, "REDIS_URL": redis_url, "WORLDFEED_CHANNEL_PREFIX": prefix,
           "WORLDFEED_BACKEND": settings.WORLDFEED_BACKEND, "DJANGO_SETTINGS_MODULE": "config.settings",
           "DATABASE_URL": "sqlite:///:memory:", "CELERY_EMBEDDED_WORKER": "false"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "--pool", "threads",
         "--concurrency", "4", "--without-heartbeat", "--without-mingle", "--without-gossip", "-l", "INFO",
         "-n", f"{prefix}@%h"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {"hosts": [redis_url], "prefix": prefix, "expiry": 10}}}
    channel_layers.backends.clear()
    settings.CELERY_EMBEDDED_WORKER = False  # this test's worker is the separate process
    settings.WORLDFEED_INFERENCE_QUEUE = queue
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
        yield worker
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
        channel_layers.backends.clear()
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(match=f"*{prefix}*"):
            client.delete(key)
        if os.environ.get("WORLDFEED_DEBUG_WORKER"):
            print("".join(output))


async def test_frames_arrive_from_a_real_worker_through_redis(redis_stack):
    from asgiref.sync import sync_to_async

    from config.asgi import application

    world = await sync_to_async(WorldFactory)()
    comm = WebsocketCommunicator(application, f"/ws/play/{world.pk}/", headers=[(b"origin", b"http://localhost")])
    connected, _ = await comm.connect(timeout=10)
    assert connected
    states, frames, latencies = [], [], []
    sent_at = {}
    deadline = time.monotonic() + 60
    seq = 0
    while len(frames) < 40 and time.monotonic() < deadline:
        message = await comm.receive_output(timeout=60)
        if message.get("text"):
            states.append(json.loads(message["text"]))
            continue
        assert message["type"] == "websocket.send", message
        header, image = unpack_frame(message["bytes"])
        frames.append(header)
        await comm.send_json_to({"type": "ack", "frame": header.seq})
        if seq in sent_at and header.action_seq >= seq and seq not in dict(latencies):
            latencies.append((seq, time.monotonic() - sent_at[seq]))
        if len(frames) % 5 == 0:
            seq += 1
            sent_at[seq] = time.monotonic()
            await comm.send_json_to({"type": "action", "seq": seq, "buttons": ["right"] if seq % 2 else ["left"]})
    await comm.disconnect()

    assert states[0]["state"] == "starting" and states[1]["state"] == "live", states
    assert len(frames) >= 40, f"only {len(frames)} frames; worker alive: {redis_stack.poll() is None}"
    assert [f.seq for f in frames] == sorted(f.seq for f in frames)
    assert max(f.action_seq for f in frames) >= seq - 1 and latencies
