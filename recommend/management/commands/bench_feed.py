"""`python manage.py bench_feed`: how fast the feed ranks the next 10 worlds at catalogue scale.

In a PostgreSQL database of its own (worldfeed_bench_<pid>, created here and dropped afterwards, whatever
happens; the configured database is never written), it creates `--worlds` published worlds with prompt
embeddings and `--events` engagement events from `--viewers` viewers, folds them into the aggregates
(timed), fits the ranker (timed), warms the process up, then times `worlds.selectors.feed_cards` (the
exact code /api/feed/ runs, cards and "Why this world?" included) for `--requests` requests and prints
p50 / p95 / p99 in milliseconds.

Embeddings: MiniLM embeds a pool of distinct corpus prompts; each world takes a pool prompt's embedding plus
a little Gaussian jitter (renormalised), so 100 k worlds do not need 100 k encoder passes. The jitter is
labelled as such in the output; serving cost does not depend on where the vectors came from.
"""

from __future__ import annotations

import io
import json
import os
import time
from datetime import timedelta

import numpy as np
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections
from django.utils import timezone

from recommend.embeddings import embedding_index, embedding_index_reset, to_bytes
from recommend.models import WorldEmbedding
from worlds.models import World

KIND_WEIGHTS = {
    "impression": 0.27,
    "play_start": 0.25,
    "play_end": 0.25,
    "skip": 0.1,
    "dwell": 0.1,
    "like": 0.02,
    "not_interested": 0.005,
    "share": 0.003,
    "follow": 0.002,
}


