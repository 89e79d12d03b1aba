"""Each candidate source, and the gathering that drops seen, blocked and unpublished worlds."""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from recommend.aggregates import aggregates_refresh
from recommend.candidates import (
    UNTESTED_IMPRESSIONS,
    candidates_gather,
    source_engaging,
    source_followed,
    source_fresh,
    source_remixes,
    source_similar,
    source_untested,
)
from recommend.models import WorldStats
from recommend.viewer import viewer_context
from tests.factories import UserFactory, WorldFactory
from tests.recommend.conftest import unit
from tests.recommend.helpers import log, played
from worlds.models import World

pytestmark = pytest.mark.django_db


def test_fresh_is_newest_published_first():
    now = timezone.now()
    old = WorldFactory(published_at=now - timedelta(days=9))
    new = WorldFactory(published_at=now - timedelta(hours=1))
    mid = WorldFactory(published_at=now - timedelta(days=2))
    WorldFactory(status=World.Status.DRAFT)
    assert source_fresh(viewer_context(viewer_key=None), 10) == [new.pk, mid.pk, old.pk]


def test_engaging_ranks_by_shrunk_value_and_untested_by_fewest_impressions():
    loved, meh, unseen = WorldFactory.create_batch(3)
    for v in range(6):
        played(f"s:{v}", loved, 240)
        played(f"s:{v}", meh, 3)
    aggregates_refresh(lag_seconds=0)
    ctx = viewer_context(viewer_key=None)
    assert source_engaging(ctx, 2) == [loved.pk, unseen.pk]  # unseen sits at the prior, above a dud
    assert source_untested(ctx, 10)[0] == unseen.pk
    WorldStats.objects.filter(world=loved).update(impressions=UNTESTED_IMPRESSIONS)
    assert loved.pk not in source_untested(ctx, 10)


def test_followed_creators_worlds_come_from_follow_signals():
    creator = UserFactory()
    followed_world, other_by_creator = WorldFactory.create_batch(2, creator=creator)
    stranger = WorldFactory()
    log("s:f", followed_world, "follow")
    ctx = viewer_context(viewer_key="s:f")
    assert ctx.followed_creators == {creator.pk}
    assert set(source_followed(ctx, 10)) == {followed_world.pk, other_by_creator.pk}
    assert stranger.pk not in source_followed(ctx, 10)


def test_remixes_of_liked_and_long_played_worlds():
    liked, played_long, unrelated = WorldFactory.create_batch(3)
    remix = WorldFactory(parent=liked, root=liked)
    remix_of_remix = WorldFactory(parent=remix, root=liked)
    remix_of_played = WorldFactory(parent=played_long, root=played_long)
    WorldFactory(parent=unrelated, root=unrelated)
    log("s:r", liked, "like")
    played("s:r", played_long, 90)
    found = source_remixes(viewer_context(viewer_key="s:r"), 10)
    assert set(found) >= {remix.pk, remix_of_remix.pk, remix_of_played.pk}
    assert not {w.pk for w in World.objects.filter(parent=unrelated)} & set(found)


def test_similar_follows_taste_and_recent_favourites(embed):
    near, near2, far = WorldFactory.create_batch(3)
    favourite = WorldFactory()
    embed(favourite, 3)
    embed(near, 3, 4)
    embed(near2, 3, noise=0.2)
    embed(far, 100)
    played("s:t", favourite, 200)
    found = source_similar(viewer_context(viewer_key="s:t"), 3)
    assert {near.pk, near2.pk} <= set(found) and far.pk not in found


def test_gather_drops_seen_blocked_and_unpublished(embed):
    seen, dismissed, fresh = WorldFactory.create_batch(3)
    gone = WorldFactory()
    played("s:g", seen, 30)
    log("s:g", dismissed, "not_interested")
    World.objects.filter(pk=gone.pk).update(status=World.Status.REJECTED)  # moderation took it down
    found = candidates_gather(viewer_context(viewer_key="s:g", exclude_ids=[]))
    assert set(found) == {fresh.pk}
    assert "fresh" in found[fresh.pk].sources
    assert candidates_gather(viewer_context(viewer_key="s:g", exclude_ids=[fresh.pk])) == {}


def test_signed_in_viewers_follow_through_the_follow_table():
    from accounts.models import Follow

    viewer, creator, dropped = UserFactory(), UserFactory(), UserFactory()
    mine = WorldFactory(creator=creator)
    WorldFactory(creator=dropped)
    Follow.objects.create(follower=viewer, followee=creator)
    ctx = viewer_context(viewer_key=f"u:{viewer.pk}")
    assert ctx.followed_creators == {creator.pk}
    assert source_followed(ctx, 10) == [mine.pk]


def test_embedding_index_catches_up_and_searches(embed):
    from recommend.embeddings import EmbeddingIndex

    a, b = WorldFactory.create_batch(2)
    embed(a, 1)
    index = EmbeddingIndex()
    index.refresh()
    assert index.size == 1 and index.has(a.pk) and not index.has(b.pk)
    embed(b, 1, 2)  # bumps the shared version
    index.refresh()
    assert index.size == 2
    assert [w for w, _ in index.nearest(unit(2), k=1)] == [b.pk]
    assert index.nearest_many(np.stack([unit(1), unit(2)]), ks=[2, 1])[1][0][0] == b.pk
    embed(a, 3)  # an edited prompt replaces the row, it does not add one
    index.refresh()
    assert index.size == 2 and index.vectors([a.pk])[0] @ unit(3) > 0.99
