"""Play sessions and the append-only engagement log the recommender learns from."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class PlaySession(models.Model):
    """One socket's live play of a world, written when it starts and completed when it ends."""

    world = models.ForeignKey("worlds.World", on_delete=models.CASCADE, related_name="play_sessions")
    viewer_key = models.CharField(max_length=64, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    seed = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    live_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    action_count = models.PositiveIntegerField(default=0)
    buttons_used = models.PositiveSmallIntegerField(default=0, help_text="OR of every action bitmask held")
    frames_sent = models.PositiveIntegerField(default=0)
    frames_dropped = models.PositiveIntegerField(default=0)
    end_reason = models.CharField(max_length=16, blank=True)
    backend = models.CharField(max_length=32, blank=True)
    # Activity measured by the consumer (issue 6): distinct action bitmasks held, actions that exercise the
    # world's mechanics, and distinct places reached (`explore_source` says how that was measured).
    distinct_actions = models.PositiveSmallIntegerField(default=0)
    mechanic_actions = models.PositiveIntegerField(default=0)
    explored_cells = models.PositiveIntegerField(null=True, blank=True)
    explore_source = models.CharField(max_length=16, blank=True)
    spawn_point_id = models.BigIntegerField(
        null=True, blank=True, help_text="worlds.SpawnPoint the play began at"
    )

    class Meta:
        indexes = [models.Index(fields=["world", "-started_at"], name="playsession_world_idx")]

    def __str__(self) -> str:
        return f"session {self.pk} of world {self.world_id}"


class EngagementEvent(models.Model):
    """An append-only engagement signal; never updated, aggregated elsewhere."""

    class Kind(models.TextChoices):
        IMPRESSION = "impression"
        DWELL = "dwell"
        SKIP = "skip"
        PLAY_START = "play_start"
        PLAY_END = "play_end"
        LIKE = "like"
        UNLIKE = "unlike"
        SHARE = "share"
        REMIX = "remix"
        FOLLOW = "follow"
        NOT_INTERESTED = "not_interested"
        REPORT = "report"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    world = models.ForeignKey("worlds.World", on_delete=models.CASCADE, related_name="engagement_events")
    viewer_key = models.CharField(max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    ms = models.PositiveIntegerField(
        null=True, blank=True, help_text="dwell or play time, when the kind has one"
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["world", "kind"], name="event_world_kind_idx"),
            models.Index(fields=["viewer_key", "-created_at"], name="event_viewer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.world_id} by {self.viewer_key}"
