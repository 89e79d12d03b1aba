"""The play socket end to end on the embedded stack: consumer -> Celery worker -> ticker -> backend."""

import asyncio
import json
import time

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from feed.models import EngagementEvent, PlaySession
from inference.codec import unpack_frame
from inference.serving import get_ticker
from tests.factories import WorldFactory
from worlds.models import World

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("embedded_worker")]


def communicator(world_id) -> WebsocketCommunicator:
    return WebsocketCommunicator(
        application, f"/ws/play/{world_id}/", headers=[(b"origin", b"http://localhost")]
    )


async def receive_json(comm, timeout=5):
    """Next text message, skipping binary frames."""
    deadline = time.monotonic() + timeout
    while True:
        message = await comm.receive_output(timeout=max(0.05, deadline - time.monotonic()))
        if message["type"] == "websocket.send" and message.get("text"):
            return json.loads(message["text"])
        if message["type"] == "websocket.close":
            return {"closed": message.get("code")}


async def receive_frame(comm, timeout=5):
    """Next binary frame (header, image bytes), acking it as a client must; skips text messages."""
    deadline = time.monotonic() + timeout
    while True:
        message = await comm.receive_output(timeout=max(0.05, deadline - time.monotonic()))
        if message.get("bytes"):
            header, image = unpack_frame(message["bytes"])
            await comm.send_json_to({"type": "ack", "frame": header.seq})
            return header, image
        assert message["type"] != "websocket.close", f"socket closed: {message}"


async def start_live(world_id):
    comm = communicator(world_id)
    connected, _ = await comm.connect(timeout=5)
    assert connected
    assert await receive_json(comm) == {"type": "session", "state": "starting", "world": world_id}
    live = await receive_json(comm, timeout=40)
    assert live["state"] == "live", live
    return comm, live


async def wait_for_no_sessions(timeout=2.0):
    ticker = get_ticker()
    deadline = time.monotonic() + timeout
    while ticker.open_sessions and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    return ticker.open_sessions


@pytest.fixture
def world():
    return WorldFactory(mechanics=["collectibles"])


async def test_unknown_and_unpublished_worlds_close_with_4404():
    draft = await database_sync_to_async(WorldFactory)(status=World.Status.DRAFT)
    for world_id in (999999, draft.pk):
        comm = communicator(world_id)
        connected, _ = await comm.connect(timeout=5)
        assert connected
        assert (await receive_json(comm))["type"] == "error"
        assert (await receive_json(comm)) == {"closed": 4404}


async def test_live_frames_carry_sequence_and_applied_action(world):
    comm, live = await start_live(world.pk)
    assert (live["width"], live["height"], live["fps"], live["backend"]) == (128, 128, 20, "engine")
    first, image = await receive_frame(comm)
    assert first.seq >= 1 and image[:2] == b"\xff\xd8"  # JPEG

    await comm.send_json_to({"type": "action", "seq": 1, "buttons": ["right"]})
    for _ in range(40):
        header, image = await receive_frame(comm)
        if header.action_seq == 1:
            break
    assert header.action_seq == 1
    later, _later_image = (await receive_frame(comm)), None
    assert later[0].seq > header.seq
    await comm.disconnect()
    assert await wait_for_no_sessions() == 0


async def test_world_keeps_ticking_without_input(world):
    comm, _ = await start_live(world.pk)
    seqs = [(await receive_frame(comm))[0].seq for _ in range(12)]
    assert seqs == sorted(seqs) and seqs[-1] - seqs[0] >= 11
    await comm.disconnect()


async def test_bad_messages_get_errors_and_the_socket_stays_open(world):
    comm, _ = await start_live(world.pk)
    for payload, code in [
        ("{oops", "bad_json"),
        (json.dumps({"type": "action", "seq": 1, "buttons": ["fly"]}), "bad_message"),
        (json.dumps({"type": "ping", "pad": "x" * 5000}), "too_large"),
    ]:
        await comm.send_to(text_data=payload)
        reply = await receive_json(comm)
        assert reply["type"] == "error" and reply["code"] == code
    await comm.send_to(bytes_data=b"\x00\x01")
    assert (await receive_json(comm))["code"] == "binary_not_accepted"
    await comm.send_json_to({"type": "ping", "t": 77})
    assert await receive_json(comm) == {"type": "pong", "t": 77}
    await comm.disconnect()


async def test_more_than_60_actions_per_second_are_throttled(world):
    comm, _ = await start_live(world.pk)
    for seq in range(1, 81):
        await comm.send_json_to({"type": "action", "seq": seq, "buttons": ["left"] if seq % 2 else []})
    codes = []
    deadline = time.monotonic() + 5
    while len(codes) < 20 and time.monotonic() < deadline:
        message = await receive_json(comm)
        if message.get("type") == "error":
            codes.append(message["code"])
    assert codes.count("throttled") == 20
    await comm.send_json_to({"type": "ping", "t": 1})  # still open
    assert (await receive_json(comm))["type"] in {"pong", "error"}
    await comm.disconnect()


