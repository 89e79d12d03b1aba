"""A live play session: the loop one Celery task runs for one socket.

Messages on the channel layer (all plain dicts, msgpack-safe):
  session -> consumer (reply channel):  play.live {input_channel, fps, width, height, backend}
                                        play.frame {seq, data: header+image bytes}
                                        play.ended {reason}
                                        play.moment {state, preview, tick, backend} | {error}
  consumer -> session (input channel):  session.input {buttons, seq}
                                        session.keepalive {}
                                        session.stop {}
                                        session.snapshot {}  (answered with play.moment)
The session ends on session.stop, when keepalives stop for WORLDFEED_KEEPALIVE_TIMEOUT (socket gone),
after WORLDFEED_IDLE_SECONDS without input, or on a backend error.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass, replace

from channels.layers import BaseChannelLayer, get_channel_layer
from django.conf import settings

from inference.backends.base import WorldSetup
from inference.batching import Frame, SessionTicker, TickedSession
from inference.codec import encode_image, pack_frame

log = logging.getLogger(__name__)

#: Callables `(sample_key, pixels, buttons)` handed every frame a session sends, with the held buttons it
#: was stepped with, e.g. moderation's live scanners (which register themselves, so inference never
#: imports moderation). They must be cheap and not block.
FRAME_OBSERVERS: list = []


@dataclass(frozen=True)
class SessionLimits:
    idle_seconds: float
    keepalive_timeout: float
    codec: str
    quality: int

    @classmethod
    def from_settings(cls) -> SessionLimits:
        return cls(
            idle_seconds=settings.WORLDFEED_IDLE_SECONDS,
            keepalive_timeout=settings.WORLDFEED_KEEPALIVE_TIMEOUT,
            codec=settings.WORLDFEED_FRAME_CODEC,
            quality=settings.WORLDFEED_FRAME_QUALITY,
        )


class _LatestFrame:
    """A one-slot mailbox filled from the ticker thread: the newest frame replaces an unsent one."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.frame: Frame | None = None
        self.error: BaseException | None = None
        self.ready = asyncio.Event()
        self.dropped = 0

    def put_threadsafe(self, frame: Frame | None, error: BaseException | None) -> None:
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._put, frame, error)

    def _put(self, frame: Frame | None, error: BaseException | None) -> None:
        if frame is not None and self.frame is not None:
            self.dropped += 1
        if frame is not None:
            self.frame = frame
        self.error = error or self.error
        self.ready.set()

    async def take(self) -> Frame:
        await self.ready.wait()
        self.ready.clear()
        if self.error is not None:
            raise self.error
        frame, self.frame = self.frame, None
        return frame


async def serve_session(
    *,
    setup: WorldSetup,
    reply_channel: str,
    ticker: SessionTicker,
    limits: SessionLimits,
    layer: BaseChannelLayer | None = None,
    sample_key: str | None = None,
) -> str:
    """Run one session until it ends; return the end reason ("closed", "idle" or "error")."""
    layer = layer or get_channel_layer()
    loop = asyncio.get_running_loop()
    mailbox = _LatestFrame(loop)
    input_channel = f"play.input.{uuid.uuid4().hex}"
    try:
        session: TickedSession = await asyncio.wrap_future(ticker.open(setup, mailbox.put_threadsafe))
    except Exception:
        if setup.spawn_state is None:
            log.exception("could not start a session")
            await layer.send(reply_channel, {"type": "play.ended", "reason": "error"})
            return "error"
        # A spawn state from another backend (or an older snapshot format): play from the beginning instead.
        log.warning(
            "spawn state rejected by %s; starting the world from its beginning",
            ticker.backend.name,
            exc_info=True,
        )
        return await serve_session(
            setup=replace(setup, spawn_state=None),
            reply_channel=reply_channel,
            ticker=ticker,
            limits=limits,
            layer=layer,
            sample_key=sample_key,
        )
    height, width = ticker.backend.frame_shape
    await layer.send(
        reply_channel,
        {
            "type": "play.live",
            "input_channel": input_channel,
            "fps": ticker.fps,
            "width": width,
            "height": height,
            "backend": ticker.backend.name,
        },
    )
    clock = {"input": time.monotonic(), "keepalive": time.monotonic()}
    tasks = [
        asyncio.create_task(
            _receive_inputs(
                layer,
                input_channel,
                session,
                clock,
                snapshot=lambda: _send_moment(layer, reply_channel, ticker, session, limits),
            ),
            name="inputs",
        ),
        asyncio.create_task(_send_frames(layer, reply_channel, mailbox, limits, sample_key), name="frames"),
        asyncio.create_task(_watch(clock, limits), name="watchdog"),
    ]
    reason = "error"
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finished = done.pop()
        reason = finished.result() if not finished.exception() else "error"
        if finished.exception():
            log.error("session ended by error", exc_info=finished.exception())
    finally:
        ticker.close(session)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    if reason != "closed":
        await layer.send(reply_channel, {"type": "play.ended", "reason": reason})
    return reason


