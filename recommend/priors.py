"""The current fitted ranker: catalogue priors and score weights, as the latest `RankerModel` row says.

Contract: `fitted_current()` never fails and never returns None: before the first fit (or on a fresh
database) it returns the defaults below. The result is cached per process and re-read when
`ranker_fit` bumps the shared version, or after `MAX_STALENESS_SECONDS`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field

from django.core.cache import cache

VERSION_KEY = "recommend:ranker:version"
MAX_STALENESS_SECONDS = 60.0


@dataclass(frozen=True)
class Priors:
    """Empirical-Bayes priors of the catalogue.

    value_mean / value_strength: a world's utility per impression is shrunk towards value_mean as if it had
    value_strength extra impressions at that mean. engage_alpha / engage_beta: the Beta prior of the engage
    rate (share of exposures that became a play of ENGAGED_PLAY_MS or more).
    """

    value_mean: float = 0.8
    value_strength: float = 10.0
    engage_alpha: float = 1.0
    engage_beta: float = 2.0


#: Score = sum(weight * feature); see recommend.ranking.FEATURES for what each feature is.
DEFAULT_WEIGHTS = {
    "value": 1.0,
    "affinity": 3.0,
    "aversion": -4.0,
    "followed": 0.8,
    "remix_of_liked": 0.6,
    "freshness": 0.2,
}


@dataclass(frozen=True)
class Fitted:
    priors: Priors = field(default_factory=Priors)
    weights: dict = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    samples: int = 0

    def as_json(self) -> dict:
        return {"priors": asdict(self.priors), "weights": self.weights, "samples": self.samples}


_lock = threading.Lock()
_cached: dict = {"version": object(), "at": 0.0, "fitted": Fitted()}


def fitted_current() -> Fitted:
    """The newest fit, or the defaults (see module contract)."""
    version = cache.get(VERSION_KEY)
    now = time.monotonic()
    if version == _cached["version"] and now - _cached["at"] < MAX_STALENESS_SECONDS:
        return _cached["fitted"]
    from recommend.models import RankerModel

    row = RankerModel.objects.order_by("-fitted_at", "-id").first()
    fitted = Fitted()
    if row is not None:
        known = {k: float(v) for k, v in (row.priors or {}).items() if k in Priors.__dataclass_fields__}
        fitted = Fitted(
            priors=Priors(**known), weights={**DEFAULT_WEIGHTS, **(row.weights or {})}, samples=row.samples
        )
    with _lock:
        _cached.update(version=version, at=now, fitted=fitted)
    return fitted


def priors_current() -> Priors:
    return fitted_current().priors


def fitted_forget() -> None:
    """Drop this process's cached fit (tests, and right after a new fit is written)."""
    with _lock:
        _cached.update(version=object(), at=0.0)


def bump_version() -> None:
    cache.set(VERSION_KEY, time.time_ns(), timeout=None)
    fitted_forget()
