"""Draft test-play and "remix from this moment" over the play socket, on the embedded stack."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from PIL import Image

from config.asgi import application
from inference.backends.base import WorldSetup
from inference.backends.engine import EngineBackend
from inference.batching import SessionTicker
from tests.factories import UserFactory, WorldFactory
from tests.feed.test_play_consumer import receive_frame, receive_json, wait_for_no_sessions
from worlds.models import Moment, World

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("embedded_worker")]


@database_sync_to_async
def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def connect(world_id: int, cookie: bytes | None = None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://localhost")] + ([(b"cookie", cookie)] if cookie else [])
    comm = WebsocketCommunicator(application, f"/ws/play/{world_id}/", headers=headers)
    connected, _ = await comm.connect(timeout=5)
    assert connected
    return comm


async def until_live(comm) -> dict:
    assert (await receive_json(comm))["state"] == "starting"
    live = await receive_json(comm, timeout=40)
    assert live.get("state") == "live", live
    return live


async def next_message(comm, kind: str, timeout: float = 8) -> dict:
    """The next text message of `kind` (frames are acked and skipped)."""
    import json

    deadline = time.monotonic() + timeout
    while True:
        message = await comm.receive_output(timeout=max(0.05, deadline - time.monotonic()))
        if message.get("bytes"):
            from inference.codec import unpack_frame

            header, _ = unpack_frame(message["bytes"])
            await comm.send_json_to({"type": "ack", "frame": header.seq})
            continue
        assert message["type"] != "websocket.close", message
        data = json.loads(message["text"])
        if data.get("type") == kind:
            return data


def decode(jpeg: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB"), dtype=np.int16)


async def test_only_the_owner_can_test_play_a_draft():
    owner = await database_sync_to_async(UserFactory)()
    draft = await database_sync_to_async(WorldFactory)(
        creator=owner, status=World.Status.DRAFT, published_at=None
    )

    stranger = await connect(draft.pk, await session_cookie(await database_sync_to_async(UserFactory)()))
    assert (await receive_json(stranger))["code"] == "not_found"
    assert await receive_json(stranger) == {"closed": 4404}

    comm = await connect(draft.pk, await session_cookie(owner))
    await until_live(comm)
    await receive_frame(comm)
    await comm.send_json_to({"type": "remix_moment"})
    error = await next_message(comm, "error")
    assert error["code"] == "not_remixable"
    await comm.disconnect()
    assert await wait_for_no_sessions() == 0


async def test_remix_from_a_moment_round_trip():
    world = await database_sync_to_async(WorldFactory)(mechanics=["collectibles"])
    player = await database_sync_to_async(UserFactory)()
    comm = await connect(world.pk, await session_cookie(player))
    await until_live(comm)
    await comm.send_json_to({"type": "action", "seq": 1, "buttons": ["right"]})
    for _ in range(15):
        await receive_frame(comm)
    await comm.send_json_to({"type": "remix_moment"})
    reply = await next_message(comm, "moment")
    assert reply["remix_url"] == f"/w/{world.pk}/remix/?moment={reply['id']}"
    assert reply["preview_url"] == f"/m/{reply['id']}.jpg"
    await comm.disconnect()

    moment = await database_sync_to_async(Moment.objects.select_related("captured_by").get)(pk=reply["id"])
    assert moment.world_id == world.pk and moment.captured_by == player and moment.backend == "engine"
    assert moment.tick >= 10 and moment.session_id is not None and bytes(moment.preview)[:2] == b"\xff\xd8"

    # The remix starts exactly there: its first frame is the captured moment.
    from worlds.services import world_draft_create

    @database_sync_to_async
    def remix():
        from unittest import mock

        from moderation.services import ScreenResult

        with mock.patch("moderation.services.text_screen", return_value=ScreenResult(True, "", "")):
            return world_draft_create(
                creator=player,
                title="From here",
                prompt="a different prompt entirely",
                mechanics=[],
                parent=world,
                moment=moment,
            )

    new_world = await remix()
    comm = await connect(new_world.pk, await session_cookie(player))
    await until_live(comm)
    _header, first = await receive_frame(comm)
    await comm.disconnect()
    difference = np.abs(decode(first) - decode(bytes(moment.preview))).mean()
    assert difference < 3, difference
    assert await wait_for_no_sessions() == 0


async def test_moments_are_rate_limited(settings):
    settings.WORLDFEED_RATE_LIMITS = {**settings.WORLDFEED_RATE_LIMITS, "moment": "1/minute"}
    world = await database_sync_to_async(WorldFactory)()
    comm = await connect(world.pk)
    await until_live(comm)
    await comm.send_json_to({"type": "remix_moment"})
    await next_message(comm, "moment")
    await comm.send_json_to({"type": "remix_moment"})
    assert (await next_message(comm, "error"))["code"] == "throttled"
    await comm.disconnect()


def test_ticker_snapshots_between_ticks_and_reports_backend_errors():
    class NoSnapshots(EngineBackend):
        name = "engine-nosnap"

        def snapshot(self, state):
            raise NotImplementedError("no snapshots here")

    for backend, ok in ((EngineBackend(), True), (NoSnapshots(), False)):
        ticker = SessionTicker(backend, fps=50)
        frames: list = []
        session = ticker.open(
            WorldSetup(prompt="a forest", mechanics=("collectibles",), seed=3), _collector(frames)
        ).result(timeout=30)
        while len(frames) < 5:
            time.sleep(0.01)
        future = ticker.snapshot(session)
        if ok:
            state, pixels = future.result(timeout=5)
            restored, first = backend.reset(WorldSetup(prompt="ignored", spawn_state=state))
            assert restored.ticks >= 4 and np.array_equal(first, pixels)
        else:
            with pytest.raises(NotImplementedError):
                future.result(timeout=5)
        ticker.close(session)
        with pytest.raises(RuntimeError):
            ticker.snapshot(session).result(timeout=5)


def _collector(frames: list):
    """A ticker frame sink appending every frame to `frames`."""
    return lambda frame, error: frames.append(frame)
