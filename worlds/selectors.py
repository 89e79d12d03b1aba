"""Reads of worlds for pages, the feed and live play."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from django.urls import reverse

from worlds.models import Like, World


@dataclass(frozen=True)
class WorldCard:
    """What a feed card or world page shows about one world."""

    id: int
    title: str
    creator_name: str
    prompt: str
    like_count: int
    remix_count: int
    preview_url: str
    liked: bool
    url: str

    def as_json(self) -> dict:
        return asdict(self)


def published_worlds():
    """Worlds any viewer may see and play."""
    return World.objects.filter(status=World.Status.PUBLISHED)


def world_get_published(*, world_id: int) -> World | None:
    return published_worlds().select_related("creator").filter(pk=world_id).first()


def world_cards(*, worlds: Iterable[World], viewer_key: str | None) -> list[WorldCard]:
    worlds = list(worlds)
    liked = set()
    if viewer_key:
        liked = set(
            Like.objects.filter(viewer_key=viewer_key, world__in=worlds).values_list("world_id", flat=True)
        )
    return [
        WorldCard(
            id=w.pk,
            title=w.title,
            creator_name=w.creator.get_username(),
            prompt=w.prompt,
            like_count=w.like_count,
            remix_count=w.remix_count,
            preview_url=reverse("worlds:preview", args=[w.pk]),
            liked=w.pk in liked,
            url=reverse("worlds:detail", args=[w.pk]),
        )
        for w in worlds
    ]


def feed_cards(*, viewer_key: str | None, exclude_ids: Iterable[int] = (), limit: int = 10) -> list[WorldCard]:
    """The next cards for a viewer: published worlds not in exclude_ids, newest first.

    Ranking from play signals replaces this order in recommend/ (issue 6); the contract stays.
    """
    worlds = published_worlds().select_related("creator").exclude(pk__in=list(exclude_ids))[:limit]
    return world_cards(worlds=worlds, viewer_key=viewer_key)


def world_play_setup(*, world: World) -> dict:
    """The JSON-serialisable description of a world a play session task starts from."""
    return {
        "prompt": world.prompt,
        "mechanics": list(world.mechanics),
        "seed": world.seed,
        "reference_image": world.reference_image.name or None,
    }
