"""What the ranker knows about one viewer at request time.

Contract of `viewer_context`: built from the viewer's beat-refreshed `ViewerProfile` plus every event of
theirs not yet folded into it (so a like or a "not interested" counts on the very next page), with two
database round trip (two for a signed-in viewer: whom they follow). `seen` covers the viewer's newest
HISTORY_LIMIT events and the caller's exclude_ids.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
from django.db import connection

from feed.models import EngagementEvent
from inference.text_encoder import EMBEDDING_DIM
from recommend import engagement
from recommend.embeddings import embedding_index, from_bytes
from recommend.models import ViewerProfile
from worlds.selectors import published_worlds

K = EngagementEvent.Kind
HISTORY_LIMIT = 5000
#: Recent positively engaged worlds kept as anchors for "similar" candidates and "Because you played".
ANCHORS = 8
#: A finished play at least this long marks the world as liked-enough for "remixes of worlds you liked".
LOVED_PLAY_MS = 60_000


@dataclass
class ViewerContext:
    viewer_key: str | None
    seen: set[int] = field(default_factory=set)
    blocked: set[int] = field(default_factory=set)
    liked: set[int] = field(default_factory=set)
    anchors: list[int] = field(default_factory=list)
    anchor_titles: dict[int, str] = field(default_factory=dict)  # filled by candidates_gather
    followed_creators: set[int] = field(default_factory=set)
    taste: np.ndarray | None = None  # unit vector or None
    aversion: np.ndarray | None = None  # unit vector or None
    aversion_weight: float = 0.0

    @property
    def is_new(self) -> bool:
        return self.taste is None


def viewer_context(*, viewer_key: str | None, exclude_ids=()) -> ViewerContext:
    """The viewer's seen/blocked/liked worlds, followed creators and taste (see module contract)."""
    ctx = ViewerContext(viewer_key=viewer_key, seen={int(i) for i in exclude_ids})
    if not viewer_key:
        return ctx
    folded_until, taste, aversion, history = _profile_and_history(viewer_key)
    taste = np.zeros(EMBEDDING_DIM, np.float32) if taste is None else taste.copy()
    aversion = np.zeros(EMBEDDING_DIM, np.float32) if aversion is None else aversion.copy()
    index = embedding_index()
    liked_state: dict[int, bool] = {}
    follow_worlds: set[int] = set()
    for event_id, kind, world_id, ms, data in history:  # newest first
        if isinstance(data, str):
            data = json.loads(data)
        if kind in engagement.SEEN_KINDS:
            ctx.seen.add(world_id)
        if kind in engagement.BLOCKING_KINDS:
            ctx.blocked.add(world_id)
        if kind in (K.LIKE, K.UNLIKE):
            liked_state.setdefault(world_id, kind == K.LIKE)  # the newest of like/unlike wins
        elif kind == K.FOLLOW:
            follow_worlds.add(world_id)
        elif kind == K.PLAY_END and (ms or 0) >= LOVED_PLAY_MS:
            ctx.liked.add(world_id)
        utility = engagement.event_utility(kind, ms, data if isinstance(data, dict) else {})
        if utility > 0.5 and world_id not in ctx.anchors and len(ctx.anchors) < ANCHORS:
            ctx.anchors.append(world_id)
        if event_id > folded_until and utility:
            vector = index.vectors([world_id])[0]
            if utility > 0:
                taste += utility * vector
            else:
                aversion -= utility * vector
    ctx.liked |= {w for w, liked in liked_state.items() if liked}
    ctx.taste = _unit(taste)
    ctx.aversion = _unit(aversion)
    ctx.aversion_weight = float(np.linalg.norm(aversion))
    if viewer_key.startswith("u:") and viewer_key[2:].isdigit():
        ctx.followed_creators = _followees(int(viewer_key[2:]))
    elif follow_worlds:  # viewers without an account: the creators of the worlds they followed from
        ctx.followed_creators = set(
            published_worlds().filter(pk__in=follow_worlds).values_list("creator_id", flat=True)
        )
    return ctx


_HISTORY_SQL = """
SELECT 0, 'profile', 0, p.last_event_id, NULL, p.taste, p.aversion
  FROM {profile} p WHERE p.viewer_key = %s
UNION ALL
SELECT * FROM (
  SELECT e.id, e.kind, e.world_id, e.ms,
         CASE WHEN e.id > COALESCE((SELECT last_event_id FROM {profile} WHERE viewer_key = %s), 0)
              THEN e.data END,
         CAST(NULL AS bytea), CAST(NULL AS bytea)
    FROM {event} e WHERE e.viewer_key = %s ORDER BY e.created_at DESC LIMIT %s
) AS history
"""


def _profile_and_history(viewer_key: str):
    """(folded_until, taste, aversion, events newest first) in one round trip.

    Events are (id, kind, world_id, ms, data); data only for events the profile has not folded in yet
    (only those need their exact utility), so a long history costs no JSON parsing.
    """
    sql = _HISTORY_SQL.format(profile=ViewerProfile._meta.db_table, event=EngagementEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, [viewer_key, viewer_key, viewer_key, HISTORY_LIMIT])
        rows = cursor.fetchall()
    folded_until, taste, aversion, history = 0, None, None, []
    for row in rows:
        if row[1] == "profile" and row[0] == 0:
            folded_until, taste, aversion = row[3] or 0, from_bytes(row[5]), from_bytes(row[6])
        else:
            history.append(row[:5])
    history.sort(key=lambda event: event[0], reverse=True)
    return folded_until, taste, aversion, history


def _followees(user_id: int) -> set[int]:
    """Who a signed-in viewer follows now (accounts' follow table: unfollows count, follows made anywhere)."""
    from accounts.models import Follow

    return set(Follow.objects.filter(follower_id=user_id).values_list("followee_id", flat=True)[:1000])


def _unit(vector: np.ndarray) -> np.ndarray | None:
    norm = float(np.linalg.norm(vector)) if vector is not None and vector.size else 0.0
    return vector / norm if norm > 1e-6 else None
