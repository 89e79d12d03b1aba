"""Only published, unflagged worlds reach the feed: held and rejected worlds leave it at the next request."""

import pytest

from moderation.models import ReviewCase
from moderation.services import case_decide, case_open
from tests.factories import WorldFactory
from worlds.selectors import feed_cards, published_worlds

pytestmark = pytest.mark.django_db


def feed_ids():
    return {card.id for card in feed_cards(viewer_key="s:test", limit=50)}


def test_a_holding_case_takes_a_published_world_out_until_approved(moderator):
    world, other = WorldFactory(), WorldFactory()
    assert {world.pk, other.pk} <= feed_ids()
    case = case_open(
        world=world, source=ReviewCase.Source.LIVE, category="photosensitivity", summary="strobing", hold=True
    )
    assert world.pk not in feed_ids() and not published_worlds().filter(pk=world.pk).exists()
    assert other.pk in feed_ids()
    case_decide(case=case, actor=moderator, decision="approve", reason="false alarm: slow day/night cycle")
    assert world.pk in feed_ids()


def test_a_rejected_world_leaves_every_feed(moderator):
    world = WorldFactory()
    case = case_open(world=world, source=ReviewCase.Source.REPORT, summary="hateful graffiti")
    assert world.pk in feed_ids()  # a non-holding case does not pull it by itself
    case_decide(case=case, actor=moderator, decision="reject", reason="hateful graffiti on every wall")
    assert world.pk not in feed_ids()
    world.refresh_from_db()
    assert world.rejection_reason == "hateful graffiti on every wall"
