"""What the recommender keeps: prompt embeddings, per-world and per-viewer aggregates, fitted weights, and
the spawn-point bandit's state. Everything here is derived from `feed.EngagementEvent` (the source of truth)
and can be rebuilt from it; nothing here is shown to users directly.
"""

from __future__ import annotations

from django.db import models


class WorldEmbedding(models.Model):
    """The MiniLM embedding of a world's prompt: EMBEDDING_DIM little-endian float32s, L2-normalised.

    `text_hash` is the sha1 of the embedded text, so a world is re-embedded only when its prompt changes.
    """

    world = models.OneToOneField(
        "worlds.World", on_delete=models.CASCADE, primary_key=True, related_name="embedding"
    )
    vector = models.BinaryField()
    text_hash = models.CharField(max_length=40)
    model = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    def __str__(self) -> str:
        return f"embedding of world {self.world_id}"


class WorldStats(models.Model):
    """Running per-world totals of every signal, plus the derived scores the ranker reads.

    Counters only ever grow (they are sums over the append-only log). `value` is the shrunk mean utility per
    impression (see recommend.engagement) and `alpha`/`beta` the Beta posterior of the engage rate that the
    exploration slots sample from; both are recomputed by `aggregates_refresh` and `ranker_fit`.
    """

    world = models.OneToOneField(
        "worlds.World", on_delete=models.CASCADE, primary_key=True, related_name="recommend_stats"
    )
    impressions = models.PositiveIntegerField(default=0)
    skips = models.PositiveIntegerField(default=0)
    dwell_ms = models.BigIntegerField(default=0)
    plays = models.PositiveIntegerField(default=0)
    play_ms = models.BigIntegerField(default=0)
    engaged_plays = models.PositiveIntegerField(default=0)
    actions = models.BigIntegerField(default=0)
    action_kinds = models.BigIntegerField(default=0, help_text="sum over plays of distinct actions used")
    explored_cells = models.BigIntegerField(default=0, help_text="sum over plays of distinct places reached")
    mechanic_actions = models.BigIntegerField(default=0)
    likes = models.IntegerField(default=0, help_text="likes minus unlikes")
    shares = models.PositiveIntegerField(default=0)
    remixes = models.PositiveIntegerField(default=0)
    follows = models.PositiveIntegerField(default=0)
    not_interested = models.PositiveIntegerField(default=0)
    reports = models.PositiveIntegerField(default=0)
    utility_sum = models.FloatField(default=0.0)
    value = models.FloatField(default=0.0, db_index=True)
    alpha = models.FloatField(default=1.0)
    beta = models.FloatField(default=1.0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "world stats"
        indexes = [models.Index(fields=["impressions", "world"], name="worldstats_untested_idx")]

    def __str__(self) -> str:
        return f"stats of world {self.world_id}"


class ViewerProfile(models.Model):
    """Per-viewer totals and taste: `taste` and `aversion` are float32 sums of world embeddings weighted by
    the viewer's positive and negative utility (unnormalised, so new events simply add on)."""

    viewer_key = models.CharField(max_length=64, primary_key=True)
    impressions = models.PositiveIntegerField(default=0)
    plays = models.PositiveIntegerField(default=0)
    play_ms = models.BigIntegerField(default=0)
    skips = models.PositiveIntegerField(default=0)
    positives = models.PositiveIntegerField(default=0)
    negatives = models.PositiveIntegerField(default=0)
    taste = models.BinaryField(null=True, blank=True)
    aversion = models.BinaryField(null=True, blank=True)
    last_event_id = models.BigIntegerField(default=0, help_text="events up to this id are included")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"profile of {self.viewer_key}"


class AggregationCursor(models.Model):
    """How far an incremental aggregation has read the event log (`last_event_id`, inclusive)."""

    name = models.CharField(max_length=32, primary_key=True)
    last_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_event_id}"


class RankerModel(models.Model):
    """One fit of the ranking score: feature weights and the catalogue priors, newest row wins."""

    weights = models.JSONField(default=dict)
    priors = models.JSONField(default=dict)
    samples = models.PositiveIntegerField(default=0)
    fitted_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        get_latest_by = "fitted_at"

    def __str__(self) -> str:
        return f"ranker fit {self.pk} on {self.samples} samples"


class SpawnPointArm(models.Model):
    """The bandit's state for one spawn point (worlds.SpawnPoint, referenced by id so recommend/ does not
    depend on that model's migrations): how many plays started there and their exploration rewards."""

    spawn_point_id = models.BigIntegerField(primary_key=True)
    world_id = models.BigIntegerField(db_index=True)
    plays = models.PositiveIntegerField(default=0)
    reward_sum = models.FloatField(default=0.0)
    reward_sq_sum = models.FloatField(default=0.0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"spawn point {self.spawn_point_id}: {self.plays} plays"