async def test_unacked_client_gets_at_most_the_in_flight_window(world, settings):
    comm, _ = await start_live(world.pk)
    await asyncio.sleep(1.0)  # 20 ticks pass; a client that never acks
    received = 0
    while not comm.output_queue.empty():
        received += bool(comm.output_queue.get_nowait().get("bytes"))
    assert 1 <= received <= settings.WORLDFEED_FRAMES_IN_FLIGHT + 1
    await comm.send_json_to({"type": "ack", "frame": 10_000})  # catching up resumes the stream
    await receive_frame(comm)
    await comm.disconnect()


async def test_closing_the_socket_frees_the_session_and_records_it(world):
    comm, _ = await start_live(world.pk)
    await comm.send_json_to({"type": "action", "seq": 1, "buttons": ["up"]})
    await comm.send_json_to({"type": "action", "seq": 2, "buttons": ["up", "jump"]})
    await receive_frame(comm)
    closed_at = time.monotonic()
    await comm.disconnect()
    assert await wait_for_no_sessions(timeout=2.0) == 0
    assert time.monotonic() - closed_at < 2.0

    session = await database_sync_to_async(PlaySession.objects.get)(world=world)
    assert session.ended_at and session.duration_ms > 0 and session.end_reason == "closed"
    assert session.action_count == 2 and session.buttons_used == 1 | 16 and session.frames_sent >= 1
    kinds = await database_sync_to_async(
        lambda: sorted(EngagementEvent.objects.values_list("kind", flat=True))
    )()
    assert kinds == ["play_end", "play_start"]


async def test_idle_session_ends_and_closes(world, settings):
    settings.WORLDFEED_IDLE_SECONDS = 1.0
    comm, _ = await start_live(world.pk)
    for _ in range(60):
        message = await receive_json(comm, timeout=5)
        if message.get("state") == "ended" or "closed" in message:
            break
    assert message == {"type": "session", "state": "ended", "reason": "idle"}
    assert await receive_json(comm) == {"closed": 1000}
    assert await wait_for_no_sessions() == 0


async def test_a_viewer_gets_a_limited_number_of_concurrent_sessions(world, settings):
    settings.WORLDFEED_MAX_SESSIONS_PER_VIEWER = 2
    # Anonymous communicators have no session cookie, so give all three one viewer via the same cookie.
    from django.contrib.sessions.backends.db import SessionStore

    store = await database_sync_to_async(SessionStore)()
    await database_sync_to_async(store.create)()
    cookie = (b"cookie", f"sessionid={store.session_key}".encode())

    def viewer_comm():
        return WebsocketCommunicator(
            application, f"/ws/play/{world.pk}/", headers=[(b"origin", b"http://localhost"), cookie]
        )

    first, second, third = viewer_comm(), viewer_comm(), viewer_comm()
    for comm in (first, second):
        assert (await comm.connect(timeout=5))[0]
        assert (await receive_json(comm))["state"] == "starting"
    assert (await third.connect(timeout=5))[0]
    assert (await receive_json(third))["code"] == "too_many_sessions"
    assert await receive_json(third) == {"closed": 4429}
    await first.disconnect()
    await second.disconnect()


async def test_report_from_live_play_attaches_the_frames_sent(world):
    from asgiref.sync import sync_to_async
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from moderation.models import ReviewCase

    user = await sync_to_async(get_user_model().objects.create_user)("reporter", password="pw-123456789")
    store = await database_sync_to_async(SessionStore)()
    store["_auth_user_id"], store["_auth_user_backend"] = (
        str(user.pk),
        "django.contrib.auth.backends.ModelBackend",
    )
    store["_auth_user_hash"] = user.get_session_auth_hash()
    await database_sync_to_async(store.save)()
    comm = WebsocketCommunicator(
        application,
        f"/ws/play/{world.pk}/",
        headers=[(b"origin", b"http://localhost"), (b"cookie", f"sessionid={store.session_key}".encode())],
    )
    assert (await comm.connect(timeout=5))[0]
    assert (await receive_json(comm))["state"] == "starting"
    assert (await receive_json(comm, timeout=40))["state"] == "live"
    for _ in range(10):
        await receive_frame(comm)
    await comm.send_json_to({"type": "report", "reason": "nonsense", "details": ""})
    assert (await receive_json(comm))["code"] == "report_invalid"
    await comm.send_json_to({"type": "report", "reason": "broken", "details": "it <b>flickers</b>"})
    reply = await receive_json(comm, timeout=20)
    assert reply["type"] == "reported" and reply["frames"] >= 10
    case = await database_sync_to_async(ReviewCase.objects.get)(pk=reply["case"])
    assert case.world_id == world.pk and "flickers" in case.summary and case.clip_frames >= 10
    await comm.disconnect()


async def test_anonymous_reports_over_the_socket_ask_to_log_in(world):
    comm, _ = await start_live(world.pk)
    await comm.send_json_to({"type": "report", "reason": "broken"})
    assert (await receive_json(comm))["code"] == "report_login"
    await comm.disconnect()
