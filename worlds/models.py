"""Worlds, their remix lineage, and likes."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class World(models.Model):
    """A playable world: a prompt, chosen mechanics and optionally a reference image.

    Lineage: `parent` is the world this one was remixed from, `root` the first world of the chain
    (itself for an original) and `depth` the number of remix steps from the root.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PENDING = "pending", "Pending review"
        PUBLISHED = "published", "Published"
        REJECTED = "rejected", "Rejected"

    PROMPT_MAX_LENGTH = 500
    TITLE_MAX_LENGTH = 80

    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    prompt = models.TextField(max_length=PROMPT_MAX_LENGTH)
    mechanics = models.JSONField(default=list, blank=True)
    seed = models.PositiveIntegerField(default=0)
    reference_image = models.ImageField(upload_to="references/%Y/%m/", blank=True)
    preview = models.ImageField(upload_to="previews/", blank=True)
    creator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="worlds")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    rejection_reason = models.TextField(blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="remixes")
    root = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    depth = models.PositiveSmallIntegerField(default=0)
    like_count = models.PositiveIntegerField(default=0)
    remix_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["status", "-published_at"], name="world_feed_idx")]

    def __str__(self) -> str:
        return f"{self.title} (#{self.pk})"


class Like(models.Model):
    """One viewer's like of a world. `viewer_key` identifies signed-in users and anonymous sessions alike."""

    world = models.ForeignKey(World, on_delete=models.CASCADE, related_name="likes")
    viewer_key = models.CharField(max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["world", "viewer_key"], name="one_like_per_viewer")]

    def __str__(self) -> str:
        return f"{self.viewer_key} likes {self.world_id}"
