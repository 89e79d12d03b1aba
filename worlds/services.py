"""Writes to worlds: creation, remix and moments, the review lifecycle, previews, and the social layer.

Lifecycle: `world_draft_create` (quota, screening) -> draft, editable with `world_draft_update` and
test-playable by its owner -> `world_submit` -> pending -> moderation calls `world_publish` or
`world_reject(reason=...)`. A rejected world can be edited (back to draft) and submitted again.
`remix_count` counts *published* remixes: it moves when a remix is published or unpublished.
"""

from __future__ import annotations

import io
import logging
import random
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from worlds.mechanics import validate_mechanics
from worlds.models import Bookmark, Comment, Like, Moment, SpawnPoint, World

log = logging.getLogger(__name__)

CREATION_WINDOW = timedelta(hours=24)
EDITABLE_STATUSES = (World.Status.DRAFT, World.Status.REJECTED)


class QuotaExceeded(Exception):
    """The user created their daily quota of worlds; `retry_after` is seconds until one more is allowed."""

    def __init__(self, retry_after: int, quota: int):
        super().__init__(f"daily creation quota of {quota} reached; retry in {retry_after}s")
        self.retry_after, self.quota = retry_after, quota


# --- creation ---------------------------------------------------------------------------------------


def world_create(
    *,
    creator: AbstractBaseUser,
    title: str,
    prompt: str,
    mechanics: list[str],
    seed: int | None = None,
    parent: World | None = None,
    status: str = World.Status.DRAFT,
    reference_image: File | str | None = None,
    spawn: SpawnPoint | Moment | None = None,
) -> World:
    """Create a world after validating its fields; no screening or quota (see `world_draft_create`).

    A remix records lineage (parent, root, depth). `reference_image` is a validated file to store, or
    the storage name of an existing one (a remix keeping its parent's image). `spawn` (a SpawnPoint of
    another world or a Moment) is copied to a SpawnPoint of the new world, so its sessions start there.
    """
    title, prompt = title.strip(), prompt.strip()
    if not title:
        raise ValidationError({"title": "A world needs a title."})
    if not prompt:
        raise ValidationError({"prompt": "A world needs a prompt."})
    if len(prompt) > World.PROMPT_MAX_LENGTH:
        raise ValidationError({"prompt": f"Prompts are at most {World.PROMPT_MAX_LENGTH} characters."})
    if len(title) > World.TITLE_MAX_LENGTH:
        raise ValidationError({"title": f"Titles are at most {World.TITLE_MAX_LENGTH} characters."})
    try:
        mechanics = validate_mechanics(mechanics)
    except ValidationError as error:
        raise ValidationError({"mechanics": error.messages}) from None
    world = World(
        creator=creator,
        title=title,
        prompt=prompt,
        mechanics=mechanics,
        seed=random.SystemRandom().randrange(2**31) if seed is None else seed,
        parent=parent,
        status=status,
    )
    if parent is not None:
        world.root = parent.root or parent
        world.depth = parent.depth + 1
    if status == World.Status.PUBLISHED:
        world.published_at = timezone.now()
    if isinstance(reference_image, str):
        world.reference_image.name = reference_image
    world.full_clean(exclude=["reference_image", "preview", "root"])
    with transaction.atomic():
        if isinstance(reference_image, File):
            world.reference_image.save("reference.jpg", reference_image, save=False)
        world.save()
        if world.root is None:
            World.objects.filter(pk=world.pk).update(root=world)
            world.root = world
        if parent is not None and status == World.Status.PUBLISHED:
            World.objects.filter(pk=parent.pk).update(remix_count=F("remix_count") + 1)
        if spawn is not None:
            spawn_point_create(world=world, source=spawn)
    return world


def creation_quota_retry_after(*, user: AbstractBaseUser) -> int | None:
    """None while `user` may create another world today, else seconds until the oldest one ages out."""
    quota = settings.WORLDFEED_DAILY_CREATION_QUOTA
    since = timezone.now() - CREATION_WINDOW
    recent = list(
        World.objects.filter(creator=user, created_at__gte=since)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:quota]
    )
    if len(recent) < quota:
        return None
    frees_at = recent[-1] + CREATION_WINDOW
    return max(1, int((frees_at - timezone.now()).total_seconds()) + 1)


