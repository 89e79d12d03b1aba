"""A headless play-socket client that measures what a player would feel.

Used by `manage.py bench_play`; follows docs/protocol.md exactly (acks every frame, sends actions
as held-button changes) so its figures are those of a well-behaved browser.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from dataclasses import asdict, dataclass, field

import websockets

from inference.codec import unpack_frame


@dataclass
class PlayMeasurement:
    first_frame_ms: float | None = None
    frames: int = 0
    seconds: float = 0.0
    fps: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    end_state: str | None = None

    def summary(self) -> dict:
        data = asdict(self)
        lat = sorted(self.latencies_ms)
        data.pop("latencies_ms")
        data["latency_samples"] = len(lat)
        data["latency_p50_ms"] = round(statistics.median(lat), 1) if lat else None
        data["latency_p99_ms"] = round(lat[min(len(lat) - 1, int(0.99 * len(lat)))], 1) if lat else None
        return data


async def measure_play(
    url: str, *, origin: str, seconds: float, actions_per_second: float = 4.0
) -> PlayMeasurement:
    """Connect, play for `seconds` after the first frame, alternating held buttons; return the figures.

    first_frame_ms runs from opening the connection to the first frame; latency is from sending
    action n to the first frame whose header says action n was applied.
    """
    result = PlayMeasurement()
    started = time.perf_counter()
    sent_at: dict[int, float] = {}
    async with websockets.connect(url, origin=origin, max_size=2**20) as ws:
        live = asyncio.Event()

        async def send_actions() -> None:
            await live.wait()
            seq = 0
            while True:
                seq += 1
                buttons = [["right"], ["left"], ["up"], ["down", "jump"]][seq % 4]
                sent_at[seq] = time.perf_counter()
                await ws.send(json.dumps({"type": "action", "seq": seq, "buttons": buttons}))
                await asyncio.sleep(1 / actions_per_second)

        sender = asyncio.create_task(send_actions())
        play_started = None
        try:
            while play_started is None or time.perf_counter() - play_started < seconds:
                message = await asyncio.wait_for(ws.recv(), timeout=30)
                now = time.perf_counter()
                if isinstance(message, str):
                    data = json.loads(message)
                    if data.get("state") == "ended":
                        result.end_state = data.get("reason")
                        break
                    continue
                header, _image = unpack_frame(message)
                await ws.send(json.dumps({"type": "ack", "frame": header.seq}))
                if play_started is None:
                    play_started = now
                    result.first_frame_ms = (now - started) * 1000
                    live.set()
                result.frames += 1
                for seq in [s for s in sent_at if s <= header.action_seq]:
                    result.latencies_ms.append((now - sent_at.pop(seq)) * 1000)
        finally:
            sender.cancel()
        result.seconds = time.perf_counter() - (play_started or started)
        result.fps = result.frames / result.seconds if result.seconds else 0.0
    return result
