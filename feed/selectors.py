"""Reads of feed data."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from feed.models import PlaySession

#: A session row without an end older than this is treated as orphaned (its web process died).
OPEN_SESSION_HORIZON = timedelta(minutes=5)


def play_sessions_open_count(*, viewer_key: str) -> int:
    """How many live sessions this viewer holds now (ended ones and orphans excluded)."""
    since = timezone.now() - OPEN_SESSION_HORIZON
    return PlaySession.objects.filter(
        viewer_key=viewer_key, ended_at__isnull=True, started_at__gte=since
    ).count()
