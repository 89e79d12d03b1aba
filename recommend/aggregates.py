"""Incremental aggregation of the engagement log into `WorldStats`, `ViewerProfile` and spawn-point arms.

Contract of `aggregates_refresh`: every event is counted exactly once. A cursor row (locked for the whole
chunk, so two refreshes never overlap) records the last event id folded in; events younger than
`lag_seconds` wait for the next run, because a transaction that took a lower id may not have committed
yet. Each chunk commits with its cursor, so an interrupted run loses nothing and repeats nothing.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from django.db import transaction
from django.utils import timezone

from feed.models import EngagementEvent
from recommend import engagement
from recommend.candidates import catalogue_changed
from recommend.embeddings import embedding_index, from_bytes, to_bytes
from recommend.models import AggregationCursor, SpawnPointArm, ViewerProfile, WorldStats
from recommend.priors import Priors, priors_current
from worlds.selectors import published_worlds

K = EngagementEvent.Kind
CURSOR = "events"
WORLD_COUNTERS = (
    "impressions",
    "skips",
    "dwell_ms",
    "plays",
    "play_ms",
    "engaged_plays",
    "actions",
    "action_kinds",
    "explored_cells",
    "mechanic_actions",
    "likes",
    "shares",
    "remixes",
    "follows",
    "not_interested",
    "reports",
    "utility_sum",
)
VIEWER_COUNTERS = ("impressions", "plays", "play_ms", "skips", "positives", "negatives")
_KIND_COUNTER = {
    K.IMPRESSION: "impressions",
    K.SKIP: "skips",
    K.SHARE: "shares",
    K.REMIX: "remixes",
    K.FOLLOW: "follows",
    K.NOT_INTERESTED: "not_interested",
    K.REPORT: "reports",
}


@dataclass
class RefreshReport:
    """What a refresh did: events folded; worlds, viewers and spawn points updated (summed over chunks)."""

    events: int = 0
    worlds: int = 0
    viewers: int = 0
    spawn_points: int = 0
    stats_created: int = 0


@dataclass
class _ViewerDelta:
    counts: dict = field(default_factory=lambda: defaultdict(int))
    taste: np.ndarray | None = None
    aversion: np.ndarray | None = None


def aggregates_refresh(
    *, lag_seconds: float = 10.0, chunk_size: int = 50_000, max_chunks: int | None = None
) -> RefreshReport:
    """Fold every committed event older than `lag_seconds` into the aggregates (see module contract)."""
    report = RefreshReport(stats_created=stats_rows_ensure())
    chunks = 0
    while max_chunks is None or chunks < max_chunks:
        if not _refresh_chunk(report, lag_seconds=lag_seconds, chunk_size=chunk_size):
            break
        chunks += 1
    if report.events or report.stats_created:
        catalogue_changed()
    return report


def stats_rows_ensure() -> int:
    """Give every published world a WorldStats row (so untested worlds are found by the exploration pool)."""
    priors = priors_current()
    missing = list(
        published_worlds().filter(recommend_stats__isnull=True).values_list("pk", flat=True)[:100_000]
    )
    WorldStats.objects.bulk_create(
        [
            WorldStats(
                world_id=pk, value=priors.value_mean, alpha=priors.engage_alpha, beta=priors.engage_beta
            )
            for pk in missing
        ],
        ignore_conflicts=True,
        batch_size=5000,
    )
    return len(missing)


def _refresh_chunk(report: RefreshReport, *, lag_seconds: float, chunk_size: int) -> bool:
    horizon = timezone.now() - timedelta(seconds=lag_seconds)
    with transaction.atomic():
        AggregationCursor.objects.get_or_create(name=CURSOR)
        cursor = AggregationCursor.objects.select_for_update().get(name=CURSOR)
        rows = list(
            EngagementEvent.objects.filter(id__gt=cursor.last_event_id)
            .order_by("id")
            .values_list("id", "kind", "world_id", "viewer_key", "ms", "data", "created_at")[:chunk_size]
        )
        events = []
        for row in rows:
            if lag_seconds > 0 and row[6] >= horizon:
                break  # this and later events wait: an earlier id may still be uncommitted
            events.append(row)
        if not events:
            return False
        _fold(events, report)
        cursor.last_event_id = events[-1][0]
        cursor.save(update_fields=["last_event_id", "updated_at"])
    report.events += len(events)
    return len(events) == chunk_size


def _fold(events: list[tuple], report: RefreshReport) -> None:
    index = embedding_index()
    worlds: dict[int, dict] = defaultdict(lambda: defaultdict(float))
    viewers: dict[str, _ViewerDelta] = defaultdict(_ViewerDelta)
    arms: dict[int, list] = {}
    vectors: dict[int, np.ndarray] = {}
    for _id, kind, world_id, viewer_key, ms, data, _at in events:
        data = data if isinstance(data, dict) else {}
        utility = engagement.event_utility(kind, ms, data)
        w, v = worlds[world_id], viewers[viewer_key]
        w["utility_sum"] += utility
        counter = _KIND_COUNTER.get(kind)
        if counter:
            w[counter] += 1
        if kind == K.IMPRESSION:
            v.counts["impressions"] += 1
        elif kind == K.SKIP:
            v.counts["skips"] += 1
        elif kind == K.DWELL:
            w["dwell_ms"] += ms or 0
        elif kind in (K.LIKE, K.UNLIKE):
            w["likes"] += 1 if kind == K.LIKE else -1
        elif kind == K.PLAY_END:
            _fold_play(w, v, ms, data, arms, world_id)
        if utility:
            vector = vectors.get(world_id)
            if vector is None:
                vector = vectors[world_id] = index.vectors([world_id])[0]
            if utility > 0:
                v.counts["positives"] += 1
                v.taste = utility * vector if v.taste is None else v.taste + utility * vector
            else:
                v.counts["negatives"] += 1
                v.aversion = -utility * vector if v.aversion is None else v.aversion - utility * vector
    last_id = events[-1][0]
    _write_worlds(worlds)
    _write_viewers(viewers, last_id)
    _write_arms(arms)
    report.worlds += len(worlds)
    report.viewers += len(viewers)
    report.spawn_points += len(arms)


def _fold_play(w: dict, v: _ViewerDelta, ms: int | None, data: dict, arms: dict, world_id: int) -> None:
    ms = min(max(ms or 0, 0), engagement.PLAY_CAP_MS)
    w["plays"] += 1
    w["play_ms"] += ms
    w["engaged_plays"] += ms >= engagement.ENGAGED_PLAY_MS
    v.counts["plays"] += 1
    v.counts["play_ms"] += ms
    for key, counter in (
        ("actions", "actions"),
        ("distinct_actions", "action_kinds"),
        ("cells", "explored_cells"),
        ("mechanic_actions", "mechanic_actions"),
    ):
        value = data.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            w[counter] += value
    spawn = data.get("spawn_point")
    if isinstance(spawn, int) and not isinstance(spawn, bool):
        arm = arms.setdefault(spawn, [world_id, 0, 0.0, 0.0])
        reward = exploration_reward(ms, data)
        arm[1] += 1
        arm[2] += reward
        arm[3] += reward * reward


def exploration_reward(ms: int | None, data: dict) -> float:
    """How far a play explored: log distinct places reached if measured, else log play time (a proxy)."""
    cells = data.get("cells")
    if isinstance(cells, int | float) and not isinstance(cells, bool) and cells >= 0:
        return math.log1p(min(cells, 10 * engagement.CELLS_CAP))
    return math.log1p(min(max(ms or 0, 0), engagement.PLAY_CAP_MS) / 10_000)


def _write_worlds(deltas: dict[int, dict]) -> None:
    priors = priors_current()
    existing = WorldStats.objects.in_bulk(list(deltas))
    rows = []
    for world_id, delta in deltas.items():
        stats = existing.get(world_id) or WorldStats(world_id=world_id)
        for name in WORLD_COUNTERS:
            if name in delta:
                value = getattr(stats, name) + delta[name]
                setattr(stats, name, value if name == "utility_sum" else int(value))
        stats_derive(stats, priors)
        rows.append(stats)
    WorldStats.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["world"],
        update_fields=[*WORLD_COUNTERS, "value", "alpha", "beta", "updated_at"],
        batch_size=2000,
    )


def stats_derive(stats: WorldStats, priors: Priors) -> None:
    """Recompute a world's shrunk value and engage-rate posterior from its counters and the priors."""
    exposures = max(stats.impressions, stats.plays)
    stats.value = (stats.utility_sum + priors.value_strength * priors.value_mean) / (
        exposures + priors.value_strength
    )
    engaged = min(stats.engaged_plays, exposures)
    stats.alpha = priors.engage_alpha + engaged
    stats.beta = priors.engage_beta + exposures - engaged
    stats.updated_at = timezone.now()


