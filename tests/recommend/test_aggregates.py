"""Per-world and per-viewer aggregates folded incrementally from the event log."""

import numpy as np
import pytest

from recommend.aggregates import aggregates_refresh
from recommend.embeddings import from_bytes
from recommend.models import AggregationCursor, RankerModel, ViewerProfile, WorldStats
from recommend.priors import Priors, fitted_current
from recommend.services import ranker_fit
from tests.factories import WorldFactory
from tests.recommend.conftest import unit
from tests.recommend.helpers import log, played
from worlds.models import World

pytestmark = pytest.mark.django_db


def test_refresh_counts_every_signal_once(embed):
    good, bad = WorldFactory.create_batch(2)
    embed(good, 1)
    embed(bad, 2)
    played("s:a", good, 180, cells=12, actions=300, distinct_actions=5, mechanic_actions=90)
    log("s:a", good, "like")
    log("s:a", good, "share")
    played("s:b", good, 40)
    played("s:a", bad, 1.2)
    log("s:a", bad, "not_interested")
    report = aggregates_refresh(lag_seconds=0)
    assert report.events == 15 and report.worlds == 2 and report.viewers == 2

    g = WorldStats.objects.get(world=good)
    assert (g.impressions, g.plays, g.engaged_plays, g.likes, g.shares, g.skips) == (2, 2, 2, 1, 1, 0)
    assert (g.play_ms, g.explored_cells, g.actions, g.action_kinds, g.mechanic_actions) == (
        220_000,
        12,
        300,
        5,
        90,
    )
    b = WorldStats.objects.get(world=bad)
    assert (b.impressions, b.skips, b.not_interested, b.engaged_plays) == (1, 1, 1, 0)
    assert g.value > Priors().value_mean > b.value  # explored for minutes beats left after a second
    assert b.utility_sum < -5  # "not interested" weighs heavily
    assert g.alpha > b.alpha and b.beta > g.beta - 1

    assert aggregates_refresh(lag_seconds=0).events == 0  # nothing counted twice
    assert WorldStats.objects.get(world=good).impressions == 2
    assert AggregationCursor.objects.get(name="events").last_event_id > 0


def test_viewer_profile_holds_taste_and_aversion(embed):
    liked, disliked = WorldFactory.create_batch(2)
    embed(liked, 5)
    embed(disliked, 9)
    played("s:v", liked, 300)
    played("s:v", disliked, 0.8)
    log("s:v", disliked, "report")
    aggregates_refresh(lag_seconds=0)
    profile = ViewerProfile.objects.get(pk="s:v")
    taste, aversion = from_bytes(profile.taste), from_bytes(profile.aversion)
    assert taste @ unit(5) > 0.99 * np.linalg.norm(taste)
    assert aversion @ unit(9) > 0.99 * np.linalg.norm(aversion)
    assert (profile.impressions, profile.plays, profile.skips) == (2, 2, 1)
    assert profile.negatives >= 2 and profile.positives >= 1


def test_refresh_waits_for_recent_events_and_gives_every_world_a_row():
    world = WorldFactory()
    WorldFactory(status=World.Status.DRAFT)
    log("s:x", world, "impression")
    report = aggregates_refresh(lag_seconds=3600)
    assert report.events == 0  # too recent: an earlier id might still be uncommitted
    assert WorldStats.objects.count() == 1 and WorldStats.objects.get().impressions == 0
    assert aggregates_refresh(lag_seconds=0).events == 1


def test_refresh_in_chunks_equals_one_pass():
    world = WorldFactory()
    for _ in range(7):
        played("s:c", world, 30)
    report = aggregates_refresh(lag_seconds=0, chunk_size=5)
    assert report.events == 28
    assert WorldStats.objects.get(world=world).plays == 7


def test_ranker_fit_estimates_priors_and_weights_and_rederives_values(embed):
    rng = np.random.default_rng(0)
    worlds = WorldFactory.create_batch(24)
    for i, world in enumerate(worlds):
        embed(world, i % 4)
    for v in range(30):
        home = v % 4
        for world in rng.choice(worlds, size=12, replace=False):
            axis = worlds.index(world) % 4
            played(f"s:{v}", world, 200 if axis == home else 1.0)
    aggregates_refresh(lag_seconds=0)
    model = ranker_fit()
    assert RankerModel.objects.count() == 1 and model.samples >= 300
    assert model.weights["affinity"] > 0 and model.weights["aversion"] <= 0 and model.weights["value"] >= 0.3
    fitted = fitted_current()
    assert fitted.priors.value_mean == pytest.approx(model.priors["value_mean"])
    stats = WorldStats.objects.exclude(impressions=0).first()
    exposures = max(stats.impressions, stats.plays)
    expected = (stats.utility_sum + fitted.priors.value_strength * fitted.priors.value_mean) / (
        exposures + fitted.priors.value_strength
    )
    assert stats.value == pytest.approx(expected, rel=1e-4)
