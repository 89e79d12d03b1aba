"""Reads of the recommender: the next worlds for a viewer, and which spawn point a play starts from."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from threadpoolctl import ThreadpoolController

from recommend.candidates import Candidate, candidates_gather
from recommend.diversity import mmr
from recommend.embeddings import embedding_index
from recommend.exploration import exploration_slots, explore_pick
from recommend.priors import fitted_current
from recommend.ranking import score_candidates
from recommend.reasons import reason_text
from recommend.spawn_points import arms_sample
from recommend.viewer import ViewerContext, viewer_context

#: MMR re-ranks this many of the best-scored candidates.
MMR_POOL = 60


@dataclass(frozen=True)
class Recommendation:
    """One feed slot: the world, the sentence for "Why this world?", and how it was picked
    ("explore" for an exploration slot, else the candidate sources that proposed it, comma-separated)."""

    world_id: int
    reason: str
    source: str


def feed_recommend(*, viewer_key: str | None, exclude_ids=(), limit: int = 10) -> list[Recommendation]:
    """Up to `limit` published worlds for this viewer, best first, none seen before nor in `exclude_ids`.

    Candidates from every source are scored (recommend.ranking), the best MMR_POOL re-ranked for variety
    (recommend.diversity), and ~20 % of the slots go to untested worlds by Thompson sampling
    (recommend.exploration). Anonymous viewers (None) get the same minus personal features.
    """
    if limit <= 0:
        return []
    # Small matrix products: BLAS threads cost more in hand-offs than they save, more so on a busy host.
    with _blas().limit(limits=1, user_api="blas"):
        return _recommend(viewer_key=viewer_key, exclude_ids=exclude_ids, limit=limit)


@cache
def _blas() -> ThreadpoolController:
    return ThreadpoolController()


def _recommend(*, viewer_key: str | None, exclude_ids, limit: int) -> list[Recommendation]:
    ctx = viewer_context(viewer_key=viewer_key, exclude_ids=exclude_ids)
    candidates = list(candidates_gather(ctx).values())
    if not candidates:
        return []
    vectors, features = score_candidates(candidates, ctx, fitted_current())
    slots = exploration_slots(limit)
    explored = explore_pick(candidates, k=len(slots), affinity=features[:, 1])
    explored_ids = {c.world_id for c in explored}
    rest = [i for i, c in enumerate(candidates) if c.world_id not in explored_ids]
    rest.sort(key=lambda i: candidates[i].score, reverse=True)
    pool = rest[:MMR_POOL]
    picks = [
        pool[j]
        for j in mmr(np.asarray([candidates[i].score for i in pool]), vectors[pool], k=limit - len(explored))
    ]
    row_of = {c.world_id: i for i, c in enumerate(candidates)}
    order = _interleave(picks, [row_of[c.world_id] for c in explored], slots, limit)
    return _with_reasons(order, candidates, explored_ids, vectors, features, ctx)


def _interleave(main: list[int], explore: list[int], slots: list[int], limit: int) -> list[int]:
    main, explore, out = list(main), list(explore), []
    for position in range(limit):
        queue = explore if (position in slots and explore) or not main else main
        if not queue:
            break
        out.append(queue.pop(0))
    return out


def _with_reasons(
    order: list[int],
    candidates: list[Candidate],
    explored_ids: set[int],
    vectors: np.ndarray,
    features: np.ndarray,
    ctx: ViewerContext,
) -> list[Recommendation]:
    titles = ctx.anchor_titles
    anchors = [a for a in ctx.anchors if a in titles and embedding_index().has(a)]
    anchor_vectors = embedding_index().vectors(anchors)
    out = []
    for i in order:
        c = candidates[i]
        explored = c.world_id in explored_ids
        reason = reason_text(
            c,
            explored=explored,
            features=features[i],
            vector=vectors[i],
            ctx=ctx,
            anchor_vectors=anchor_vectors,
            anchor_titles=[titles[a] for a in anchors],
        )
        out.append(Recommendation(c.world_id, reason, "explore" if explored else ",".join(c.sources)))
    return out


def spawn_point_choose(*, world, rng: np.random.Generator | None = None):
    """The spawn point a new play of `world` should start from, or None if it has none (start fresh).

    With several, a Thompson-sampling bandit (recommend.spawn_points) picks the one whose plays explore
    furthest, still trying the others now and then. Returns a `worlds.SpawnPoint`.
    """
    from recommend.models import SpawnPointArm
    from worlds.models import SpawnPoint

    points = list(SpawnPoint.objects.filter(world_id=world.pk).order_by("created_at", "id"))
    if len(points) <= 1:
        return points[0] if points else None
    arms = SpawnPointArm.objects.in_bulk([p.pk for p in points])
    stats = [
        (a.plays, a.reward_sum, a.reward_sq_sum) if (a := arms.get(p.pk)) else (0, 0.0, 0.0) for p in points
    ]
    return points[arms_sample(stats, rng=rng or np.random.default_rng())]
