"""Running the simulated population through each policy and measuring it (eval_recommender).

Protocol:
1. Build the catalogue (recommend.simulation.catalogue) and the population (recommend.simulation.population).
2. Warm-up: `warmup_rounds` rounds in which every viewer has one session under the *random* policy; the
   aggregates refresh and the ranker is fitted. This is the shared history every policy starts from, so the
   baselines and the ALS model learn from the same events as the ranker.
3. For each policy, from that same starting point (a savepoint, rolled back afterwards): `rounds` rounds, one
   session per viewer per round, new worlds publishing at the start of each round. A session asks its policy
   for 10 cards at a time (as the browser does), plays them card by card until the viewer leaves, and every
   page's events go through the live ingest service. After each round the beat tasks run (aggregates every
   round, the ranker fit every `fit_every` rounds).
Metrics, over the evaluated rounds only:
  play_time_per_session  mean seconds played per session
  ndcg10                 nDCG@10 of each session's first page against the viewer's true expected play time
                         over every published world they had not seen
  coverage               share of the catalogue shown at least once
  novelty                mean self-information -log2(share of viewers shown the world) of shown cards
Everything runs inside one transaction that is rolled back: the database is left as it was.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db import transaction

from feed.models import EngagementEvent
from feed.services import ClientEvent, engagement_record_batch
from recommend import exploration
from recommend.candidates import catalogue_changed
from recommend.embeddings import embedding_index_reset
from recommend.priors import fitted_current, fitted_forget
from recommend.services import aggregates_refresh, ranker_fit
from recommend.simulation.catalogue import arrivals_publish, catalogue_build
from recommend.simulation.policies import POLICIES, RandomPolicy
from recommend.simulation.population import Outcome, Population

K = EngagementEvent.Kind
PAGE = 10


@dataclass
class Metrics:
    session_seconds: list[float] = field(default_factory=list)
    ndcg: list[float] = field(default_factory=list)
    shown: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))  # world -> viewers
    impressions: list[int] = field(default_factory=list)
    skips: int = 0
    requests: int = 0
    request_seconds: float = 0.0

    def summary(self, catalogue_size: int, viewers: int) -> dict:
        novelty = (
            [-math.log2(len(self.shown[w]) / viewers) for w in self.impressions] if self.impressions else [0]
        )
        return {
            "play_time_per_session": round(float(np.mean(self.session_seconds or [0])), 3),
            "ndcg10": round(float(np.mean(self.ndcg or [0])), 4),
            "coverage": round(len(self.shown) / max(catalogue_size, 1), 4),
            "novelty": round(float(np.mean(novelty)), 4),
            "sessions": len(self.session_seconds),
            "impressions": len(self.impressions),
            "skip_rate": round(self.skips / max(len(self.impressions), 1), 4),
            "ms_per_request": round(1000 * self.request_seconds / max(self.requests, 1), 2),
        }


@dataclass
class Run:
    population: Population
    world_ids: list[int]
    viewer_keys: list[str]
    seen: dict[int, set[int]]
    published: set[int]
    row_of: dict[int, int] = field(default_factory=dict)  # world id -> population row

    def __post_init__(self) -> None:
        self.row_of = {w: i for i, w in enumerate(self.world_ids)}


def evaluate(
    *,
    seed: int,
    users: int,
    worlds: int,
    rounds: int = 6,
    warmup_rounds: int = 2,
    policies: tuple[str, ...] = ("ranker", "popularity", "random", "als"),
    arrival_share: float = 0.2,
    fit_every: int = 2,
    encode=None,
    log=print,
) -> dict:
    """Run the protocol above and return {"policies": {name: metrics}, ...}; the database is unchanged."""
    unknown = set(policies) - set(POLICIES)
    if unknown:
        raise ValueError(f"unknown policies {sorted(unknown)}; choose from {sorted(POLICIES)}")
    started = time.monotonic()
    rng = np.random.default_rng(seed)
    results: dict[str, dict] = {}
    ranker_model: dict = {}
    try:
        with transaction.atomic():
            catalogue = catalogue_build(
                worlds=worlds,
                arrival_share=arrival_share,
                rounds=rounds,
                rng=rng,
                run_tag=f"{seed}-{time.time_ns()}",
                encode=encode,
            )
            population = Population.sample(embeddings=catalogue.embeddings, users=users, rng=rng)
            held = {w for ids in catalogue.arrivals.values() for w in ids}
            run = Run(
                population=population,
                world_ids=catalogue.world_ids,
                viewer_keys=[f"sim:{seed}:{u}" for u in range(users)],
                seen=defaultdict(set),
                published={w for w in catalogue.world_ids if w not in held},
            )
            log(
                f"catalogue: {worlds} worlds ({len(held)} arriving later), {users} viewers "
                f"[{time.monotonic() - started:.1f} s]"
            )
            warm = RandomPolicy(
                seen=run.seen, viewer_keys=run.viewer_keys, rng=np.random.default_rng(seed + 1)
            )
            for _ in range(warmup_rounds):
                _round(warm, run, np.random.default_rng(rng.integers(2**31)), Metrics())
                aggregates_refresh(lag_seconds=0)
            if warmup_rounds:
                ranker_fit()
            fitted_forget()
            for position, name in enumerate(policies):
                results[name], fit = _evaluate_policy(
                    name, run, catalogue, seed=seed, rounds=rounds, fit_every=fit_every, salt=position
                )
                if name == "ranker":
                    ranker_model = fit
                log(f"{name}: {results[name]} [{time.monotonic() - started:.1f} s]")
            transaction.set_rollback(True)
    finally:
        exploration.rng_seed(None)
        fitted_forget()
        catalogue_changed()
        embedding_index_reset()
    return {
        "seed": seed,
        "users": users,
        "worlds": worlds,
        "rounds": rounds,
        "warmup_rounds": warmup_rounds,
        "policies": results,
        "ranker_model": ranker_model,
        "seconds": round(time.monotonic() - started, 1),
    }


def _evaluate_policy(
    name: str, run: Run, catalogue, *, seed: int, rounds: int, fit_every: int, salt: int
) -> tuple[dict, dict]:
    """One policy's metrics over the evaluated rounds, and the ranker fit it ended with."""
    savepoint = transaction.savepoint()
    fitted_forget()
    catalogue_changed()
    exploration.rng_seed(seed)
    seen = defaultdict(set, {u: set(s) for u, s in run.seen.items()})
    state = Run(
        population=run.population,
        world_ids=run.world_ids,
        viewer_keys=run.viewer_keys,
        seen=seen,
        published=set(run.published),
    )
    # Same viewer behaviour randomness for every policy (common random numbers); rounds differ only by policy.
    behaviour = np.random.default_rng([seed, 7])
    policy = POLICIES[name](
        seen=seen, viewer_keys=run.viewer_keys, rng=np.random.default_rng([seed, 11, salt])
    )
    metrics = Metrics()
    try:
        for r in range(rounds):
            arrivals_publish(catalogue.arrivals.get(r, []))
            state.published |= set(catalogue.arrivals.get(r, []))
            _round(policy, state, behaviour, metrics)
            aggregates_refresh(lag_seconds=0)
            if fit_every and (r + 1) % fit_every == 0:
                ranker_fit()
                fitted_forget()
        return metrics.summary(len(run.world_ids), len(run.viewer_keys)), fitted_current().as_json()
    finally:
        transaction.savepoint_rollback(savepoint)
        fitted_forget()
        catalogue_changed()


