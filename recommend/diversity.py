"""Maximal marginal relevance (Carbonell & Goldstein, 1998) over prompt embeddings.

Contract of `mmr`: returns up to k row indices, in pick order. Each pick maximises
`lam * relevance - (1 - lam) * max cosine similarity to the rows already picked`, relevance min-max scaled
to [0, 1] over the rows given, so `lam` trades score against variety the same way whatever the scale.
lam=1 is plain top-k; rows with zero vectors (no embedding yet) count as unlike everything.
"""

from __future__ import annotations

import numpy as np

DEFAULT_LAMBDA = 0.7


def mmr(relevance: np.ndarray, vectors: np.ndarray, *, k: int, lam: float = DEFAULT_LAMBDA) -> list[int]:
    relevance = np.asarray(relevance, np.float64)
    n = len(relevance)
    if n == 0 or k <= 0:
        return []
    spread = relevance.max() - relevance.min()
    rel = (relevance - relevance.min()) / spread if spread > 0 else np.ones(n)
    sims = np.asarray(vectors, np.float64) @ np.asarray(vectors, np.float64).T
    max_sim = np.full(n, 0.0)
    available = np.ones(n, bool)
    picked: list[int] = []
    for _ in range(min(k, n)):
        gain = lam * rel - (1.0 - lam) * max_sim
        gain[~available] = -np.inf
        best = int(np.argmax(gain))
        picked.append(best)
        available[best] = False
        max_sim = np.maximum(max_sim, sims[best])  # dissimilar rows are not rewarded below 0
    return picked
