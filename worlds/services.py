"""Writes to worlds: creation, publishing, previews and likes."""

from __future__ import annotations

import io
import random

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from worlds.mechanics import validate_mechanics
from worlds.models import Like, World


def world_create(
    *,
    creator: AbstractBaseUser,
    title: str,
    prompt: str,
    mechanics: list[str],
    seed: int | None = None,
    parent: World | None = None,
    status: str = World.Status.DRAFT,
) -> World:
    """Create a world after validating its fields; a remix records lineage and bumps the parent's count."""
    title, prompt = title.strip(), prompt.strip()
    if not title:
        raise ValidationError({"title": "A world needs a title."})
    if not prompt:
        raise ValidationError({"prompt": "A world needs a prompt."})
    if len(prompt) > World.PROMPT_MAX_LENGTH:
        raise ValidationError({"prompt": f"Prompts are at most {World.PROMPT_MAX_LENGTH} characters."})
    world = World(
        creator=creator,
        title=title[: World.TITLE_MAX_LENGTH],
        prompt=prompt,
        mechanics=validate_mechanics(mechanics),
        seed=random.SystemRandom().randrange(2**31) if seed is None else seed,
        parent=parent,
        status=status,
    )
    if parent is not None:
        world.root = parent.root or parent
        world.depth = parent.depth + 1
    if status == World.Status.PUBLISHED:
        world.published_at = timezone.now()
    world.full_clean(exclude=["reference_image", "preview", "root"])
    with transaction.atomic():
        world.save()
        if world.root is None:
            World.objects.filter(pk=world.pk).update(root=world)
            world.root = world
        if parent is not None:
            World.objects.filter(pk=parent.pk).update(remix_count=F("remix_count") + 1)
    return world


def world_publish(*, world: World) -> World:
    world.status = World.Status.PUBLISHED
    world.published_at = world.published_at or timezone.now()
    world.rejection_reason = ""
    world.save(update_fields=["status", "published_at", "rejection_reason", "updated_at"])
    return world


def world_render_preview(*, world: World) -> World:
    """Render the world's first frame with the serving backend and store it as its preview JPEG."""
    from inference.serving import get_backend, world_setup

    backend = get_backend()
    _state, frame = backend.reset(world_setup(prompt=world.prompt, mechanics=world.mechanics,
                                              seed=world.seed, reference_image=world.reference_image or None))
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, format="JPEG", quality=88)
    world.preview.save(f"world-{world.pk}.jpg", ContentFile(buffer.getvalue()), save=False)
    world.save(update_fields=["preview", "updated_at"])
    return world


def like_toggle(*, world: World, viewer_key: str, user: AbstractBaseUser | None) -> tuple[bool, int]:
    """Like the world if this viewer has not, else unlike it; return (liked, like_count)."""
    with transaction.atomic():
        deleted, _ = Like.objects.filter(world=world, viewer_key=viewer_key).delete()
        if deleted:
            World.objects.filter(pk=world.pk).update(like_count=F("like_count") - 1)
            liked = False
        else:
            Like.objects.create(world=world, viewer_key=viewer_key, user=user if user and user.is_authenticated else None)
            World.objects.filter(pk=world.pk).update(like_count=F("like_count") + 1)
            liked = True
    world.refresh_from_db(fields=["like_count"])
    return liked, world.like_count