async def _receive_inputs(
    layer, input_channel: str, session: TickedSession, clock: dict, *, snapshot=None
) -> str:
    pending: set[asyncio.Task] = set()  # snapshots in flight; the loop keeps receiving input meanwhile
    while True:
        message = await layer.receive(input_channel)
        kind = message.get("type")
        now = time.monotonic()
        clock["keepalive"] = now
        if kind == "session.input":
            clock["input"] = now
            session.set_action(int(message["buttons"]), int(message["seq"]))
        elif kind == "session.snapshot" and snapshot is not None:
            task = asyncio.create_task(snapshot())
            pending.add(task)
            task.add_done_callback(pending.discard)
        elif kind == "session.stop":
            return "closed"


async def _send_moment(
    layer, reply_channel: str, ticker: SessionTicker, session: TickedSession, limits: SessionLimits
) -> None:
    """Snapshot the session (on the ticker thread) and send play.moment with the state and its frame."""
    try:
        state, pixels = await asyncio.wrap_future(ticker.snapshot(session))
        preview = encode_image(pixels, "jpeg", limits.quality) if pixels is not None else b""
        message = {
            "type": "play.moment",
            "state": state,
            "preview": preview,
            "tick": session.state.ticks,
            "backend": ticker.backend.name,
        }
    except Exception as error:  # e.g. NotImplementedError: this backend cannot snapshot
        log.warning("snapshot failed: %s", error)
        message = {"type": "play.moment", "error": str(error)[:200] or type(error).__name__}
    await layer.send(reply_channel, message)


async def _send_frames(
    layer, reply_channel: str, mailbox: _LatestFrame, limits: SessionLimits, sample_key: str | None = None
) -> str:
    while True:
        frame = await mailbox.take()
        if sample_key:
            for observe in FRAME_OBSERVERS:
                observe(sample_key, frame.pixels, frame.buttons)
        image = encode_image(frame.pixels, limits.codec, limits.quality)
        data = pack_frame(
            image=image,
            codec=limits.codec,
            seq=frame.seq,
            action_seq=frame.action_seq,
            produced_at=frame.produced_at,
        )
        try:
            await layer.send(reply_channel, {"type": "play.frame", "seq": frame.seq, "data": data})
        except Exception as error:  # ChannelFull: the consumer is not draining; the newest frame wins
            if type(error).__name__ != "ChannelFull":
                raise
            mailbox.dropped += 1


async def _watch(clock: dict, limits: SessionLimits) -> str:
    while True:
        await asyncio.sleep(0.1)
        now = time.monotonic()
        if now - clock["keepalive"] > limits.keepalive_timeout:
            return "closed"
        if now - clock["input"] > limits.idle_seconds:
            return "idle"


def session_run(*, setup: WorldSetup, reply_channel: str, sample_key: str | None = None) -> str:
    """Blocking entry point for the task: serve the session on this thread's own event loop.

    sample_key names the session to FRAME_OBSERVERS (live moderation); None skips them.
    """
    from inference.serving import get_ticker

    return asyncio.run(
        serve_session(
            setup=setup,
            reply_channel=reply_channel,
            ticker=get_ticker(),
            limits=SessionLimits.from_settings(),
            sample_key=sample_key,
        )
    )
