"""Exploration slots: untested worlds get test traffic, and earn more of it when they engage.

Each candidate with fewer than UNTESTED_IMPRESSIONS exposures carries a Beta(alpha, beta) posterior of its
engage rate (plays of ENGAGED_PLAY_MS or more per exposure, prior fitted to the catalogue). Thompson sampling
(Russo et al., "A Tutorial on Thompson Sampling") draws one rate per world and fills the slots with the
highest draws: a world that engages draws high more often and so is shown more, one that does not fades,
and a world never shown draws from the prior and gets its chance. numpy's Beta sampler is all it needs.

Contract: `explore_pick` returns at most k candidates, highest draw first, never one in `taken`.
`exploration_slots(limit)` says at which positions of a page of `limit` they go.
"""

from __future__ import annotations

import numpy as np

from recommend.candidates import UNTESTED_IMPRESSIONS, Candidate

#: Share of each page reserved for exploration.
EXPLORE_SHARE = 0.2
#: A viewer's taste nudges which untested worlds they are shown (draw + this * affinity).
AFFINITY_NUDGE = 0.5

_rng = np.random.default_rng()


def rng_seed(seed: int | None) -> None:
    """Make the draws reproducible (offline evaluation); None goes back to fresh entropy."""
    global _rng
    _rng = np.random.default_rng(seed)


def exploration_slots(limit: int) -> list[int]:
    """Page positions for exploration: 20 % of the page, never the first card, spread out."""
    count = int(round(limit * EXPLORE_SHARE))
    if limit < 3 or count == 0:
        return []
    step = limit / count
    return sorted({min(limit - 1, max(1, int(step * i + step / 2))) for i in range(count)})


def explore_pick(
    candidates: list[Candidate],
    *,
    k: int,
    taken: set[int] = frozenset(),
    affinity: np.ndarray | None = None,
    rng: np.random.Generator | None = None,
) -> list[Candidate]:
    rng = rng or _rng
    pool = [
        i
        for i, c in enumerate(candidates)
        if c.impressions < UNTESTED_IMPRESSIONS and c.world_id not in taken
    ]
    if not pool or k <= 0:
        return []
    alpha = np.asarray([max(candidates[i].alpha, 1e-3) for i in pool])
    beta = np.asarray([max(candidates[i].beta, 1e-3) for i in pool])
    draws = rng.beta(alpha, beta)
    if affinity is not None:
        draws = draws + AFFINITY_NUDGE * np.asarray([affinity[i] for i in pool])
    order = np.argsort(-draws)[:k]
    return [candidates[pool[j]] for j in order]