def _write_viewers(deltas: dict[str, _ViewerDelta], last_id: int) -> None:
    existing = ViewerProfile.objects.in_bulk(list(deltas))
    rows = []
    for key, delta in deltas.items():
        profile = existing.get(key) or ViewerProfile(viewer_key=key)
        for name in VIEWER_COUNTERS:
            setattr(profile, name, getattr(profile, name) + int(delta.counts.get(name, 0)))
        profile.taste = _add_vector(profile.taste, delta.taste)
        profile.aversion = _add_vector(profile.aversion, delta.aversion)
        profile.last_event_id = last_id
        profile.updated_at = timezone.now()
        rows.append(profile)
    ViewerProfile.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["viewer_key"],
        update_fields=[*VIEWER_COUNTERS, "taste", "aversion", "last_event_id", "updated_at"],
        batch_size=2000,
    )


def _add_vector(stored, delta: np.ndarray | None):
    if delta is None:
        return stored
    current = from_bytes(stored)
    return to_bytes(delta if current is None else current + delta)


def _write_arms(deltas: dict[int, list]) -> None:
    if not deltas:
        return
    existing = SpawnPointArm.objects.in_bulk(list(deltas))
    rows = []
    for spawn_id, (world_id, plays, total, squares) in deltas.items():
        arm = existing.get(spawn_id) or SpawnPointArm(spawn_point_id=spawn_id, world_id=world_id)
        arm.plays += plays
        arm.reward_sum += total
        arm.reward_sq_sum += squares
        arm.updated_at = timezone.now()
        rows.append(arm)
    SpawnPointArm.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["spawn_point_id"],
        update_fields=["plays", "reward_sum", "reward_sq_sum", "updated_at"],
    )