def world_draft_create(
    *,
    creator: AbstractBaseUser,
    title: str,
    prompt: str,
    mechanics: list[str],
    reference_image: File | None = None,
    parent: World | None = None,
    moment: Moment | None = None,
    keep_parent_image: bool = True,
) -> World:
    """A creator's new draft (an original, a remix of a published `parent`, or a remix from a `moment`).

    Raises QuotaExceeded past the daily quota and ValidationError (keyed by field) when the text screen
    blocks the title or prompt; nothing is saved then. A remix from a `moment` starts there (an uploaded
    image is ignored: the moment is the scene). A plain remix keeps the
    parent's image unless it brings its own or keep_parent_image is False, and starts where the parent
    starts (its spawn point) unless it brings its own image.
    """
    if parent is not None and parent.status != World.Status.PUBLISHED:
        raise ValidationError("Only published worlds can be remixed.")
    if moment is not None and (parent is None or moment.world_id != parent.pk):
        raise ValidationError("That moment belongs to another world.")
    text_screen_or_raise(text=title, field="title")
    text_screen_or_raise(text=prompt, field="prompt")
    image: File | str | None = None if moment is not None else reference_image
    spawn: SpawnPoint | Moment | None = moment
    if parent is not None:
        if image is None and keep_parent_image and parent.reference_image:
            image = parent.reference_image.name
        if spawn is None and reference_image is None:
            from worlds.selectors import world_spawn_point

            spawn = world_spawn_point(world=parent)
    with transaction.atomic():
        # One creator's requests queue here, so two tabs cannot both take the last slot of the quota.
        get_user_model().objects.select_for_update().filter(pk=creator.pk).first()
        retry_after = creation_quota_retry_after(user=creator)
        if retry_after is not None:
            raise QuotaExceeded(retry_after, settings.WORLDFEED_DAILY_CREATION_QUOTA)
        world = world_create(
            creator=creator,
            title=title,
            prompt=prompt,
            mechanics=mechanics,
            parent=parent,
            reference_image=image,
            spawn=spawn,
        )
        transaction.on_commit(lambda: world_preview_request(world_id=world.pk))
    return world


def world_draft_update(
    *,
    world: World,
    editor: AbstractBaseUser,
    title: str,
    prompt: str,
    mechanics: list[str],
    reference_image: File | None = None,
    remove_image: bool = False,
) -> World:
    """Edit the owner's draft or rejected world (a rejected one becomes a draft again); screened like creation."""
    if world.creator_id != editor.pk:
        raise PermissionDenied("Only the creator can edit this world.")
    if world.status not in EDITABLE_STATUSES:
        raise ValidationError("Only drafts and rejected worlds can be edited.")
    text_screen_or_raise(text=title, field="title")
    text_screen_or_raise(text=prompt, field="prompt")
    world.title, world.prompt = title.strip(), prompt.strip()
    try:
        world.mechanics = validate_mechanics(mechanics)
    except ValidationError as error:
        raise ValidationError({"mechanics": error.messages}) from None
    world.status = World.Status.DRAFT
    world.full_clean(exclude=["reference_image", "preview", "root", "parent"])
    with transaction.atomic():
        if reference_image is not None:
            world.reference_image.save("reference.jpg", reference_image, save=False)
        elif remove_image:
            world.reference_image = ""
        world.save()
        transaction.on_commit(lambda: world_preview_request(world_id=world.pk))
    return world


def text_screen_or_raise(*, text: str, field: str, form_field: str | None = None) -> None:
    """Run moderation's text screen on `text` ("prompt" | "title" | "comment").

    Raises ValidationError({form_field or field: reason}) when the screen blocks it, so a form shows the
    reason beside the field.
    """
    from moderation.services import text_screen

    result = text_screen(text=text, field=field)
    if not result.allowed:
        message = result.reason or "This text is not allowed on Worldfeed."
        raise ValidationError({form_field or field: ValidationError(message, code="blocked")})


# --- review lifecycle -----------------------------------------------------------------------------


