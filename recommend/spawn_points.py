"""The spawn-point bandit: which starting state of a world leads to the longest exploration.

Each spawn point is an arm; its reward is `recommend.aggregates.exploration_reward` of every play that
started there (log of distinct places reached, or of play time when places were not measured). Gaussian
Thompson sampling: each arm's mean reward has a normal posterior, prior centred on the mean of the world's
arms (worth PRIOR_PLAYS plays), spread by the pooled reward deviation; the arm with the highest draw serves.
An arm never played draws from the prior, so new spawn points are tried; losers are still tried, rarely.
"""

from __future__ import annotations

import math

import numpy as np

PRIOR_PLAYS = 1.0
DEFAULT_MEAN = 1.0
DEFAULT_SD = 1.0


def arms_sample(arms: list[tuple[int, float, float]], *, rng: np.random.Generator) -> int:
    """Index of the arm to serve; `arms` holds (plays, reward_sum, reward_sq_sum) per arm."""
    plays = np.asarray([a[0] for a in arms], np.float64)
    sums = np.asarray([a[1] for a in arms], np.float64)
    squares = np.asarray([a[2] for a in arms], np.float64)
    total = plays.sum()
    prior_mean = sums.sum() / total if total else DEFAULT_MEAN
    if total >= 2:
        variance = max(squares.sum() / total - prior_mean**2, 1e-4)
        sd = math.sqrt(variance)
    else:
        sd = DEFAULT_SD
    posterior_mean = (sums + PRIOR_PLAYS * prior_mean) / (plays + PRIOR_PLAYS)
    posterior_sd = sd / np.sqrt(plays + PRIOR_PLAYS)
    return int(np.argmax(rng.normal(posterior_mean, posterior_sd)))
