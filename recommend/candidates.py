"""Candidate sources: where the worlds a viewer might see next come from.

Each source is a function `(ctx, limit) -> list[int]` of world ids, best first, reading published worlds
only (so rejected or flagged worlds never enter; moderation unpublishes through `published_worlds()`).
`candidates_gather` runs them all, drops what the viewer has seen or blocked, and loads what the ranker
needs for each survivor in one query (world facts joined with `WorldStats`).

Sources: fresh (newest), engaging (highest shrunk utility per impression), untested (fewest impressions: the
exploration pool), followed (creators the viewer follows), remixes (of worlds the viewer liked or played
long), similar (nearest prompt embeddings to the viewer's taste and recent favourites).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np
from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, FloatField, Q
from django.db.models.expressions import RawSQL

from recommend.embeddings import embedding_index
from recommend.models import WorldStats
from recommend.priors import priors_current
from recommend.viewer import ViewerContext
from worlds.models import World
from worlds.selectors import published_worlds

#: How many candidates each source proposes (before removing seen worlds).
SOURCE_LIMITS = {"fresh": 60, "engaging": 120, "untested": 80, "followed": 40, "remixes": 40, "similar": 120}
#: A world with fewer exposures than this is still "untested": it gets exploration traffic.
UNTESTED_IMPRESSIONS = 30
#: Sources that are the same for every viewer are read once per process and catalogue version, and at
#: least every GLOBAL_TTL_SECONDS (the final published filter keeps moderation immediate regardless).
GLOBAL_SOURCES = ("engaging", "untested", "fresh")
GLOBAL_TTL_SECONDS = 15.0
CATALOGUE_VERSION_KEY = "recommend:catalogue:version"
_global_lock = threading.Lock()
_global: dict = {"version": object(), "at": 0.0, "lists": {}, "limits": {}}


def catalogue_changed() -> None:
    """Say that published worlds or their aggregates changed: every process re-reads the global sources."""
    cache.set(CATALOGUE_VERSION_KEY, time.time_ns(), timeout=None)
    global_sources_forget()


def global_sources_forget() -> None:
    with _global_lock:
        _global.update(version=object(), at=0.0, lists={}, limits={})


def _global_lists(ctx: ViewerContext, limits: dict[str, int]) -> dict[str, list[int]]:
    version, now = cache.get(CATALOGUE_VERSION_KEY), time.monotonic()
    current = _global
    if (
        current["version"] == version
        and now - current["at"] < GLOBAL_TTL_SECONDS
        and current["limits"] == limits
    ):
        return current["lists"]
    lists = {name: SOURCES[name](ctx, limits[name]) for name in GLOBAL_SOURCES}
    with _global_lock:
        _global.update(version=version, at=now, lists=lists, limits=dict(limits))
    return lists


@dataclass(slots=True, eq=False)
class Candidate:
    world_id: int
    sources: list[str] = field(default_factory=list)
    creator_id: int = 0
    parent_id: int | None = None
    root_id: int | None = None
    published_ts: float | None = None  # epoch seconds
    impressions: int = 0
    plays: int = 0
    play_ms: int = 0
    value: float = 0.0
    alpha: float = 1.0
    beta: float = 1.0
    score: float = 0.0
    reason: str = ""


def source_fresh(ctx: ViewerContext, limit: int) -> list[int]:
    return list(published_worlds().order_by("-published_at", "-id").values_list("pk", flat=True)[:limit])


def source_engaging(ctx: ViewerContext, limit: int) -> list[int]:
    return list(
        WorldStats.objects.filter(world__status=World.Status.PUBLISHED)
        .order_by("-value")
        .values_list("world_id", flat=True)[:limit]
    )


def source_untested(ctx: ViewerContext, limit: int) -> list[int]:
    return list(
        WorldStats.objects.filter(world__status=World.Status.PUBLISHED, impressions__lt=UNTESTED_IMPRESSIONS)
        .order_by("impressions", "world")
        .values_list("world_id", flat=True)[:limit]
    )


def source_followed(ctx: ViewerContext, limit: int) -> list[int]:
    if not ctx.followed_creators:
        return []
    return list(
        published_worlds()
        .filter(_in("creator_id", list(ctx.followed_creators)))
        .order_by("-published_at", "-id")
        .values_list("pk", flat=True)[:limit]
    )


def source_remixes(ctx: ViewerContext, limit: int) -> list[int]:
    if not ctx.liked:
        return []
    liked = list(ctx.liked)[:200]
    return list(
        published_worlds()
        .filter(_in("parent_id", liked) | _in("root_id", liked))
        .order_by("-published_at", "-id")
        .values_list("pk", flat=True)[: limit + len(liked)]
    )[:limit]


def _in(column: str, ids: list[int], model=World) -> Q:
    """`column IN ids` on `model`'s table; on PostgreSQL one array parameter (= ANY), not a placeholder per id."""
    if connection.vendor == "postgresql":
        sql = f'"{model._meta.db_table}"."{column}" = ANY(%s)'
        return Q(RawSQL(sql, ([int(i) for i in ids],), output_field=BooleanField()))
    return Q(**{f"{column}__in": ids})


