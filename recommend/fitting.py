"""Fitting the ranking score from the signals (run by Celery beat; see recommend.tasks).

1. Catalogue priors by empirical Bayes (method of moments): the mean utility per impression, and how many
   impressions' worth of trust that mean deserves against a world's own record (within-world noise over
   between-world spread); the Beta prior of the engage rate likewise.
2. Score weights by ridge regression: on a sample of recent (viewer, world) exposures, regress what the
   exposure was worth (its summed utility, negative feedback heavy: recommend.engagement) on the ranking
   features the viewer and world had *without* that exposure (leave-one-out value and taste), so the fit
   cannot simply read the answer back. Fitted weights are clipped to sane signs and ranges; features the
   log cannot identify yet (follows, remixes, freshness) keep their defaults.
3. Every world's derived value and posterior is recomputed under the new priors in one UPDATE.

Contract: `ranker_fit()` writes one RankerModel row and returns it; with too little data it stores the
defaults' weights (and still the priors it could estimate).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest, Least

from feed.models import EngagementEvent
from recommend import engagement
from recommend.candidates import catalogue_changed, global_sources_forget
from recommend.embeddings import embedding_index, from_bytes
from recommend.models import AggregationCursor, RankerModel, ViewerProfile, WorldStats
from recommend.priors import DEFAULT_WEIGHTS, Priors, bump_version, fitted_forget
from recommend.ranking import AVERSION_SATURATION

K = EngagementEvent.Kind
MIN_WORLDS_FOR_PRIORS = 20
MIN_EXPOSURES = 5
MIN_SAMPLES = 300
RIDGE = 1.0
FITTED = ("value", "affinity", "aversion")
BOUNDS = {"value": (0.3, 3.0), "affinity": (0.0, 12.0), "aversion": (-20.0, 0.0)}
EXPOSURE_KINDS = (K.IMPRESSION, K.PLAY_START)


def ranker_fit(*, sample_events: int = 60_000) -> RankerModel:
    """Fit priors and weights from the aggregates and the newest `sample_events` events (module contract)."""
    pairs = _recent_pairs(sample_events)
    priors = _fit_priors(pairs)
    weights, samples = dict(DEFAULT_WEIGHTS), 0
    if len(pairs) >= MIN_SAMPLES:
        fitted, samples = _fit_weights(pairs, priors)
        weights.update(fitted)
    with transaction.atomic():
        AggregationCursor.objects.get_or_create(name="events")
        AggregationCursor.objects.select_for_update().get(name="events")  # no refresh runs meanwhile
        model = RankerModel.objects.create(weights=weights, priors=priors.__dict__, samples=samples)
        _rederive_all(priors)
        transaction.on_commit(bump_version)  # other processes re-read the fit once it is committed
        transaction.on_commit(catalogue_changed)
    fitted_forget()  # this process at once (also inside an outer transaction: evaluation, tests)
    global_sources_forget()
    return model


def _recent_pairs(limit: int) -> dict[tuple[str, int], list[float]]:
    """(viewer, world) -> [utility, positive part, negative part] over the newest events, exposures only."""
    pairs: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    rows = EngagementEvent.objects.order_by("-id").values_list(
        "viewer_key", "world_id", "kind", "ms", "data"
    )[:limit]
    for viewer_key, world_id, kind, ms, data in rows:
        pair = pairs[(viewer_key, world_id)]
        utility = engagement.event_utility(kind, ms, data if isinstance(data, dict) else {})
        pair[0] += utility
        pair[1 if utility > 0 else 2] += abs(utility)
        pair[3] += kind in EXPOSURE_KINDS
    return {key: pair[:3] for key, pair in pairs.items() if pair[3]}


def _fit_priors(pairs: dict) -> Priors:
    rows = np.asarray(
        list(WorldStats.objects.values_list("utility_sum", "impressions", "plays", "engaged_plays")),
        np.float64,
    ).reshape(-1, 4)
    exposures = np.maximum(rows[:, 1], rows[:, 2])
    tested = exposures >= MIN_EXPOSURES
    defaults = Priors()
    if tested.sum() < MIN_WORLDS_FOR_PRIORS:
        return defaults
    mean = float(rows[exposures > 0, 0].sum() / exposures[exposures > 0].sum())
    per_world = rows[tested, 0] / exposures[tested]
    noise = float(np.var([p[0] for p in pairs.values()])) if len(pairs) > 10 else 1.0
    spread = float(np.var(per_world) - np.mean(noise / exposures[tested]))
    strength = float(np.clip(noise / spread, 1.0, 200.0)) if spread > 1e-6 else 200.0
    rate = np.minimum(rows[tested, 3], exposures[tested]) / exposures[tested]
    p, var = float(rate.mean()), float(rate.var())
    concentration = float(np.clip(p * (1 - p) / var - 1, 2.0, 50.0)) if var > 1e-9 and 0 < p < 1 else 3.0
    p = min(max(p, 0.02), 0.98)
    return Priors(
        value_mean=mean,
        value_strength=strength,
        engage_alpha=p * concentration,
        engage_beta=(1 - p) * concentration,
    )


def _fit_weights(pairs: dict, priors: Priors) -> tuple[dict[str, float], int]:
    index = embedding_index()
    keys = list(pairs)
    worlds = {w for _, w in keys}
    viewers = {v for v, _ in keys}
    stats = {
        w: (u, max(i, p))
        for w, u, i, p in WorldStats.objects.filter(world_id__in=worlds).values_list(
            "world_id", "utility_sum", "impressions", "plays"
        )
    }
    profiles = {
        v: (from_bytes(t), from_bytes(a))
        for v, t, a in ViewerProfile.objects.filter(pk__in=viewers).values_list(
            "viewer_key", "taste", "aversion"
        )
    }
    centre = index.matrix.mean(0) if index.size else None
    x, y = [], []
    for viewer, world in keys:
        total, positive, negative = pairs[(viewer, world)]
        if world not in stats or viewer not in profiles or not index.has(world):
            continue
        utility_sum, exposures = stats[world]
        value = (utility_sum - total + priors.value_strength * priors.value_mean) / (
            max(exposures - 1, 0) + priors.value_strength
        )
        vector = index.vectors([world])[0]
        taste, aversion = profiles[viewer]
        affinity = aversion_feature = 0.0
        if taste is not None:
            taste = taste - positive * vector
            norm = np.linalg.norm(taste)
            if norm > 1e-6:
                affinity = float((taste @ vector - taste @ centre) / norm)
        if aversion is not None:
            aversion = aversion - negative * vector
            norm = np.linalg.norm(aversion)
            if norm > 1e-6:
                aversion_feature = max(float(aversion @ vector / norm), 0.0) * min(
                    norm / AVERSION_SATURATION, 1.0
                )
        x.append((value, affinity, aversion_feature, 1.0))
        y.append(total)
    if len(y) < MIN_SAMPLES:
        return {}, len(y)
    x, y = np.asarray(x), np.asarray(y)
    scale = x.std(0)
    scale[scale < 1e-9] = 1.0
    scale[-1] = 1.0
    xs = x / scale
    gram = xs.T @ xs + RIDGE * np.diag([1.0, 1.0, 1.0, 0.0])
    coef = np.linalg.solve(gram, xs.T @ y) / scale
    fitted = {name: float(np.clip(coef[i], *BOUNDS[name])) for i, name in enumerate(FITTED)}
    return fitted, len(y)


def _rederive_all(priors: Priors) -> None:
    exposures = Greatest(F("impressions"), F("plays"))
    WorldStats.objects.update(
        value=(F("utility_sum") + Value(priors.value_strength * priors.value_mean))
        / (exposures + Value(priors.value_strength)),
        alpha=Value(priors.engage_alpha) + Least(F("engaged_plays"), exposures),
        beta=Value(priors.engage_beta) + exposures - Least(F("engaged_plays"), exposures),
    )
