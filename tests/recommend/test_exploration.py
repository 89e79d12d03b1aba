"""Exploration slots: untested worlds get traffic by Thompson sampling, and earn more when they engage."""

from collections import Counter

import numpy as np
import pytest

from recommend.aggregates import aggregates_refresh
from recommend.candidates import Candidate
from recommend.exploration import exploration_slots, explore_pick
from recommend.selectors import feed_recommend
from tests.factories import WorldFactory
from tests.recommend.helpers import played


def test_slots_take_a_fifth_of_the_page_and_never_the_first_card():
    assert exploration_slots(10) == [2, 7]
    assert exploration_slots(5) == [2]
    assert exploration_slots(2) == [] and exploration_slots(0) == []
    assert all(0 < s < 20 for s in exploration_slots(20)) and len(exploration_slots(20)) == 4


def test_thompson_sampling_favours_what_engages_but_still_tries_the_rest():
    rng = np.random.default_rng(0)
    engaging = Candidate(1, impressions=10, alpha=1 + 8, beta=2 + 2)
    dull = Candidate(2, impressions=10, alpha=1 + 1, beta=2 + 9)
    brand_new = Candidate(3, impressions=0, alpha=1, beta=2)
    graduated = Candidate(4, impressions=500, alpha=400, beta=100)
    picks = Counter(
        explore_pick([engaging, dull, brand_new, graduated], k=1, rng=rng)[0].world_id for _ in range(2000)
    )
    assert 4 not in picks  # enough impressions: no exploration traffic any more
    assert picks[1] > picks[3] > picks[2] > 0
    assert explore_pick([engaging], k=1, taken={1}, rng=rng) == []


@pytest.mark.django_db
def test_new_worlds_reach_the_feed_through_exploration_slots():
    tested = WorldFactory.create_batch(12)
    for v in range(40):
        for world in tested:
            played(f"s:{v}", world, 60)
    new = WorldFactory.create_batch(3)
    aggregates_refresh(lag_seconds=0)
    picks = feed_recommend(viewer_key="s:fresh-eyes", limit=10)
    explored = [p for p in picks if p.source == "explore"]
    assert len(explored) == 2 and {p.world_id for p in explored} <= {w.pk for w in new}
    assert all(p.reason.startswith("New world") for p in explored)
    assert [i for i, p in enumerate(picks) if p.source == "explore"] == [2, 7]