def world_submit(*, world: World, user: AbstractBaseUser) -> World:
    """Send the owner's draft to review (pending); moderation's `world_review_start` runs after commit."""
    if world.creator_id != user.pk:
        raise PermissionDenied("Only the creator can submit this world.")
    with transaction.atomic():
        updated = World.objects.filter(pk=world.pk, status=World.Status.DRAFT).update(
            status=World.Status.PENDING, rejection_reason="", updated_at=timezone.now()
        )
        if not updated:
            raise ValidationError("Only drafts can be submitted for review.")
        world.refresh_from_db()

        def start_review() -> None:
            from moderation.services import world_review_start

            world_review_start(world_id=world.pk)

        transaction.on_commit(start_review)
    return world


def world_publish(*, world: World) -> World:
    """Publish (idempotent); a remix newly published counts towards its parent's remix_count."""
    with transaction.atomic():
        locked = World.objects.select_for_update().get(pk=world.pk)
        newly = locked.status != World.Status.PUBLISHED
        locked.status = World.Status.PUBLISHED
        locked.published_at = locked.published_at or timezone.now()
        locked.rejection_reason = ""
        locked.save(update_fields=["status", "published_at", "rejection_reason", "updated_at"])
        if newly and locked.parent_id:
            World.objects.filter(pk=locked.parent_id).update(remix_count=F("remix_count") + 1)
    world.status, world.published_at, world.rejection_reason = locked.status, locked.published_at, ""
    return world


def world_reject(*, world: World, reason: str) -> World:
    """Reject with a reason the creator sees; a published world is taken down (and uncounted as a remix)."""
    reason = reason.strip() or "This world does not meet the community guidelines."
    with transaction.atomic():
        locked = World.objects.select_for_update().get(pk=world.pk)
        was_published = locked.status == World.Status.PUBLISHED
        locked.status = World.Status.REJECTED
        locked.rejection_reason = reason
        locked.published_at = None
        locked.save(update_fields=["status", "rejection_reason", "published_at", "updated_at"])
        if was_published and locked.parent_id:
            World.objects.filter(pk=locked.parent_id, remix_count__gt=0).update(
                remix_count=F("remix_count") - 1
            )
    world.status, world.rejection_reason, world.published_at = locked.status, reason, None
    return world


# --- previews, spawn points and moments ---------------------------------------------------------------


def world_preview_request(*, world_id: int) -> None:
    """Queue the preview render on the inference queue (the model lives there, never in web processes)."""
    from worlds.tasks import render_world_preview

    try:
        render_world_preview.apply_async(
            kwargs={"world_id": world_id}, queue=settings.WORLDFEED_INFERENCE_QUEUE
        )
    except Exception:  # a broker hiccup must not fail the creator's save; the page shows a placeholder
        log.exception("could not queue the preview of world %s", world_id)


def world_render_preview(*, world: World) -> World:
    """Render the world's first frame (from its spawn point if it has one) and store it as its preview JPEG."""
    from PIL import Image

    from inference.serving import get_backend, world_setup
    from worlds.selectors import world_spawn_point

    backend = get_backend()
    spawn = world_spawn_point(world=world)
    setup = world_setup(
        prompt=world.prompt,
        mechanics=world.mechanics,
        seed=world.seed,
        reference_image=world.reference_image or None,
        spawn_state=bytes(spawn.state) if spawn and spawn.backend == backend.name else None,
    )
    _state, frame = backend.reset(setup)
    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, format="JPEG", quality=88)
    world.preview.save(f"world-{world.pk}.jpg", ContentFile(buffer.getvalue()), save=False)
    world.save(update_fields=["preview", "updated_at"])
    return world


def spawn_point_create(*, world: World, source: SpawnPoint | Moment) -> SpawnPoint:
    """Copy a moment's (or another world's spawn point's) state to a new spawn point of `world`."""
    if isinstance(source, Moment):
        session_id, source_world_id = source.session_id, source.world_id
    else:
        session_id, source_world_id = source.created_from_session_id, source.source_world_id
    spawn = SpawnPoint(
        world=world,
        state=bytes(source.state),
        backend=source.backend,
        created_from_session_id=session_id,
        source_world_id=source_world_id,
    )
    if isinstance(source, Moment) and source.preview:
        spawn.preview.save(f"spawn-{world.pk}.jpg", ContentFile(bytes(source.preview)), save=False)
    elif isinstance(source, SpawnPoint) and source.preview:
        spawn.preview.name = source.preview.name
    spawn.save()
    return spawn


