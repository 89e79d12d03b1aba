""" "Why this world?": one short, true sentence per card, from what actually put the world there."""

from __future__ import annotations

import numpy as np

from recommend.candidates import Candidate
from recommend.ranking import FEATURES
from recommend.viewer import ViewerContext

#: Affinity (centred cosine) above which "because you played X" is an honest description.
SIMILAR_AFFINITY = 0.04
_AFFINITY = FEATURES.index("affinity")


def reason_text(
    candidate: Candidate,
    *,
    explored: bool,
    features: np.ndarray,
    vector: np.ndarray,
    ctx: ViewerContext,
    anchor_vectors: np.ndarray,
    anchor_titles: list[str],
) -> str:
    """The reason shown on the card; `features` is the candidate's row of the ranking feature matrix."""
    if explored:
        return "New world: you're among its first players"
    if candidate.creator_id in ctx.followed_creators:
        return "From a creator you follow"
    if ctx.liked and (candidate.parent_id in ctx.liked or candidate.root_id in ctx.liked):
        return "A remix of a world you liked"
    if features[_AFFINITY] > SIMILAR_AFFINITY and np.any(vector):
        if len(anchor_titles):
            sims = anchor_vectors @ vector
            best = int(np.argmax(sims))
            if sims[best] > 0.5:
                return f"Because you played “{anchor_titles[best]}”"
        return "Like the worlds you play longest"
    if candidate.plays >= 3 and candidate.play_ms / candidate.plays >= 20_000:
        return f"Players explore it for {_duration(candidate.play_ms / candidate.plays)} on average"
    if "fresh" in candidate.sources:
        return "Just published"
    if "engaging" in candidate.sources:
        return "Popular with players right now"
    return "Something different to try"


def _duration(ms: float) -> str:
    seconds = int(ms // 1000)
    return f"{seconds // 60} min" if seconds >= 90 else f"{seconds} s"
