"""An in-memory channel layer that works across threads and event loops of one process.

Channels' own InMemoryChannelLayer keeps asyncio.Queues, which belong to one event loop. In the
embedded set-up (`make run`) the play consumer runs on daphne's loop while each session task runs
its own loop in an in-process Celery worker thread, so both ends must share a queue that any loop
can wait on. Production uses channels-redis instead; both are driven through the same layer API.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from copy import deepcopy

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer


class _Mailbox:
    """A bounded FIFO of (expires_at, message) with waiters from any event loop."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.items: deque[tuple[float, dict]] = deque()
        self.waiters: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future]] = deque()


class ThreadSafeInMemoryChannelLayer(InMemoryChannelLayer):
    """InMemoryChannelLayer whose send/receive may be awaited from any thread's event loop."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._lock = threading.Lock()
        self.channels: dict[str, _Mailbox] = {}

    async def send(self, channel: str, message: dict) -> None:
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        item = (time.time() + self.expiry, deepcopy(message))
        with self._lock:
            box = self.channels.setdefault(channel, _Mailbox(self.get_capacity(channel)))
            # Hand the message straight to a live waiter if there is one.
            while box.waiters:
                loop, future = box.waiters.popleft()
                if not future.done() and not loop.is_closed():
                    loop.call_soon_threadsafe(self._deliver, channel, future, item)
                    return
            if len(box.items) >= box.capacity:
                raise ChannelFull(channel)
            box.items.append(item)

    async def receive(self, channel: str) -> dict:
        self.require_valid_channel_name(channel)
        self._clean_expired()
        loop = asyncio.get_running_loop()
        with self._lock:
            box = self.channels.setdefault(channel, _Mailbox(self.get_capacity(channel)))
            if box.items:
                _, message = box.items.popleft()
                return message
            future = loop.create_future()
            box.waiters.append((loop, future))
        try:
            return await future
        finally:
            with self._lock:
                if (loop, future) in box.waiters:
                    box.waiters.remove((loop, future))
                if not box.items and not box.waiters and self.channels.get(channel) is box:
                    del self.channels[channel]

    def _clean_expired(self) -> None:
        now = time.time()
        with self._lock:
            for name, box in list(self.channels.items()):
                expired = False
                while box.items and box.items[0][0] < now:
                    box.items.popleft()
                    expired = True
                if expired:
                    self._remove_from_groups(name)
                if not box.items and not box.waiters:
                    del self.channels[name]
        timeout = int(now) - self.group_expiry
        for members in self.groups.values():
            for name, joined in list(members.items()):
                if joined and joined < timeout:
                    members.pop(name, None)

    async def flush(self) -> None:
        with self._lock:
            self.channels = {}
            self.groups = {}

    def _deliver(self, channel: str, future: asyncio.Future, item: tuple[float, dict]) -> None:
        """Runs on the waiter's loop; a waiter cancelled meanwhile puts the message back first in line."""
        if not future.done():
            future.set_result(item[1])
            return
        with self._lock:
            self.channels.setdefault(channel, _Mailbox(self.get_capacity(channel))).items.appendleft(item)
