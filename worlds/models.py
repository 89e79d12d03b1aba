"""Worlds, their remix lineage and spawn points, captured moments, and the social layer on worlds."""

from __future__ import annotations

import uuid

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
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="remixes"
    )
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


class SpawnPoint(models.Model):
    """A moment a world's play sessions can start from (`WorldSetup.spawn_state`).

    `state` is exactly what `WorldModelBackend.snapshot` returned on the backend named `backend`; it is
    written by the server only, never taken from a client. A world started "from a moment" has one; issue 6
    adds more per world and a bandit choosing among them (`worlds.selectors.world_spawn_point` picks today).
    """

    world = models.ForeignKey(World, on_delete=models.CASCADE, related_name="spawn_points")
    state = models.BinaryField()
    backend = models.CharField(max_length=32)
    preview = models.ImageField(upload_to="spawns/%Y/%m/", blank=True)
    created_from_session = models.ForeignKey(
        "feed.PlaySession", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_world = models.ForeignKey(
        World,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="the world whose play reached this state (a captured moment); None otherwise",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"spawn point {self.pk} of world {self.world_id}"


class Moment(models.Model):
    """A state captured while playing a published world ("remix from this moment").

    Its unguessable id is the capability: whoever captured it (and whoever they share the link with) may
    start a remix from it. States of published worlds are reachable by anyone playing, so nothing secret
    leaks; `state` comes from the server's own session, never from a client.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    world = models.ForeignKey(World, on_delete=models.CASCADE, related_name="moments")
    session = models.ForeignKey(
        "feed.PlaySession", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    captured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    viewer_key = models.CharField(max_length=64)
    state = models.BinaryField()
    backend = models.CharField(max_length=32)
    preview = models.BinaryField(help_text="JPEG of the frame on screen when the moment was captured")
    tick = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"moment {self.pk} of world {self.world_id}"


class Bookmark(models.Model):
    """A signed-in user saved a world for later."""

    world = models.ForeignKey(World, on_delete=models.CASCADE, related_name="bookmarks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookmarks")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["world", "user"], name="one_bookmark_per_user")]
        indexes = [models.Index(fields=["user", "-created_at"], name="bookmark_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} saved {self.world_id}"


class Comment(models.Model):
    """A flat comment on a world, screened like prompts before it is saved."""

    BODY_MAX_LENGTH = 500

    world = models.ForeignKey(World, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments")
    body = models.TextField(max_length=BODY_MAX_LENGTH)
    is_hidden = models.BooleanField(default=False, help_text="hidden by moderation")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["world", "created_at"], name="comment_world_idx")]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.world_id}"
