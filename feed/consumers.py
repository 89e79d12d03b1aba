"""The play socket: one live session of one world per connection (protocol: docs/protocol.md).

The consumer validates input at the edge and relays it to the session task on the inference
queue; frames come back through the channel layer and go out as binary messages, at most
WORLDFEED_FRAMES_IN_FLIGHT ahead of the client's acks (older ones are dropped, the newest wins).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.exceptions import ValidationError
from limits import parse as parse_limit
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from feed import services
from feed.play_activity import ActivityTracker
from feed.play_messages import (
    AckMessage,
    ActionMessage,
    BadMessage,
    PingMessage,
    RemixMomentMessage,
    ReportMessage,
    parse_client_message,
)
from feed.selectors import play_sessions_open_count
from feed.viewers import viewer_key_for
from inference.codec import unpack_frame
from inference.tasks import run_play_session
from worlds.selectors import world_get_visible, world_play_setup
from worlds.services import moment_capture

log = logging.getLogger(__name__)

CLOSE_NOT_FOUND = 4404
CLOSE_TOO_MANY_SESSIONS = 4429
_limiter = MovingWindowRateLimiter(MemoryStorage())
#: How long the session may take to answer a remix_moment before the client hears "snapshot_failed".
MOMENT_TIMEOUT_SECONDS = 5.0
REPORT_CLIP_SECONDS = 10


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
        self.activity: ActivityTracker | None = None  # measures play for the recommender (issue 6)
        self.spawn_point_id: int | None = None
        self.reported_activity: dict | None = None
        self.action_limit = parse_limit(f"{settings.WORLDFEED_MAX_ACTIONS_PER_SECOND}/second")
        self.moment_limit = parse_limit(settings.WORLDFEED_RATE_LIMITS["moment"])
        self.report_limit = parse_limit(settings.WORLDFEED_RATE_LIMITS["report"])
        # The frames sent in the last REPORT_CLIP_SECONDS, so a report from live play carries what was seen.
        self.recent_frames: deque[bytes] = deque(maxlen=int(settings.WORLDFEED_FPS * REPORT_CLIP_SECONDS))
        self.moment_waiter: asyncio.Task | None = None

        world_id = int(self.scope["url_route"]["kwargs"]["world_id"])
        # Published worlds for everyone; a creator may also test-play their own draft (worlds.selectors).
        self.world = await database_sync_to_async(world_get_visible)(
            world_id=world_id, user=self.scope.get("user")
        )
        await self.accept()
        if self.world is None:
            await self.send_json({"type": "error", "code": "not_found", "detail": "no such world"})
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.viewer_key = viewer_key_for(user=self.scope.get("user"), session=self.scope.get("session")) or (
            f"c:{self.channel_name[-24:]}"
        )
        open_sessions = await database_sync_to_async(play_sessions_open_count)(viewer_key=self.viewer_key)
        if open_sessions >= settings.WORLDFEED_MAX_SESSIONS_PER_VIEWER:
            await self.send_json(
                {
                    "type": "error",
                    "code": "too_many_sessions",
                    "detail": f"at most {settings.WORLDFEED_MAX_SESSIONS_PER_VIEWER} worlds at once",
                }
            )
            await self.close(code=CLOSE_TOO_MANY_SESSIONS)
            return
        setup = await database_sync_to_async(world_play_setup)(world=self.world)
        seed = _query_seed(self.scope)
        setup["seed"] = setup["seed"] if seed is None else seed
        session = await database_sync_to_async(services.play_session_start)(
            world=self.world, viewer_key=self.viewer_key, user=self.scope.get("user"), seed=setup["seed"]
        )
        self.session_id = session.pk
        setup["sample_key"] = f"{self.world.pk}:{session.pk}"  # live frames reach moderation's scanners
        self.activity = ActivityTracker(
            mechanics=setup.get("mechanics"), fps=settings.WORLDFEED_FPS, now=time.monotonic()
        )
        self.spawn_point_id = setup.get("spawn_point")
        await self.send_json({"type": "session", "state": "starting", "world": self.world.pk})
        await sync_to_async(run_play_session.apply_async, thread_sensitive=False)(
            kwargs={"reply_channel": self.channel_name, "setup": setup},
            queue=settings.WORLDFEED_INFERENCE_QUEUE,
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
        elif isinstance(message, RemixMomentMessage):
            await self._on_remix_moment()
        elif isinstance(message, ReportMessage):
            await self._on_report(message)

    async def _on_action(self, message: ActionMessage) -> None:
        if not await _limiter.hit(self.action_limit, self.channel_name):
            await self._error(
                "throttled", f"at most {settings.WORLDFEED_MAX_ACTIONS_PER_SECOND} actions per second"
            )
            return
        if message.seq <= self.last_seq:
            await self._error("bad_message", f"action.seq must increase (last was {self.last_seq})")
            return
        self.last_seq = message.seq
        self.action_count += 1
        self.buttons_used |= message.buttons
        if self.activity is not None:
            self.activity.on_action(message.buttons, time.monotonic())
        if self.input_channel is None:
            self.pending_action = message  # applied as soon as the session is live
            return
        await self._forward(message)

    async def _on_report(self, message: ReportMessage) -> None:
        """Report the world with this session's last seconds of frames (moderation.services.report_create)."""
        from moderation.services import report_create
        from worlds.forms import ReportForm

        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self._error("report_login", "log in to report a world")
            return
        if not await _limiter.hit(self.report_limit, "report", self.viewer_key):
            await self._error("report_throttled", "you have sent a lot of reports; try again later")
            return
        form = ReportForm(data={"reason": message.reason, "details": message.details})
        if not form.is_valid():
            await self._error(
                "report_invalid", " ".join(e for errors in form.errors.values() for e in errors)
            )
            return
        frames = [unpack_frame(data)[1] for data in self.recent_frames]
        case = await database_sync_to_async(report_create)(
            world=self.world,
            reporter=user,
            reason=form.report_reason(),
            session_frames=frames or None,
            session_fps=settings.WORLDFEED_FPS,
        )
        await self.send_json({"type": "reported", "case": case.pk, "frames": len(frames)})

    async def _on_remix_moment(self) -> None:
        """Ask the session for a snapshot of this moment; `play_moment` stores it and answers the client."""
        if self.world.status != "published":
            await self._error("not_remixable", "only published worlds can be remixed from a moment")
        elif self.input_channel is None:
            await self._error("not_live", "the world is not running yet")
        elif self.moment_waiter is not None:
            await self._error("busy", "a moment is already being captured")
        elif not await _limiter.hit(self.moment_limit, "moment", self.viewer_key):
            await self._error("throttled", f"at most {settings.WORLDFEED_RATE_LIMITS['moment']} moments")
        else:
            await self.channel_layer.send(self.input_channel, {"type": "session.snapshot"})
            self.moment_waiter = asyncio.create_task(self._moment_deadline())
            self.helpers.append(self.moment_waiter)

    async def _moment_deadline(self) -> None:
        await asyncio.sleep(MOMENT_TIMEOUT_SECONDS)
        self.moment_waiter = None
        await self._error("snapshot_failed", "the world did not save this moment in time; try again")

    async def _forward(self, message: ActionMessage) -> None:
        await self.channel_layer.send(
            self.input_channel, {"type": "session.input", "buttons": message.buttons, "seq": message.seq}
        )

    # --- session -> client (channel layer handlers) ----------------------------------------------
    async def play_live(self, event: dict) -> None:
        self.input_channel = event["input_channel"]
        self.helpers.append(asyncio.create_task(self._keepalive()))
        await database_sync_to_async(services.play_session_live)(
            session_id=self.session_id, backend=event["backend"]
        )
        await self.send_json(
            {
                "type": "session",
                "state": "live",
                "fps": event["fps"],
                "width": event["width"],
                "height": event["height"],
                "backend": event["backend"],
            }
        )
        if self.pending_action is not None:
            await self._forward(self.pending_action)
            self.pending_action = None

    async def play_frame(self, event: dict) -> None:
        if event["seq"] - self.last_ack > settings.WORLDFEED_FRAMES_IN_FLIGHT and self.frames_sent:
            self.frames_dropped += 1  # the client is behind: skip this one, a newer frame follows
            return
        self.frames_sent += 1
        await self.send(bytes_data=event["data"])
        self.recent_frames.append(event["data"])

    async def play_moment(self, event: dict) -> None:
        """The session's snapshot (or its error): store it as a Moment and tell the client where to remix."""
        if self.moment_waiter is None:
            return  # too late: the client already heard snapshot_failed
        self.moment_waiter.cancel()
        self.moment_waiter = None
        if event.get("error") or not event.get("state"):
            await self._error("snapshot_failed", "this world model cannot save moments")
            return
        try:
            moment = await database_sync_to_async(moment_capture)(
                world=self.world,
                state=event["state"],
                backend=event.get("backend", ""),
                preview=event.get("preview") or b"",
                tick=event.get("tick", 0),
                session_id=self.session_id,
                user=self.scope.get("user"),
                viewer_key=self.viewer_key,
            )
        except ValidationError as error:
            await self._error("snapshot_failed", " ".join(error.messages))
            return
        await self.send_json(
            {
                "type": "moment",
                "id": str(moment.pk),
                "remix_url": f"/w/{self.world.pk}/remix/?moment={moment.pk}",
                "preview_url": f"/m/{moment.pk}.jpg",
            }
        )

    async def play_ended(self, event: dict) -> None:
        self.input_channel = None
        self.reported_activity = event.get("activity")  # measured by the session, when it reports it
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
        activity = None
        if self.activity is not None:
            activity = self.activity.finish(
                time.monotonic(), reported=self.reported_activity, spawn_point_id=self.spawn_point_id
            )
        await database_sync_to_async(services.play_session_end)(
            session_id=self.session_id,
            reason=reason,
            action_count=self.action_count,
            buttons_used=self.buttons_used,
            frames_sent=self.frames_sent,
            frames_dropped=self.frames_dropped,
            activity=activity,
        )

    async def _error(self, code: str, detail: str) -> None:
        await self.send_json({"type": "error", "code": code, "detail": detail})

    async def send_json(self, content: dict) -> None:
        await self.send(text_data=json.dumps(content))


def _query_seed(scope: dict) -> int | None:
    """The optional ?seed= of the socket URL (digits only), else None."""
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("seed")
    if values and values[0].isdigit() and len(values[0]) <= 9:
        return int(values[0])
    return None
