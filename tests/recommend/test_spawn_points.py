"""The spawn-point bandit: serve the starting state whose plays explore furthest."""

from collections import Counter

import numpy as np
import pytest

from recommend.aggregates import aggregates_refresh
from recommend.models import SpawnPointArm
from recommend.selectors import spawn_point_choose
from recommend.spawn_points import arms_sample
from tests.factories import WorldFactory
from tests.recommend.helpers import log
from worlds.models import SpawnPoint
from worlds.selectors import world_play_setup


def test_thompson_arms_prefer_the_better_arm_and_try_new_ones():
    rng = np.random.default_rng(1)
    good, poor, new = (50, 50 * 3.0, 50 * 9.5), (50, 50 * 1.0, 50 * 1.5), (0, 0.0, 0.0)
    picks = Counter(arms_sample([good, poor, new], rng=rng) for _ in range(3000))
    assert picks[0] > picks[2] > picks[1] >= 0 and picks[2] > 30


@pytest.mark.django_db
def test_spawn_point_choose_learns_from_play_ends():
    world = WorldFactory()
    assert spawn_point_choose(world=world) is None
    first = SpawnPoint.objects.create(world=world, state=b"a", backend="engine")
    assert spawn_point_choose(world=world) == first
    second = SpawnPoint.objects.create(world=world, state=b"b", backend="engine")
    for _ in range(12):  # plays from `second` reach 30 places, from `first` 2
        log("s:x", world, "play_end", 60_000, cells=30, spawn_point=second.pk)
        log("s:x", world, "play_end", 60_000, cells=2, spawn_point=first.pk)
    aggregates_refresh(lag_seconds=0)
    arm = SpawnPointArm.objects.get(pk=second.pk)
    assert (
        arm.plays == 12
        and arm.world_id == world.pk
        and arm.reward_sum > SpawnPointArm.objects.get(pk=first.pk).reward_sum
    )
    rng = np.random.default_rng(0)
    picks = Counter(spawn_point_choose(world=world, rng=rng).pk for _ in range(200))
    assert picks[second.pk] > 190


@pytest.mark.django_db
def test_play_setup_carries_the_chosen_spawn_point():
    world = WorldFactory()
    point = SpawnPoint.objects.create(world=world, state=b"snapshot", backend="engine")
    setup = world_play_setup(world=world)
    assert setup["spawn_point"] == point.pk and setup["spawn_state"]