class Command(BaseCommand):
    help = "Benchmark feed ranking latency on a generated catalogue in a throwaway PostgreSQL database."

    def add_arguments(self, parser):
        parser.add_argument("--worlds", type=int, default=100_000)
        parser.add_argument("--events", type=int, default=1_000_000)
        parser.add_argument("--viewers", type=int, default=20_000)
        parser.add_argument("--requests", type=int, default=300)
        parser.add_argument("--prompt-pool", type=int, default=2_000, help="distinct prompts MiniLM embeds")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--json", dest="json_path", default=None)
        parser.add_argument("--profile", action="store_true", help="print a cProfile of the timed requests")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "bench_feed needs PostgreSQL (set DATABASE_URL); it creates its own database there"
            )
        name = f"worldfeed_bench_{os.getpid()}_{int(time.time())}"
        original = connection.settings_dict["NAME"]
        self._admin(f'CREATE DATABASE "{name}"')
        try:
            self._use(name)
            call_command("migrate", verbosity=0, interactive=False)
            result = self._run(**options)
        finally:
            self._use(original)
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            embedding_index_reset()
            self.stderr.write(f"dropped {name}")
        text = json.dumps(result, indent=2)
        if options["json_path"]:
            with open(options["json_path"], "w") as handle:
                handle.write(text + "\n")
        self.stdout.write(text)

    # --- database plumbing ------------------------------------------------------------------------
    def _use(self, name: str) -> None:
        for alias in connections:
            connections[alias].close()
        connection.settings_dict["NAME"] = name

    def _admin(self, sql: str) -> None:
        import psycopg

        params = connection.get_connection_params()
        params["dbname"] = "postgres"
        params.pop("cursor_factory", None)
        params.pop("context", None)
        with psycopg.connect(
            **{k: v for k, v in params.items() if k in {"dbname", "user", "password", "host", "port"}},
            autocommit=True,
        ) as admin:
            admin.execute(sql)

    # --- the benchmark ---------------------------------------------------------------------------
    def _run(self, *, worlds, events, viewers, requests, prompt_pool, seed, profile=False, **_):
        from recommend.services import aggregates_refresh, ranker_fit
        from worlds.selectors import feed_cards

        rng = np.random.default_rng(seed)
        timings = {}
        started = time.monotonic()
        world_ids, pool_of = self._worlds(worlds, prompt_pool, rng)
        timings["create_worlds_s"] = round(time.monotonic() - started, 1)
        self.stderr.write(f"{worlds} worlds with embeddings [{timings['create_worlds_s']} s]")
        started = time.monotonic()
        self._events(events, viewers, world_ids, pool_of, rng)
        timings["create_events_s"] = round(time.monotonic() - started, 1)
        self.stderr.write(f"{events} events [{timings['create_events_s']} s]")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        started = time.monotonic()
        report = aggregates_refresh(lag_seconds=0)
        timings["aggregates_refresh_s"] = round(time.monotonic() - started, 1)
        self.stderr.write(f"aggregates: {report} [{timings['aggregates_refresh_s']} s]")
        started = time.monotonic()
        fit = ranker_fit()
        timings["ranker_fit_s"] = round(time.monotonic() - started, 1)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

        keys = [f"bench:{v}" for v in rng.integers(viewers, size=requests)]
        keys[::10] = [None] * len(keys[::10])  # one request in ten from a brand-new anonymous viewer
        started = time.monotonic()
        embedding_index()  # the process's first request loads every embedding: warm-up, as at deploy
        for key in keys[:20]:
            feed_cards(viewer_key=key, limit=10)
        timings["warm_up_s"] = round(time.monotonic() - started, 1)
        latencies, queries, empty = [], [], 0
        import cProfile
        import pstats

        from django.test.utils import CaptureQueriesContext

        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        for i, key in enumerate(keys):
            exclude = list(rng.choice(world_ids, size=10, replace=False)) if i % 3 == 1 else []
            with CaptureQueriesContext(connection) as captured:
                t0 = time.perf_counter()
                cards = feed_cards(viewer_key=key, exclude_ids=exclude, limit=10)
                latencies.append((time.perf_counter() - t0) * 1000)
            queries.append(len(captured))
            empty += len(cards) < 10
        if profiler:
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
            self.stderr.write(out.getvalue())
        ms = np.asarray(latencies)
        return {
            "worlds": worlds,
            "events": events,
            "viewers": viewers,
            "requests": requests,
            "next_10_ms": {
                "p50": round(float(np.percentile(ms, 50)), 2),
                "p95": round(float(np.percentile(ms, 95)), 2),
                "p99": round(float(np.percentile(ms, 99)), 2),
                "max": round(float(ms.max()), 2),
            },
            "queries_per_request": round(float(np.mean(queries)), 1),
            "short_pages": empty,
            "timings": timings,
            "fit": {"samples": fit.samples, "weights": fit.weights},
            "embeddings": f"MiniLM on {prompt_pool} distinct prompts, each world = one of them + N(0, 0.05) jitter",
            "load_average": os.getloadavg(),
        }

    def _worlds(self, count: int, pool_size: int, rng: np.random.Generator) -> tuple[list[int], np.ndarray]:
        from inference import text_encoder
        from inference.corpus.prompts import random_spec, sample_prompt
        from recommend.simulation.catalogue import FLAVOURS

        prompts = []
        for _ in range(pool_size):
            spec = random_spec(rng)
            prompts.append(f"{sample_prompt(spec, rng)} {FLAVOURS[int(rng.integers(len(FLAVOURS)))]}".strip())
        pool = text_encoder.encode(prompts)
        creators = get_user_model().objects.bulk_create(
            [get_user_model()(username=f"bench-creator-{i}") for i in range(max(count // 100, 1))]
        )
        now = timezone.now()
        pool_of = rng.integers(pool_size, size=count)
        ids: list[int] = []
        for start in range(0, count, 5000):
            batch = [
                World(
                    title=f"Bench world {i}",
                    prompt=prompts[pool_of[i]],
                    mechanics=["collectibles"],
                    seed=i,
                    creator=creators[int(rng.integers(len(creators)))],
                    status=World.Status.PUBLISHED,
                    published_at=now - timedelta(days=float(rng.uniform(0, 365))),
                    parent_id=ids[int(rng.integers(len(ids)))] if ids and rng.random() < 0.1 else None,
                )
                for i in range(start, min(count, start + 5000))
            ]
            ids += [w.pk for w in World.objects.bulk_create(batch)]
            vectors = pool[pool_of[start : start + len(batch)]] + rng.normal(
                0, 0.05, (len(batch), pool.shape[1])
            )
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            WorldEmbedding.objects.bulk_create(
                [
                    WorldEmbedding(world_id=pk, vector=to_bytes(v), text_hash="bench", model="bench-jittered")
                    for pk, v in zip(ids[-len(batch) :], vectors, strict=True)
                ],
                batch_size=5000,
            )
        with connection.cursor() as cursor:
            cursor.execute("UPDATE worlds_world SET root_id = id WHERE root_id IS NULL")
        return ids, pool_of

    def _events(
        self, count: int, viewers: int, world_ids: list[int], pool_of: np.ndarray, rng: np.random.Generator
    ) -> None:
        """Viewers with a taste (a few favourite prompt clusters) and a heavy-tailed popularity over worlds."""
        ids = np.asarray(world_ids)
        popularity = rng.lognormal(0.0, 1.5, size=len(ids))
        popularity /= popularity.sum()
        kinds = list(KIND_WEIGHTS)
        weights = np.asarray(list(KIND_WEIGHTS.values()))
        now = timezone.now()
        buffer = io.StringIO()
        per_viewer = np.maximum(rng.poisson(count / viewers, size=viewers), 1)
        per_viewer = (per_viewer * count / per_viewer.sum()).astype(int)
        per_viewer[0] += count - per_viewer.sum()
        for viewer, n in enumerate(per_viewer):
            if n <= 0:
                continue
            worlds = ids[rng.choice(len(ids), size=max(n // 3, 1), p=popularity)]
            picks = worlds[rng.integers(len(worlds), size=n)]
            kind_idx = rng.choice(len(kinds), size=n, p=weights)
            ms = rng.lognormal(9.5, 1.2, size=n).astype(int)
            ages = rng.uniform(0, 30 * 86400, size=n)
            for world, k, duration, age in zip(picks, kind_idx, ms, ages, strict=True):
                kind = kinds[k]
                has_ms = kind in ("play_end", "dwell", "skip")
                value = (min(int(duration), 1999) if kind == "skip" else int(duration)) if has_ms else "\\N"
                data = (
                    json.dumps({"cells": int(duration // 8000), "actions": int(duration // 700)})
                    if kind == "play_end"
                    else "{}"
                )
                at = (now - timedelta(seconds=float(age))).isoformat()
                buffer.write(f"{kind}\t{world}\tbench:{viewer}\t{value}\t{data}\t{at}\n")
        buffer.seek(0)
        sql = "COPY feed_engagementevent (kind, world_id, viewer_key, ms, data, created_at) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)
