"""Reads of worlds for pages, the feed and live play.

Visibility rule, used everywhere: a published world is visible to everyone; any other world only to
its creator (everyone else gets "not found", never "forbidden").
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, QuerySet
from django.urls import reverse

from worlds.models import Bookmark, Comment, Like, Moment, SpawnPoint, World

TREE_MAX_NODES = 60


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
    remix_url: str = ""
    reason: str = ""  # "Why this world?" on feed cards (recommend.selectors.feed_recommend)

    def as_json(self) -> dict:
        return asdict(self)


def published_worlds() -> QuerySet[World]:
    """Worlds any viewer may see and play."""
    return World.objects.filter(status=World.Status.PUBLISHED)


def world_get_published(*, world_id: int) -> World | None:
    return published_worlds().select_related("creator").filter(pk=world_id).first()


def world_get_visible(*, world_id: int, user: AbstractBaseUser | None) -> World | None:
    """The world if `user` may see and play it: published, or their own in any status; else None."""
    world = World.objects.select_related("creator", "parent", "parent__creator").filter(pk=world_id).first()
    if world is None:
        return None
    if world.status == World.Status.PUBLISHED:
        return world
    if user is not None and getattr(user, "is_authenticated", False) and world.creator_id == user.pk:
        return world
    return None


def world_get_owned(*, world_id: int, user: AbstractBaseUser) -> World | None:
    """The world if `user` created it, whatever its status; else None."""
    if not user.is_authenticated:
        return None
    return World.objects.select_related("creator").filter(pk=world_id, creator=user).first()


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
            remix_url=reverse("worlds:remix", args=[w.pk]),
        )
        for w in worlds
    ]


def feed_cards(
    *, viewer_key: str | None, exclude_ids: Iterable[int] = (), limit: int = 10
) -> list[WorldCard]:
    """The next cards for a viewer: published worlds not in exclude_ids and not seen before, ranked for this
    viewer from play signals by recommend/ (issue 6), each card with its "Why this world?" `reason`."""
    from recommend.selectors import feed_recommend  # recommend reads worlds; only the feed order goes back

    picks = feed_recommend(viewer_key=viewer_key, exclude_ids=exclude_ids, limit=limit)
    worlds = published_worlds().select_related("creator").in_bulk([p.world_id for p in picks])
    cards = world_cards(
        worlds=[worlds[p.world_id] for p in picks if p.world_id in worlds], viewer_key=viewer_key
    )
    reasons = {p.world_id: p.reason for p in picks}
    return [replace(card, reason=reasons[card.id]) for card in cards]


# --- live play --------------------------------------------------------------------------------------


def world_spawn_point(*, world: World) -> SpawnPoint | None:
    """The spawn point a new session of `world` starts from, or None for the world's own beginning.

    With several, recommend's bandit picks the one whose plays explore furthest (issue 6); callers only
    rely on "a SpawnPoint of this world or None".
    """
    from recommend.selectors import spawn_point_choose

    return spawn_point_choose(world=world)


def world_play_setup(*, world: World) -> dict:
    """The JSON-serialisable description a play session task starts from (inference.tasks.run_play_session).

    `spawn_state` is base64 of the chosen spawn point's snapshot (None for the world's beginning) and
    `spawn_point` its id. Reads the database: call it from sync code.
    """
    spawn = world_spawn_point(world=world)
    return {
        "prompt": world.prompt,
        "mechanics": list(world.mechanics),
        "seed": world.seed,
        "reference_image": world.reference_image.name or None,
        "spawn_state": base64.b64encode(bytes(spawn.state)).decode("ascii") if spawn else None,
        "spawn_point": spawn.pk if spawn else None,
    }


def moment_get(*, moment_id: str | uuid.UUID | None, world: World | None = None) -> Moment | None:
    """The moment with that id (of `world`, when given); None for a malformed or unknown id."""
    if not moment_id:
        return None
    try:
        key = moment_id if isinstance(moment_id, uuid.UUID) else uuid.UUID(str(moment_id))
    except ValueError:
        return None
    moments = Moment.objects.filter(pk=key)
    if world is not None:
        moments = moments.filter(world=world)
    return moments.first()


# --- lineage ----------------------------------------------------------------------------------------


@dataclass
class LineageItem:
    """One world in a lineage or remix tree; `available` is False for worlds the viewer cannot see."""

    id: int
    title: str
    creator_name: str
    url: str
    available: bool
    depth: int
    is_current: bool = False
    from_moment: bool = False
    hidden_remixes: int = 0
    children: list[LineageItem] = field(default_factory=list)


def _item(world: World, *, user, current_id: int, moments: set[int]) -> LineageItem:
    visible = world.status == World.Status.PUBLISHED or (
        user is not None and user.is_authenticated and world.creator_id == user.pk
    )
    return LineageItem(
        id=world.pk,
        title=world.title if visible else "A world that is no longer available",
        creator_name=world.creator.get_username() if visible else "",
        url=reverse("worlds:detail", args=[world.pk]) if visible else "",
        available=visible,
        depth=world.depth,
        is_current=world.pk == current_id,
        from_moment=world.pk in moments,
    )


def world_ancestors(*, world: World, user: AbstractBaseUser | None) -> list[LineageItem]:
    """The worlds `world` descends from, root first (not including itself); unavailable ones anonymised."""
    ids, cursor = [], world.parent_id
    chain: dict[int, World] = {}
    family = {
        w.pk: w
        for w in World.objects.select_related("creator").filter(root_id=world.root_id, depth__lt=world.depth)
    }
    while cursor is not None and cursor not in chain and len(ids) < 500:
        ancestor = family.get(cursor) or World.objects.select_related("creator").filter(pk=cursor).first()
        if ancestor is None:
            break
        chain[cursor] = ancestor
        ids.append(cursor)
        cursor = ancestor.parent_id
    moments = _worlds_from_moments(ids)
    return [_item(chain[i], user=user, current_id=world.pk, moments=moments) for i in reversed(ids)]


def remix_tree(
    *, world: World, user: AbstractBaseUser | None, max_nodes: int = TREE_MAX_NODES
) -> LineageItem:
    """The remix tree of `world`'s root, breadth first and at most `max_nodes` published worlds.

    `world` and its ancestors are always in it; a node's `hidden_remixes` says how many of its published
    remixes did not fit.
    """
    root_id = world.root_id or world.pk
    nodes = list(
        published_worlds()
        .select_related("creator")
        .filter(root_id=root_id)
        .order_by("depth", "-like_count", "id")[:max_nodes]
    )
    by_id = {w.pk: w for w in nodes}
    needed = [world.pk] + [a.id for a in world_ancestors(world=world, user=user)]
    missing = [pk for pk in needed if pk not in by_id]
    for extra in World.objects.select_related("creator").filter(pk__in=missing):
        by_id[extra.pk] = extra
    moments = _worlds_from_moments(list(by_id))
    items = {pk: _item(w, user=user, current_id=world.pk, moments=moments) for pk, w in by_id.items()}
    root_item = items.get(root_id) or _item(world, user=user, current_id=world.pk, moments=moments)
    for pk in sorted(items, key=lambda k: (by_id[k].depth, -by_id[k].like_count, k)):
        parent_id = by_id[pk].parent_id
        if pk != root_item.id and parent_id in items:
            items[parent_id].children.append(items[pk])
    for pk, item in items.items():
        shown = sum(1 for child in item.children if child.available)
        item.hidden_remixes = max(0, by_id[pk].remix_count - shown)
    return root_item


def _worlds_from_moments(world_ids: list[int]) -> set[int]:
    """Which of these worlds were remixed from a moment in their parent (a spawn point their parent's play reached)."""
    return set(
        SpawnPoint.objects.filter(world_id__in=world_ids, source_world_id=F("world__parent_id")).values_list(
            "world_id", flat=True
        )
    )


def world_starts_from_moment(*, world: World) -> bool:
    return bool(_worlds_from_moments([world.pk]))


# --- social -----------------------------------------------------------------------------------------


def world_comments(*, world: World, limit: int = 200) -> list[Comment]:
    """Visible comments, oldest first."""
    return list(
        Comment.objects.filter(world=world, is_hidden=False)
        .select_related("author")
        .order_by("created_at", "id")[:limit]
    )


def world_comment_count(*, world: World) -> int:
    return Comment.objects.filter(world=world, is_hidden=False).count()


def world_is_bookmarked(*, world: World, user: AbstractBaseUser | None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return Bookmark.objects.filter(world=world, user=user).exists()


def creator_worlds(*, creator: AbstractBaseUser, viewer: AbstractBaseUser | None) -> dict[str, list[World]]:
    """A creator page's sections: published originals, published remixes, and (to the creator only) the rest."""
    worlds = list(
        World.objects.filter(creator=creator)
        .select_related("creator", "parent", "parent__creator")
        .order_by("-published_at", "-created_at")[:300]
    )
    published = [w for w in worlds if w.status == World.Status.PUBLISHED]
    own = viewer is not None and viewer.is_authenticated and viewer.pk == creator.pk
    return {
        "originals": [w for w in published if w.parent_id is None],
        "remixes": [w for w in published if w.parent_id is not None],
        "unpublished": [w for w in worlds if w.status != World.Status.PUBLISHED] if own else [],
    }


def bookmarked_worlds(*, user: AbstractBaseUser, limit: int = 100) -> list[World]:
    return [
        b.world
        for b in Bookmark.objects.filter(user=user, world__status=World.Status.PUBLISHED)
        .select_related("world", "world__creator")
        .order_by("-created_at")[:limit]
    ]


def remix_initial(*, parent: World, moment: Moment | None) -> dict:
    """Initial values of the remix form: the parent's prompt and mechanics, a title to change."""
    suffix = " (moment remix)" if moment is not None else " (remix)"
    title = parent.title[: World.TITLE_MAX_LENGTH - len(suffix)] + suffix
    return {
        "title": title,
        "prompt": parent.prompt,
        "mechanics": list(parent.mechanics),
        "keep_parent_image": True,
    }