def source_similar(ctx: ViewerContext, limit: int) -> list[int]:
    """Nearest prompts to the viewer's taste, plus to each recent favourite (so a new love shows at once)."""
    index = embedding_index()
    queries, ks = [], []
    if ctx.taste is not None:
        queries.append(ctx.taste)
        ks.append(limit)
    for anchor in [a for a in ctx.anchors if index.has(a)][:4]:
        queries.append(index.vectors([anchor])[0])
        ks.append(limit // 4)
    found: dict[int, float] = {}
    for hits in index.nearest_many(np.asarray(queries), ks=ks) if queries else []:
        for world_id, sim in hits:
            found[world_id] = max(sim, found.get(world_id, -1.0))
    return sorted(found, key=found.get, reverse=True)


SOURCES = {
    "followed": source_followed,
    "remixes": source_remixes,
    "similar": source_similar,
    "engaging": source_engaging,
    "untested": source_untested,
    "fresh": source_fresh,
}


def candidates_gather(ctx: ViewerContext, *, limits: dict[str, int] | None = None) -> dict[int, Candidate]:
    """Every candidate from every source, unseen and unblocked, with the facts the ranker scores."""
    limits = {**SOURCE_LIMITS, **(limits or {})}
    excluded = ctx.seen | ctx.blocked
    candidates: dict[int, Candidate] = {}
    shared = _global_lists(ctx, limits)
    for name, source in SOURCES.items():
        for world_id in shared[name] if name in shared else source(ctx, limits[name]):
            if world_id in excluded:
                continue
            candidates.setdefault(world_id, Candidate(world_id)).sources.append(name)
    if not candidates:
        return {}
    priors = priors_current()
    anchors = set(ctx.anchors)
    rows = _facts(list(candidates.keys() | anchors))  # anchors only for their titles ("Because you played")
    found: dict[int, Candidate] = {}
    for (
        pk,
        title,
        creator_id,
        parent_id,
        root_id,
        published_ts,
        impressions,
        plays,
        play_ms,
        value,
        alpha,
        beta,
    ) in rows:
        if pk in anchors:
            ctx.anchor_titles[pk] = title
        if pk not in candidates:
            continue
        c = found[pk] = candidates[pk]
        c.creator_id, c.parent_id, c.root_id, c.published_ts = creator_id, parent_id, root_id, published_ts
        if value is None:  # no aggregates yet (published since the last refresh): the catalogue prior
            c.value, c.alpha, c.beta = priors.value_mean, priors.engage_alpha, priors.engage_beta
        else:
            c.impressions, c.plays, c.play_ms, c.value, c.alpha, c.beta = (
                impressions,
                plays,
                play_ms,
                value,
                alpha,
                beta,
            )
    return found


def _facts(ids: list[int]) -> list[tuple]:
    """(pk, title, creator, parent, root, published epoch seconds, stats...) of the published worlds in `ids`;
    the six stats are None for a world without aggregates yet.

    Two index lookups rather than one join: joined, PostgreSQL hashes the whole stats table. On PostgreSQL the
    ids travel as one array parameter (`= ANY`) and the timestamp as a float: with hundreds of candidates per
    request, per-id placeholders and timezone-aware datetime loading were a third of the request time.
    """
    worlds = published_worlds().order_by()
    if connection.vendor == "postgresql":
        table = World._meta.db_table
        rows = list(
            worlds.filter(_in("id", ids))
            .annotate(
                published_ts=RawSQL(
                    f'EXTRACT(EPOCH FROM "{table}"."published_at")::float8', (), output_field=FloatField()
                ),
            )
            .values_list("pk", "title", "creator_id", "parent_id", "root_id", "published_ts")
        )
    else:
        rows = [
            (pk, title, creator, parent, root, at.timestamp() if at else None)
            for pk, title, creator, parent, root, at in worlds.filter(pk__in=ids).values_list(
                "pk", "title", "creator_id", "parent_id", "root_id", "published_at"
            )
        ]
    stats = {
        row[0]: row[1:]
        for row in WorldStats.objects.filter(_in("world_id", [r[0] for r in rows], WorldStats))
        .order_by()
        .values_list("world_id", "impressions", "plays", "play_ms", "value", "alpha", "beta")
    }
    missing = (None,) * 6
    return [(*row, *stats.get(row[0], missing)) for row in rows]
