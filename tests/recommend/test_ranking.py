"""The feed end to end: ranking, negative feedback, no repeats, diversity, "Why this world?"."""

import numpy as np
import pytest

from recommend.aggregates import aggregates_refresh
from recommend.diversity import mmr
from recommend.selectors import feed_recommend
from tests.factories import WorldFactory
from tests.recommend.conftest import unit
from tests.recommend.helpers import log, played
from worlds.selectors import feed_cards

pytestmark = pytest.mark.django_db


def test_feed_never_repeats_seen_worlds_and_honours_exclude(client):
    worlds = WorldFactory.create_batch(25)
    client.get("/")
    first = client.get("/api/feed/").json()["cards"]
    assert len(first) == 10 and len({c["id"] for c in first}) == 10
    assert all(c["reason"] for c in first)  # every card says why it is there
    ids = ",".join(str(c["id"]) for c in first)
    second = client.get(f"/api/feed/?exclude={ids}").json()["cards"]
    assert not {c["id"] for c in first} & {c["id"] for c in second}
    assert {c["id"] for c in first + second} <= {w.pk for w in worlds}


def test_played_worlds_never_come_back():
    worlds = WorldFactory.create_batch(12)
    for world in worlds[:8]:
        played("s:p", world, 30)
    picks = feed_recommend(viewer_key="s:p", limit=10)
    assert {p.world_id for p in picks} == {w.pk for w in worlds[8:]}


def test_taste_and_quality_rank_and_negative_feedback_weighs_heavily(embed):
    favourite = WorldFactory(title="Mossy Trail")
    embed(favourite, 1)
    close = WorldFactory.create_batch(3)
    for world in close:
        embed(world, 1, noise=0.03)
    dismissed = WorldFactory()
    embed(dismissed, 2)
    like_dismissed = WorldFactory.create_batch(3)
    for world in like_dismissed:
        embed(world, 2, noise=0.03)
    neutral = WorldFactory.create_batch(6)
    for i, world in enumerate(neutral):
        embed(world, 10 + i)
    played("s:q", favourite, 300)
    played("s:q", dismissed, 0.9)
    log("s:q", dismissed, "not_interested")
    aggregates_refresh(lag_seconds=0)
    picks = feed_recommend(viewer_key="s:q", limit=12)
    order = [p.world_id for p in picks if p.source != "explore"]
    assert order[0] in {w.pk for w in close}
    positions = {world_id: i for i, world_id in enumerate(order)}
    for world in like_dismissed:  # near a "not interested": below everything neutral
        if world.pk in positions:
            assert all(positions[world.pk] > positions[n.pk] for n in neutral if n.pk in positions)
    reasons = {p.world_id: p.reason for p in picks}
    assert reasons[order[0]] == "Because you played “Mossy Trail”"


def test_cards_carry_the_reason(embed):
    WorldFactory.create_batch(3)
    cards = feed_cards(viewer_key="s:new", limit=3)
    assert len(cards) == 3 and all(card.reason for card in cards)
    assert cards[0].as_json()["reason"] == cards[0].reason


def test_mmr_trades_relevance_for_variety():
    vectors = np.stack([unit(1), unit(1, noise=0.01, seed=1), unit(1, noise=0.01, seed=2), unit(7), unit(9)])
    relevance = np.array([1.0, 0.99, 0.98, 0.6, 0.5])
    assert mmr(relevance, vectors, k=3, lam=1.0) == [0, 1, 2]  # lam 1: plain top-k
    diverse = mmr(relevance, vectors, k=3, lam=0.5)
    assert diverse[0] == 0 and set(diverse[1:]) == {3, 4}  # near-duplicates of the first wait
    assert mmr(relevance, vectors, k=10) and len(mmr(relevance, vectors, k=10)) == 5
    assert mmr(np.array([]), np.zeros((0, 4)), k=3) == []


def test_the_feed_page_shows_why(client):
    WorldFactory.create_batch(2)
    html = client.get("/").content.decode()
    assert 'data-field="reason"' in html and "Why this world?" in html
