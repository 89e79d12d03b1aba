"""The play socket: one live session of one world per connection (protocol: docs/protocol.md).

The consumer validates input at the edge and relays it to the session task on the inference
queue; frames come back through the channel layer and go out as binary messages, at most
WORLDFEED_FRAMES_IN_FLIGHT ahead of the client's acks (older ones are dropped, the newest wins).
"""

from __future__ import annotations

import asyncio
import json
import logging

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from limits import parse as parse_limit
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from feed import services
from feed.play_messages import AckMessage, ActionMessage, BadMessage, PingMessage, parse_client_message
from feed.viewers import viewer_key_for
from inference.tasks import run_play_session
from worlds.selectors import world_get_published, world_play_setup

log = logging.getLogger(__name__)

CLOSE_NOT_FOUND = 4404
_action_limiter = MovingWindowRateLimiter(MemoryStorage())


class PlayConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.input_channel: str | None = None
        self.session_id: int | None = None
        self.pending_action: ActionMessage | None = None
        self.action_count = self.buttons_used = 0
        self.frames_sent = self.frames_dropped = self.last_ack = 0
        self.last_seq = 0
        self.ended = False
        self.helpers: list[asyncio.Task] = []
        self.action_limit = parse_limit(f"{settings.WORLDFEED_MAX_ACTIONS_PER_SECOND}/second")

        world_id = int(self.scope["url_route"]["kwargs"]["world_id"])
        self.world = await database_sync_to_async(world_get_published)(world_id=world_id)
        await self.accept()
        if self.world is None:
            await self.send_json({"type": "error", "code": "not_found", "detail": "no such published world"})
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.viewer_key = viewer_key_for(user=self.scope.get("user"), session=self.scope.get("session")) or (
            f"c:{self.channel_name[-24:]}"
        )
        setup = world_play_setup(world=self.world)
        setup["seed"] = _query_seed(self.scope) if _query_seed(self.scope) is not None else setup["seed"]
        session = await database_sync_to_async(services.play_session_start)(
            world=self.world, viewer_key=self.viewer_key, user=self.scope.get("user"), seed=setup["seed"]
        )
        self.session_id = session.pk
        await self.send_json({"type": "session", "state": "starting", "world": self.world.pk})
        await sync_to_async(run_play_session.apply_async, thread_sensitive=False)(
            kwargs={"reply_channel": self.channel_name, "setup": setup}, queue=settings.WORLDFEED_INFERENCE_QUEUE
        )
        self.helpers.append(asyncio.create_task(self._start_deadline()))

    async def disconnect(self, code: int) -> None:
        for task in getattr(self, "helpers", []):
            task.cancel()
        if getattr(self, "input_channel", None):
            await self.channel_layer.send(self.input_channel, {"type": "session.stop"})
        await self._record_end("closed")

    # --- client -> server ----------------------------------------------------------------------
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None:
            await self._error("binary_not_accepted", "send JSON text messages")
            return
        try:
            message = parse_client_message(text_data, max_bytes=settings.WORLDFEED_MAX_MESSAGE_BYTES)
        except BadMessage as error:
            await self._error(error.code, error.detail)
            return
        if isinstance(message, ActionMessage):
            await self._on_action(message)
        elif isinstance(message, AckMessage):
            self.last_ack = max(self.last_ack, message.frame)
        elif isinstance(message, PingMessage):
            await self.send_json({"type": "pong", "t": message.t})

    async def _on_action(self, message: ActionMessage) -> None:
        if not await _action_limiter.hit(self.action_limit, self.channel_name):
            await self._error("throttled", f"at most {settings.WORLDFEED_MAX_ACTIONS_PER_SECOND} actions per second")
            return
        if message.seq <= self.last_seq:
            await self._error("bad_message", f"action.seq must increase (last was {self.last_seq})")
            return
        self.last_seq = message.seq
        self.action_count += 1
        self.buttons_used |= message.buttons
        if self.input_channel is None:
            self.pending_action = message  # applied as soon as the session is live
            return
        await self._forward(message)

    async def _forward(self, message: ActionMessage) -> None:
        await self.channel_layer.send(
            self.input_channel, {"type": "session.input", "buttons": message.buttons, "seq": message.seq}
        )

    # --- session -> client (channel layer handlers) ----------------------------------------------
    async def play_live(self, event: dict) -> None:
        self.input_channel = event["input_channel"]
        self.helpers.append(asyncio.create_task(self._keepalive()))
        await database_sync_to_async(services.play_session_live)(session_id=self.session_id, backend=event["backend"])
        await self.send_json({"type": "session", "state": "live", "fps": event["fps"], "width": event["width"],
                              "height": event["height"], "backend": event["backend"]})
        if self.pending_action is not None:
            await self._forward(self.pending_action)
            self.pending_action = None

    async def play_frame(self, event: dict) -> None:
        if event["seq"] - self.last_ack > settings.WORLDFEED_FRAMES_IN_FLIGHT and self.frames_sent:
            self.frames_dropped += 1  # the client is behind: skip this one, a newer frame follows
            return
        self.frames_sent += 1
        await self.send(bytes_data=event["data"])

    async def play_ended(self, event: dict) -> None:
        self.input_channel = None
        await self._end(event["reason"], code=1011 if event["reason"] == "error" else 1000)

    # --- helpers ---------------------------------------------------------------------------------
    async def _keepalive(self) -> None:
        while self.input_channel:
            await self.channel_layer.send(self.input_channel, {"type": "session.keepalive"})
            await asyncio.sleep(settings.WORLDFEED_KEEPALIVE_SECONDS)

    async def _start_deadline(self) -> None:
        await asyncio.sleep(settings.WORLDFEED_SESSION_START_TIMEOUT)
        if self.input_channel is None and not self.ended:
            log.warning("no inference worker picked up session %s", self.session_id)
            await self._end("unavailable", code=1011)

    async def _end(self, reason: str, *, code: int) -> None:
        await self.send_json({"type": "session", "state": "ended", "reason": reason})
        await self._record_end(reason)
        await self.close(code=code)

    async def _record_end(self, reason: str) -> None:
        if self.ended or self.session_id is None:
            return
        self.ended = True
        await database_sync_to_async(services.play_session_end)(
            session_id=self.session_id, reason=reason, action_count=self.action_count,
            buttons_used=self.buttons_used, frames_sent=self.frames_sent, frames_dropped=self.frames_dropped,
        )

    async def _error(self, code: str, detail: str) -> None:
        await self.send_json({"type": "error", "code": code, "detail": detail})

    async def send_json(self, content: dict) -> None:
        await self.send(text_data=json.dumps(content))


def _query_seed(scope: dict) -> int | None:
    from urllib.parse import parse_qs

    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("seed")
    if values and values[0].isdigit() and len(values[0]) <= 9:
        return int(values[0])
    return None


