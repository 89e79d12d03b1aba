"""Signals in: batched browser events (all or nothing), and what the play socket measures at play end."""

import json

import pytest

from feed.models import EngagementEvent, PlaySession
from feed.play_activity import CELL_PX, WALK_PX_PER_TICK, ActivityTracker
from feed.services import PlayActivity, play_session_end, play_session_start
from inference.actions import Button
from tests.factories import WorldFactory
from worlds.models import World

pytestmark = pytest.mark.django_db


def post(client, payload):
    return client.post("/api/events/", data=json.dumps(payload), content_type="application/json")


def test_a_batch_of_every_browser_signal_is_stored(client):
    a, b = WorldFactory.create_batch(2)
    response = post(
        client,
        {
            "events": [
                {"type": "impression", "world": a.pk},
                {"type": "skip", "world": a.pk, "ms": 700},
                {"type": "not_interested", "world": a.pk},
                {"type": "impression", "world": b.pk},
                {"type": "dwell", "world": b.pk, "ms": 42_000},
                {"type": "share", "world": b.pk},
            ]
        },
    )
    assert response.status_code == 200 and response.json() == {"stored": 6}
    kinds = list(EngagementEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["impression", "skip", "not_interested", "impression", "dwell", "share"]
    assert len(set(EngagementEvent.objects.values_list("viewer_key", flat=True))) == 1


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "play_end", "world": 1, "ms": 5},  # server-recorded kinds cannot be forged by a browser
        {"type": "like", "world": 1},
        {"type": "dwell", "world": "1", "ms": 5},
        {"type": "dwell", "world": 1, "ms": -1},
        {"type": "dwell", "world": 1, "ms": True},
        "impression",
    ],
)
def test_a_malformed_event_rejects_the_whole_batch(client, bad):
    world = WorldFactory()
    if isinstance(bad, dict) and bad.get("world") == 1:
        bad = {**bad, "world": world.pk}
    response = post(client, {"events": [{"type": "impression", "world": world.pk}, bad]})
    assert response.status_code == 400 and "error" in response.json()
    assert EngagementEvent.objects.count() == 0


def test_unknown_or_unpublished_worlds_reject_the_whole_batch(client):
    world = WorldFactory()
    draft = WorldFactory(status=World.Status.DRAFT)
    for other in (draft.pk, 987654):
        response = post(
            client,
            {"events": [{"type": "impression", "world": world.pk}, {"type": "impression", "world": other}]},
        )
        assert response.status_code == 400
    assert post(client, {"events": []}).status_code == 400
    assert post(client, {"events": [{"type": "impression", "world": world.pk}] * 101}).status_code == 400
    assert client.post("/api/events/", data="{nope", content_type="application/json").status_code == 400
    assert EngagementEvent.objects.count() == 0


def test_play_end_records_activity_on_the_session_and_in_the_event():
    world = WorldFactory()
    session = play_session_start(world=world, viewer_key="s:abc", user=None, seed=1)
    play_session_end(
        session_id=session.pk,
        reason="closed",
        action_count=40,
        buttons_used=31,
        frames_sent=10,
        frames_dropped=0,
        activity=PlayActivity(
            distinct_actions=4,
            mechanic_actions=12,
            explored_cells=9,
            explore_source="input_proxy",
            spawn_point_id=77,
        ),
    )
    session = PlaySession.objects.get(pk=session.pk)
    assert (
        session.distinct_actions,
        session.mechanic_actions,
        session.explored_cells,
        session.explore_source,
        session.spawn_point_id,
    ) == (4, 12, 9, "input_proxy", 77)
    end = EngagementEvent.objects.get(kind="play_end")
    assert (
        end.data["cells"] == 9 and end.data["cells_source"] == "input_proxy" and end.data["spawn_point"] == 77
    )
    assert (
        end.data["distinct_actions"] == 4 and end.data["mechanic_actions"] == 12 and end.data["actions"] == 40
    )


def test_activity_tracker_dead_reckons_places_and_counts_mechanics():
    tracker = ActivityTracker(mechanics=["gravity"], fps=20, now=0.0)
    tracker.on_action(int(Button.RIGHT), 0.0)
    tracker.on_action(int(Button.RIGHT | Button.JUMP), 4.0)  # 4 s right: 160 px = 2.5 cells
    tracker.on_action(0, 5.0)
    tracker.on_action(int(Button.DOWN), 5.0)
    activity = tracker.finish(8.0)  # 3 s down: 120 px
    walked_right = WALK_PX_PER_TICK * 20 * 5 // CELL_PX
    assert activity.explore_source == "input_proxy"
    assert activity.explored_cells >= walked_right + 2
    assert activity.distinct_actions == 3  # RIGHT, RIGHT+JUMP, DOWN
    assert activity.mechanic_actions == 1  # only the jump exercises gravity
    standing = ActivityTracker(mechanics=[], fps=20, now=0.0).finish(30.0)
    assert standing.explored_cells == 1 and standing.distinct_actions == 0


def test_activity_prefers_cells_the_world_model_measured():
    tracker = ActivityTracker(mechanics=["collectibles"], fps=20, now=0.0)
    tracker.on_action(int(Button.LEFT), 0.0)
    activity = tracker.finish(2.0, reported={"cells": 17}, spawn_point_id=3)
    assert (activity.explored_cells, activity.explore_source, activity.spawn_point_id) == (17, "engine", 3)
    assert activity.mechanic_actions == 1