def _round(policy, run: Run, rng: np.random.Generator, metrics: Metrics) -> None:
    policy.prepare()
    for viewer in rng.permutation(len(run.viewer_keys)):
        _session(policy, run, int(viewer), rng, metrics)


def _session(policy, run: Run, viewer: int, rng: np.random.Generator, metrics: Metrics) -> None:
    population, behaviour = run.population, run.population.behaviour
    loaded: set[int] = set()
    seconds, cards, first_page = 0.0, 0, True
    while cards < behaviour["max_cards"]:
        started = time.perf_counter()
        page = policy.recommend(viewer, loaded, PAGE)
        metrics.request_seconds += time.perf_counter() - started
        metrics.requests += 1
        if not page:
            break
        if first_page:
            metrics.ndcg.append(_ndcg(run, viewer, page))
            first_page = False
        loaded |= set(page)
        events, left = [], False
        for world_id in page:
            outcome = population.respond(viewer, run.row_of[world_id], rng)
            events += _events(world_id, outcome)
            run.seen[viewer].add(world_id)
            metrics.shown[world_id].add(viewer)
            metrics.impressions.append(world_id)
            metrics.skips += outcome.skipped
            seconds += outcome.play_ms / 1000
            cards += 1
            if population.leaves(outcome, rng) or cards >= behaviour["max_cards"]:
                left = True
                break
        engagement_record_batch(events=events, viewer_key=run.viewer_keys[viewer], user=None)
        if left:
            break
    metrics.session_seconds.append(seconds)


def _ndcg(run: Run, viewer: int, page: list[int]) -> float:
    candidates = [run.row_of[w] for w in run.published if w not in run.seen[viewer]]
    if not candidates:
        return 0.0
    relevance = run.population.expected_play_seconds(viewer, np.asarray(candidates))
    ideal = np.sort(relevance)[::-1][:PAGE]
    discounts = 1.0 / np.log2(np.arange(2, PAGE + 2))
    idcg = float((ideal * discounts[: len(ideal)]).sum())
    gains = run.population.expected_play_seconds(viewer, np.asarray([run.row_of[w] for w in page]))
    dcg = float((gains * discounts[: len(gains)]).sum())
    return dcg / idcg if idcg > 0 else 0.0


def _events(world_id: int, o: Outcome) -> list[ClientEvent]:
    events = [ClientEvent(K.IMPRESSION, world_id, None), ClientEvent(K.PLAY_START, world_id, None)]
    events.append(ClientEvent(K.SKIP if o.skipped else K.DWELL, world_id, o.play_ms))
    events.append(
        ClientEvent(
            K.PLAY_END,
            world_id,
            o.play_ms,
            {
                "actions": o.actions,
                "distinct_actions": o.distinct_actions,
                "mechanic_actions": o.mechanic_actions,
                "cells": o.cells,
                "cells_source": "simulated",
            },
        )
    )
    for flag, kind in (
        (o.like, K.LIKE),
        (o.share, K.SHARE),
        (o.follow, K.FOLLOW),
        (o.not_interested, K.NOT_INTERESTED),
    ):
        if flag:
            events.append(ClientEvent(kind, world_id, None))
    return events
