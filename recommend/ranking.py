"""The ranking score: a weighted sum of features, with weights fitted from the signals (recommend.fitting).

Features of a candidate world w for a viewer (all floats, larger = more of it):
  value           w's shrunk utility per impression over everyone (play time, activity, likes, shares,
                  remixes, follows; skips, "not interested" and reports negative and heavy)
  affinity        cosine of w's prompt embedding with the viewer's taste, minus the viewer's mean over the
                  candidates (0 for a viewer without a taste yet)
  aversion        cosine with what the viewer skipped, dismissed or reported (>= 0), scaled by how much of
                  that there is: negative feedback keeps similar worlds away
  followed        1 if the viewer follows w's creator
  remix_of_liked  1 if w remixes (or shares a root with) a world the viewer liked or played long
  freshness       exp(-age / 7 days)
Contract: `score_candidates` writes `Candidate.score` for every candidate and returns the embeddings it
used (rows in the order given), which MMR reuses.
"""

from __future__ import annotations

import math
import time

import numpy as np

from recommend.candidates import Candidate
from recommend.embeddings import embedding_index
from recommend.priors import Fitted
from recommend.viewer import ViewerContext

FEATURES = ("value", "affinity", "aversion", "followed", "remix_of_liked", "freshness")
FRESHNESS_DAYS = 7.0
#: Aversion saturates: a handful of strong negatives already count fully.
AVERSION_SATURATION = 6.0


def feature_matrix(candidates: list[Candidate], ctx: ViewerContext, vectors: np.ndarray) -> np.ndarray:
    """(len(candidates), len(FEATURES)) float32, columns in FEATURES order."""
    n = len(candidates)
    x = np.zeros((n, len(FEATURES)), np.float32)
    if not n:
        return x
    x[:, 0] = [c.value for c in candidates]
    if ctx.taste is not None:
        sims = vectors @ ctx.taste
        x[:, 1] = sims - sims.mean()
    if ctx.aversion is not None:
        scale = min(ctx.aversion_weight / AVERSION_SATURATION, 1.0)
        x[:, 2] = np.clip(vectors @ ctx.aversion, 0.0, None) * scale
    x[:, 3] = [c.creator_id in ctx.followed_creators for c in candidates]
    x[:, 4] = [bool(ctx.liked) and (c.parent_id in ctx.liked or c.root_id in ctx.liked) for c in candidates]
    now = time.time()
    x[:, 5] = [
        math.exp(-max(now - c.published_ts, 0) / 86400 / FRESHNESS_DAYS) if c.published_ts else 0
        for c in candidates
    ]
    return x


def score_candidates(
    candidates: list[Candidate], ctx: ViewerContext, fitted: Fitted
) -> tuple[np.ndarray, np.ndarray]:
    """Score every candidate in place; return (embeddings, feature matrix) in the candidates' order."""
    vectors = embedding_index().vectors([c.world_id for c in candidates])
    x = feature_matrix(candidates, ctx, vectors)
    weights = np.asarray([fitted.weights.get(name, 0.0) for name in FEATURES], np.float32)
    scores = x @ weights
    for candidate, score in zip(candidates, scores, strict=True):
        candidate.score = float(score)
    return vectors, x
