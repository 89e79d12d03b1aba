"""A real Celery worker process on Redis serves a play socket through channels-redis.

The consumer runs here (WebsocketCommunicator); the session task runs in a separately started
`celery -A config worker` process. Both use a Redis db number, a key prefix and a queue name unique
to this run, and the prefix's keys are deleted afterwards.
"""

import json
import time
from pathlib import Path

import pytest
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator

from inference.codec import unpack_frame
from tests.celery_workers import redis_celery_worker
from tests.factories import WorldFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


NEURAL = "inference.backends.neural.NeuralBackend"


@pytest.fixture(params=["settings", NEURAL], ids=["test-backend", "neural"])
def redis_stack(request, redis_url, settings):
    """A worker on the test settings' (fast) backend, and one on the shipped neural world model."""
    backend = settings.WORLDFEED_BACKEND if request.param == "settings" else request.param
    with redis_celery_worker(
        redis_url=redis_url,
        queues=["inference"],
        env={
            "WORLDFEED_BACKEND": backend,
            "DATABASE_URL": "sqlite:///:memory:",
        },
    ) as worker:
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [redis_url], "prefix": worker.prefix, "expiry": 10},
            }
        }
        channel_layers.backends.clear()
        settings.CELERY_EMBEDDED_WORKER = False  # this test's worker is the separate process
        settings.WORLDFEED_INFERENCE_QUEUE = worker.queue("inference")
        settings.WORLDFEED_SESSION_START_TIMEOUT = 90  # a cold worker loads the text encoder first
        try:
            yield worker.process
        finally:
            channel_layers.backends.clear()


async def test_frames_arrive_from_a_real_worker_through_redis(redis_stack):
    from asgiref.sync import sync_to_async

    from config.asgi import application

    world = await sync_to_async(WorldFactory)()
    comm = WebsocketCommunicator(
        application, f"/ws/play/{world.pk}/", headers=[(b"origin", b"http://localhost")]
    )
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
            await comm.send_json_to(
                {"type": "action", "seq": seq, "buttons": ["right"] if seq % 2 else ["left"]}
            )
    await comm.disconnect()

    assert states[0]["state"] == "starting" and states[1]["state"] == "live", states
    assert len(frames) >= 40, f"only {len(frames)} frames; worker alive: {redis_stack.poll() is None}"
    assert [f.seq for f in frames] == sorted(f.seq for f in frames)
    assert max(f.action_seq for f in frames) >= seq - 1 and latencies
