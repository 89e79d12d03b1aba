"""Measure live play end to end: first frame, delivered fps and input-to-frame latency.

    python manage.py bench_play                       # starts daphne + a Celery worker on Redis
    python manage.py bench_play --url ws://host:8000  # measures a running site instead

With no --url it starts the production topology on this machine: a throwaway SQLite database,
daphne, and `celery -A config worker -Q inference --pool threads`, both on Redis (channel layer +
broker, a unique key prefix on --redis-url, deleted afterwards), then connects --clients players.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config.celery import thread_worker_argv
from feed.play_client import measure_play


class Command(BaseCommand):
    help = "Benchmark live play: time to first frame, fps delivered, input-to-frame latency p50/p99."

    def add_arguments(self, parser):
        parser.add_argument(
            "--url", help="base ws:// URL of a running site; default: start a local Redis stack"
        )
        parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
        parser.add_argument("--world", type=int, help="world id (default: the first published world)")
        parser.add_argument("--clients", type=int, default=1, help="concurrent players")
        parser.add_argument(
            "--seconds", type=float, default=20.0, help="play time per client after its first frame"
        )
        parser.add_argument("--backend", default=None, help="dotted backend path for the started worker")
        parser.add_argument("--json", dest="json_path", help="also write the figures to this file")

    def handle(
        self,
        *args,
        url=None,
        redis_url=None,
        world=None,
        clients=1,
        seconds=20.0,
        backend=None,
        json_path=None,
        **options,
    ):
        if url:
            figures = self._measure(url.rstrip("/"), world or 1, clients, seconds)
        else:
            with local_redis_stack(redis_url, backend or settings.WORLDFEED_BACKEND, self.stderr) as (
                base,
                wid,
            ):
                figures = self._measure(base, world or wid, clients, seconds)
                figures["stack"] = {
                    "channel_layer": "channels_redis",
                    "broker": "redis",
                    "worker_pool": "threads",
                    "backend": backend or settings.WORLDFEED_BACKEND,
                }
        text = json.dumps(figures, indent=2)
        self.stdout.write(text)
        if json_path:
            Path(json_path).write_text(text + "\n")

    def _measure(self, base: str, world_id: int, clients: int, seconds: float) -> dict:
        origin = base.replace("ws://", "http://").replace("wss://", "https://")
        url = f"{base}/ws/play/{world_id}/"
        # One short session first: it pays for model loading, so the figures below are warm ones.
        cold = asyncio.run(measure_play(url, origin=origin, seconds=1.0))

        async def run_all():
            return await asyncio.gather(
                *(measure_play(url, origin=origin, seconds=seconds) for _ in range(clients))
            )

        results = asyncio.run(run_all())
        summaries = [r.summary() for r in results]
        latencies = sorted(x for r in results for x in r.latencies_ms)
        if not latencies:
            raise CommandError(f"no frames measured: {summaries}")
        return {
            "clients": clients,
            "world": world_id,
            "cold_first_frame_ms": cold.first_frame_ms and round(cold.first_frame_ms, 1),
            "first_frame_ms": [s["first_frame_ms"] and round(s["first_frame_ms"], 1) for s in summaries],
            "fps_per_client": [round(s["fps"], 2) for s in summaries],
            "latency_p50_ms": round(latencies[len(latencies) // 2], 1),
            "latency_p99_ms": round(latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], 1),
            "latency_samples": len(latencies),
        }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def local_redis_stack(redis_url: str, backend: str, log):
    import redis

    prefix = f"wfbench{uuid.uuid4().hex[:8]}"
    root = Path(settings.BASE_DIR)
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "REDIS_URL": redis_url,
            "WORLDFEED_CHANNEL_PREFIX": prefix,
            "WORLDFEED_BACKEND": backend,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "WORLDFEED_MEDIA_ROOT": f"{tmp}/media",
        }
        for command in (["migrate", "--noinput"], ["seed_worlds", "--no-previews"]):
            subprocess.run(
                [sys.executable, "manage.py", *command], cwd=root, env=env, check=True, capture_output=True
            )
        port = _free_port()
        procs = [
            subprocess.Popen(
                thread_worker_argv(["inference", "default"], 8, f"{prefix}@%h", loglevel="WARNING"),
                cwd=root,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ),
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "daphne",
                    "-b",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "config.asgi:application",
                ],
                cwd=root,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ),
        ]
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/api/feed/", timeout=2)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise CommandError("daphne did not come up") from None
                    time.sleep(0.3)
            body = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/api/feed/", timeout=5))
            log.write(f"stack up on port {port} (prefix {prefix})")
            yield f"ws://127.0.0.1:{port}", body["cards"][0]["id"]
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
            client = redis.Redis.from_url(redis_url)
            for key in client.scan_iter(match=f"*{prefix}*"):
                client.delete(key)
