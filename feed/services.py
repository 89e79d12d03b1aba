"""Writes of the feed: engagement ingest and play-session bookkeeping."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from feed.models import EngagementEvent, PlaySession
from worlds.models import World

#: Kinds a browser may report; play and like events are recorded by the server itself.
CLIENT_EVENT_KINDS = {
    EngagementEvent.Kind.IMPRESSION,
    EngagementEvent.Kind.DWELL,
    EngagementEvent.Kind.SKIP,
    EngagementEvent.Kind.NOT_INTERESTED,
    EngagementEvent.Kind.SHARE,
}
MAX_EVENTS_PER_BATCH = 100
MAX_EVENT_MS = 24 * 3600 * 1000
#: A card left sooner than this after it was focused counts as a skip.
SKIP_THRESHOLD_MS = 2000


@dataclass(frozen=True)
class ClientEvent:
    kind: str
    world_id: int
    ms: int | None
    data: dict = field(default_factory=dict)


def parse_client_events(payload: object) -> list[ClientEvent]:
    """Validate a batch {"events": [{"type", "world", "ms"?}, ...]} entirely or raise ValidationError."""
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise ValidationError('Expected a JSON object {"events": [...]}.')
    raw = payload["events"]
    if not 1 <= len(raw) <= MAX_EVENTS_PER_BATCH:
        raise ValidationError(f"A batch holds 1 to {MAX_EVENTS_PER_BATCH} events.")
    events = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise ValidationError(f"events[{index}] is not an object.")
        kind, world, ms = item.get("type"), item.get("world"), item.get("ms")
        if kind not in CLIENT_EVENT_KINDS:
            raise ValidationError(f"events[{index}].type must be one of {sorted(CLIENT_EVENT_KINDS)}.")
        if not isinstance(world, int) or isinstance(world, bool) or world <= 0:
            raise ValidationError(f"events[{index}].world must be a world id.")
        if ms is not None and (
            not isinstance(ms, int) or isinstance(ms, bool) or not 0 <= ms <= MAX_EVENT_MS
        ):
            raise ValidationError(f"events[{index}].ms must be a whole number of milliseconds.")
        events.append(ClientEvent(kind, world, ms))
    return events


def engagement_record_batch(*, events: list[ClientEvent], viewer_key: str, user) -> int:
    """Append a validated batch atomically; ValidationError (nothing written) if a world is not published."""
    world_ids = {e.world_id for e in events}
    known = set(
        World.objects.filter(pk__in=world_ids, status=World.Status.PUBLISHED).values_list("pk", flat=True)
    )
    missing = sorted(world_ids - known)
    if missing:
        raise ValidationError(f"Unknown worlds: {missing}.")
    user = user if user is not None and user.is_authenticated else None
    with transaction.atomic():
        EngagementEvent.objects.bulk_create(
            EngagementEvent(
                kind=e.kind, world_id=e.world_id, ms=e.ms, data=e.data, viewer_key=viewer_key, user=user
            )
            for e in events
        )
    return len(events)


def engagement_record(
    *, kind: str, world_id: int, viewer_key: str, user=None, ms: int | None = None, data: dict | None = None
) -> EngagementEvent:
    user = user if user is not None and user.is_authenticated else None
    return EngagementEvent.objects.create(
        kind=kind, world_id=world_id, viewer_key=viewer_key, user=user, ms=ms, data=data or {}
    )


def play_session_start(*, world: World, viewer_key: str, user, seed: int) -> PlaySession:
    user = user if user is not None and user.is_authenticated else None
    with transaction.atomic():
        session = PlaySession.objects.create(world=world, viewer_key=viewer_key, user=user, seed=seed)
        engagement_record(
            kind=EngagementEvent.Kind.PLAY_START,
            world_id=world.pk,
            viewer_key=viewer_key,
            user=user,
            data={"session": session.pk},
        )
    return session


def play_session_live(*, session_id: int, backend: str) -> None:
    PlaySession.objects.filter(pk=session_id).update(live_at=timezone.now(), backend=backend[:32])


def play_session_end(
    *,
    session_id: int,
    reason: str,
    action_count: int,
    buttons_used: int,
    frames_sent: int,
    frames_dropped: int,
    activity: PlayActivity | None = None,
) -> PlaySession:
    """Complete the session record and log play_end with its duration (idempotent: the first end wins).

    `activity` (what the consumer measured: action diversity, mechanic use, places reached, spawn point) goes
    on the session row and into the play_end event's data, where the recommender reads it.
    """
    activity = activity or PlayActivity()
    with transaction.atomic():
        session = PlaySession.objects.select_for_update().get(pk=session_id)
        if session.ended_at is not None:
            return session
        session.ended_at = timezone.now()
        session.duration_ms = int((session.ended_at - session.started_at).total_seconds() * 1000)
        session.end_reason = reason[:16]
        session.action_count, session.buttons_used = action_count, buttons_used
        session.frames_sent, session.frames_dropped = frames_sent, frames_dropped
        session.distinct_actions = min(activity.distinct_actions, 32767)
        session.mechanic_actions = activity.mechanic_actions
        session.explored_cells = activity.explored_cells
        session.explore_source = activity.explore_source[:16]
        session.spawn_point_id = activity.spawn_point_id
        session.save()
        engagement_record(
            kind=EngagementEvent.Kind.PLAY_END,
            world_id=session.world_id,
            viewer_key=session.viewer_key,
            user=session.user,
            ms=session.duration_ms,
            data={
                "session": session.pk,
                "actions": action_count,
                "buttons": buttons_used,
                "reason": session.end_reason,
                **activity.as_event_data(),
            },
        )
    return session


@dataclass(frozen=True)
class PlayActivity:
    """How actively a session was played, as the play consumer measured it.

    distinct_actions: distinct non-empty button bitmasks held; mechanic_actions: actions exercising the
    world's mechanics (jumps in a gravity world, moves elsewhere); explored_cells: distinct places reached,
    None if unknown; explore_source: "engine" when the world model reported camera cells, "input_proxy"
    when the consumer dead-reckoned them from held buttons (a proxy, not ground truth).
    """

    distinct_actions: int = 0
    mechanic_actions: int = 0
    explored_cells: int | None = None
    explore_source: str = ""
    spawn_point_id: int | None = None

    def as_event_data(self) -> dict:
        data = {"distinct_actions": self.distinct_actions, "mechanic_actions": self.mechanic_actions}
        if self.explored_cells is not None:
            data |= {"cells": self.explored_cells, "cells_source": self.explore_source}
        if self.spawn_point_id is not None:
            data["spawn_point"] = self.spawn_point_id
        return data
