"""The embedded channel layer carries messages between event loops of different threads."""

import asyncio
import threading

import pytest
from channels.exceptions import ChannelFull

from config.channel_layers import ThreadSafeInMemoryChannelLayer


def test_message_sent_on_one_loop_is_received_on_another():
    layer = ThreadSafeInMemoryChannelLayer()
    received = []

    def other_thread():
        received.append(asyncio.run(asyncio.wait_for(layer.receive("play.input.x"), 2)))

    thread = threading.Thread(target=other_thread)
    thread.start()
    asyncio.run(asyncio.sleep(0.05))  # let the other loop start waiting first
    asyncio.run(layer.send("play.input.x", {"type": "hello", "n": 1}))
    thread.join(3)
    assert received == [{"type": "hello", "n": 1}]


async def test_queued_messages_arrive_in_order_and_capacity_is_enforced():
    layer = ThreadSafeInMemoryChannelLayer(capacity=3)
    for n in range(3):
        await layer.send("c", {"type": "m", "n": n})
    with pytest.raises(ChannelFull):
        await layer.send("c", {"type": "m", "n": 3})
    assert [(await layer.receive("c"))["n"] for _ in range(3)] == [0, 1, 2]


async def test_cancelled_receiver_does_not_lose_messages():
    layer = ThreadSafeInMemoryChannelLayer()
    waiter = asyncio.create_task(layer.receive("c"))
    await asyncio.sleep(0.01)
    waiter.cancel()
    await layer.send("c", {"type": "m"})
    assert await asyncio.wait_for(layer.receive("c"), 1) == {"type": "m"}


async def test_groups_deliver_to_members():
    layer = ThreadSafeInMemoryChannelLayer()
    await layer.group_add("g", "a")
    await layer.group_add("g", "b")
    await layer.group_send("g", {"type": "m"})
    assert await layer.receive("a") == {"type": "m"} and await layer.receive("b") == {"type": "m"}