MOMENT_MAX_STATE_BYTES = 8 * 1024 * 1024


def moment_capture(
    *,
    world: World,
    state: bytes,
    backend: str,
    preview: bytes,
    tick: int = 0,
    session_id: int | None = None,
    user: AbstractBaseUser | None = None,
    viewer_key: str,
) -> Moment:
    """Store a state a play session of a published world reached, to remix from (see Moment)."""
    if world.status != World.Status.PUBLISHED:
        raise ValidationError("Only published worlds can be remixed from a moment.")
    if not state or len(state) > MOMENT_MAX_STATE_BYTES:
        raise ValidationError("The world could not save this moment.")
    return Moment.objects.create(
        world=world,
        state=state,
        backend=backend[:32],
        preview=preview or b"",
        tick=max(0, int(tick)),
        session_id=session_id,
        captured_by=user if user is not None and user.is_authenticated else None,
        viewer_key=viewer_key[:64],
    )


# --- social -------------------------------------------------------------------------------------------


def like_toggle(*, world: World, viewer_key: str, user: AbstractBaseUser | None) -> tuple[bool, int]:
    """Like the world if this viewer has not, else unlike it; return (liked, like_count)."""
    with transaction.atomic():
        deleted, _ = Like.objects.filter(world=world, viewer_key=viewer_key).delete()
        if deleted:
            World.objects.filter(pk=world.pk).update(like_count=F("like_count") - 1)
            liked = False
        else:
            Like.objects.create(
                world=world, viewer_key=viewer_key, user=user if user and user.is_authenticated else None
            )
            World.objects.filter(pk=world.pk).update(like_count=F("like_count") + 1)
            liked = True
    world.refresh_from_db(fields=["like_count"])
    return liked, world.like_count


def bookmark_set(*, world: World, user: AbstractBaseUser, saved: bool) -> bool:
    """Save or unsave `world` for `user` (idempotent); returns whether it is saved now."""
    if saved:
        Bookmark.objects.get_or_create(world=world, user=user)
    else:
        Bookmark.objects.filter(world=world, user=user).delete()
    return saved


def comment_create(*, world: World, author: AbstractBaseUser, body: str) -> Comment:
    """A flat comment on a published world; ValidationError({"body": ...}) if empty, too long or blocked."""
    body = body.strip()
    if world.status != World.Status.PUBLISHED:
        raise ValidationError("Comments are open on published worlds only.")
    if not body:
        raise ValidationError({"body": "Write something first."})
    if len(body) > Comment.BODY_MAX_LENGTH:
        raise ValidationError({"body": f"Comments are at most {Comment.BODY_MAX_LENGTH} characters."})
    text_screen_or_raise(text=body, field="comment", form_field="body")
    return Comment.objects.create(world=world, author=author, body=body)


def world_hold(*, world: World) -> World:
    """Take a published world out of every feed while moderators review it (back to pending, not rejected)."""
    with transaction.atomic():
        locked = World.objects.select_for_update().get(pk=world.pk)
        was_published = locked.status == World.Status.PUBLISHED
        locked.status = World.Status.PENDING
        locked.save(update_fields=["status", "updated_at"])
        if was_published and locked.parent_id:
            World.objects.filter(pk=locked.parent_id, remix_count__gt=0).update(
                remix_count=F("remix_count") - 1
            )
    world.status = locked.status
    return world


def moments_expire(*, older_than: timedelta | None = None, batch: int = 500) -> int:
    """Delete captured moments older than `older_than` (default: settings.WORLDFEED_MOMENT_TTL_DAYS), in
    batches so a large backlog never holds one long transaction. Worlds remixed from a moment keep
    their own copy of its state (a SpawnPoint), so nothing a world needs is lost. Returns the count."""
    if older_than is None:
        older_than = timedelta(days=settings.WORLDFEED_MOMENT_TTL_DAYS)
    cutoff = timezone.now() - older_than
    deleted = 0
    while True:
        ids = list(Moment.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted
        deleted += Moment.objects.filter(pk__in=ids).delete()[0]
