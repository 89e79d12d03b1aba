"""The policies compared offline. "ranker" is the live feed (worlds.selectors.feed_cards); the baselines read
the same engagement log and aggregates.

Contract: `recommend(viewer_key, viewer, exclude, k)` returns up to k published world ids the viewer has
not seen (`seen` is kept by the runner for the baselines; the ranker reads the log itself, as live).
`prepare()` runs once per round, after the aggregates refresh (where a baseline refits).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from feed.models import EngagementEvent
from recommend import engagement
from recommend.models import WorldStats
from worlds.selectors import feed_cards, published_worlds


class Policy:
    name = "abstract"

    def __init__(self, *, seen: dict[int, set[int]], viewer_keys: list[str], rng: np.random.Generator):
        self.seen, self.viewer_keys, self.rng = seen, viewer_keys, rng
        self.published: list[int] = []

    def prepare(self) -> None:
        self.published = list(published_worlds().order_by("pk").values_list("pk", flat=True))

    def recommend(self, viewer: int, exclude: set[int], k: int) -> list[int]:
        raise NotImplementedError

    def _unseen(self, ordered, viewer: int, exclude: set[int], k: int) -> list[int]:
        seen, out = self.seen[viewer], []
        for world_id in ordered:
            if world_id not in seen and world_id not in exclude:
                out.append(int(world_id))
                if len(out) == k:
                    break
        return out


class RankerPolicy(Policy):
    """The live code path: exactly what /api/feed/ serves."""

    name = "ranker"

    def recommend(self, viewer: int, exclude: set[int], k: int) -> list[int]:
        return [
            card.id for card in feed_cards(viewer_key=self.viewer_keys[viewer], exclude_ids=exclude, limit=k)
        ]


class PopularityPolicy(Policy):
    """Most engaged plays (then likes) first, the same for everyone."""

    name = "popularity"

    def prepare(self) -> None:
        super().prepare()
        counts = dict(WorldStats.objects.values_list("world_id", "engaged_plays"))
        likes = dict(WorldStats.objects.values_list("world_id", "likes"))
        self.order = sorted(self.published, key=lambda w: (-counts.get(w, 0), -likes.get(w, 0), -w))

    def recommend(self, viewer: int, exclude: set[int], k: int) -> list[int]:
        return self._unseen(self.order, viewer, exclude, k)


class RandomPolicy(Policy):
    name = "random"

    def recommend(self, viewer: int, exclude: set[int], k: int) -> list[int]:
        return self._unseen(self.rng.permutation(self.published), viewer, exclude, k)


class ALSPolicy(Policy):
    """Implicit-feedback ALS (Hu, Koren & Volinsky 2008) from the `implicit` library, refit every round on the
    engagement log: confidence = CONFIDENCE * positive utility of the viewer's events on the world."""

    name = "als"
    # Chosen on seed 1 among (32, 0.05, 5), (16, 1.0, 2), (64, 5.0, 20): sparse logs want few factors and
    # strong regularisation.
    FACTORS, REGULARIZATION, ITERATIONS, CONFIDENCE = 16, 1.0, 15, 2.0

    def prepare(self) -> None:
        super().prepare()
        from implicit.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        self.item_ids = np.asarray(self.published, np.int64)
        self.item_row = {w: i for i, w in enumerate(self.published)}
        self.user_row = {key: i for i, key in enumerate(self.viewer_keys)}
        utility: dict[tuple[int, int], float] = {}
        rows = EngagementEvent.objects.filter(viewer_key__in=self.viewer_keys).values_list(
            "viewer_key", "world_id", "kind", "ms", "data"
        )
        for viewer_key, world_id, kind, ms, data in rows:
            if world_id in self.item_row:
                key = (self.user_row[viewer_key], self.item_row[world_id])
                utility[key] = utility.get(key, 0.0) + engagement.event_utility(kind, ms, data)
        positive = {key: value for key, value in utility.items() if value > 0}
        shape = (len(self.viewer_keys), len(self.published))
        users = [u for u, _ in positive]
        items = [i for _, i in positive]
        values = [self.CONFIDENCE * v for v in positive.values()]
        self.matrix = sp.csr_matrix((values, (users, items)), shape=shape, dtype=np.float32)
        with threadpool_limits(1, "blas"):  # implicit's own advice: its solver threads, not BLAS's
            self.model = AlternatingLeastSquares(
                factors=self.FACTORS,
                regularization=self.REGULARIZATION,
                iterations=self.ITERATIONS,
                random_state=int(self.rng.integers(2**31)),
            )
            self.model.fit(self.matrix, show_progress=False)

    def recommend(self, viewer: int, exclude: set[int], k: int) -> list[int]:
        blocked = [self.item_row[w] for w in self.seen[viewer] | exclude if w in self.item_row]
        if len(blocked) >= len(self.published):
            return []
        ids, _ = self.model.recommend(
            viewer,
            self.matrix[viewer],
            N=min(k, len(self.published) - len(blocked)),
            filter_already_liked_items=False,
            filter_items=np.asarray(blocked, np.int32) if blocked else None,
        )
        return [int(self.item_ids[i]) for i in ids]


POLICIES = {cls.name: cls for cls in (RankerPolicy, PopularityPolicy, RandomPolicy, ALSPolicy)}
