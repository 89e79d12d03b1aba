import json

import pytest

from feed.models import EngagementEvent
from tests.factories import WorldFactory
from worlds.models import World

pytestmark = pytest.mark.django_db


def post_json(client, url, payload, **headers):
    return client.post(url, data=json.dumps(payload), content_type="application/json", **headers)


def test_feed_page_lists_published_worlds_as_cards(client):
    published = WorldFactory.create_batch(3)
    draft = WorldFactory(status=World.Status.DRAFT, title="Secret draft")
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    for world in published:
        assert f'data-world-id="{world.pk}"' in html
    assert f'data-world-id="{draft.pk}"' not in html and "Secret draft" not in html


def test_user_text_is_escaped_on_the_feed(client):
    WorldFactory(title="<script>alert(1)</script>", prompt='<img src=x onerror="boom">')
    html = client.get("/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert '<img src=x onerror="boom">' not in html


def test_feed_api_excludes_seen_worlds(client):
    a, b, c = WorldFactory.create_batch(3)
    response = client.get(f"/api/feed/?exclude={a.pk},{b.pk}")
    ids = [card["id"] for card in response.json()["cards"]]
    assert ids == [c.pk]
    assert set(response.json()["cards"][0]) >= {
        "title",
        "creator_name",
        "prompt",
        "like_count",
        "remix_count",
        "preview_url",
        "liked",
        "url",
    }
    assert client.get("/api/feed/?exclude=1,x").status_code == 400


def test_like_toggles_and_counts(client):
    world = WorldFactory()
    client.get("/")  # gets a viewer session
    assert client.post(f"/api/worlds/{world.pk}/like/").json() == {"liked": True, "like_count": 1}
    assert client.post(f"/api/worlds/{world.pk}/like/").json() == {"liked": False, "like_count": 0}
    kinds = list(EngagementEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["like", "unlike"]
    assert client.post("/api/worlds/999999/like/").status_code == 404


def test_event_batch_is_stored_whole(client):
    a, b = WorldFactory.create_batch(2)
    response = post_json(
        client,
        "/api/events/",
        {
            "events": [
                {"type": "impression", "world": a.pk},
                {"type": "skip", "world": a.pk, "ms": 900},
                {"type": "dwell", "world": b.pk, "ms": 15000},
            ]
        },
    )
    assert response.status_code == 200 and response.json() == {"stored": 3}
    assert EngagementEvent.objects.filter(kind="skip", world=a, ms=900).exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"events": [{"type": "impression", "world": 1}, {"type": "hack", "world": 1}]},
        {"events": [{"type": "dwell", "world": "1"}]},
        {"events": [{"type": "dwell", "world": 1, "ms": -5}]},
        {"events": []},
        {"events": [{"type": "impression", "world": 1}] * 101},
        ["not", "an", "object"],
    ],
)
def test_malformed_event_batches_are_rejected_whole(client, payload):
    WorldFactory(pk=1)
    response = post_json(client, "/api/events/", payload)
    assert response.status_code == 400 and response.json()["error"]
    assert EngagementEvent.objects.count() == 0


def test_events_for_unknown_worlds_write_nothing(client):
    world = WorldFactory()
    response = post_json(
        client,
        "/api/events/",
        {"events": [{"type": "impression", "world": world.pk}, {"type": "impression", "world": 987654}]},
    )
    assert response.status_code == 400 and EngagementEvent.objects.count() == 0


def test_events_need_json_from_the_same_origin(client):
    world = WorldFactory()
    body = {"events": [{"type": "impression", "world": world.pk}]}
    assert post_json(client, "/api/events/", body, HTTP_ORIGIN="https://evil.example").status_code == 403
    assert client.post("/api/events/", data="x=1", content_type="text/plain").status_code == 415
    assert client.post("/api/events/", data="{", content_type="application/json").status_code == 400
    assert post_json(client, "/api/events/", body, HTTP_ORIGIN="http://testserver").status_code == 200


def test_world_page_and_404s(client):
    world = WorldFactory(title="Permalink World")
    assert "Permalink World" in client.get(f"/w/{world.pk}/").content.decode()
    draft = WorldFactory(status=World.Status.DRAFT)
    assert client.get(f"/w/{draft.pk}/").status_code == 404
    assert client.get("/w/424242/").status_code == 404
