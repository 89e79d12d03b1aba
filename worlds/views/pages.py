"""The world permalink page, its images, and the creator's page."""

from __future__ import annotations

import io
from functools import lru_cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.text import Truncator
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from feed.viewers import ensure_viewer_key
from worlds import selectors
from worlds.forms import CommentForm, ReportForm
from worlds.mechanics import mechanic_choices
from worlds.models import World


def world_page_context(
    request: HttpRequest,
    world: World,
    *,
    comment_form: CommentForm | None = None,
    report_form: ReportForm | None = None,
) -> dict:
    """Everything templates/worlds/world_detail.html shows; also used to re-render it with form errors."""
    from accounts.selectors import follow_counts, is_following  # accounts never imports worlds

    card = selectors.world_cards(worlds=[world], viewer_key=ensure_viewer_key(request))[0]
    is_owner = request.user.is_authenticated and request.user.pk == world.creator_id
    labels = dict(mechanic_choices())
    published = world.status == World.Status.PUBLISHED
    preview_url = request.build_absolute_uri(reverse("worlds:preview", args=[world.pk]))
    return {
        "world": card,
        "world_obj": world,
        "is_owner": is_owner,
        "published": published,
        "ancestors": selectors.world_ancestors(world=world, user=request.user),
        "tree": selectors.remix_tree(world=world, user=request.user)
        if published or world.parent_id
        else None,
        "from_moment": selectors.world_starts_from_moment(world=world),
        "comments": selectors.world_comments(world=world) if published else [],
        "comment_form": comment_form or CommentForm(),
        "report_form": report_form or ReportForm(),
        "bookmarked": selectors.world_is_bookmarked(world=world, user=request.user),
        "following": is_following(follower=request.user, followee=world.creator),
        "followers": follow_counts(user=world.creator).followers,
        "mechanic_labels": [labels.get(m, m) for m in world.mechanics],
        "permalink": request.build_absolute_uri(reverse("worlds:detail", args=[world.pk])),
        "og": {
            "title": world.title,
            "description": Truncator(f"{world.prompt} — a playable world by @{card.creator_name}").chars(200),
            "image": preview_url,
        },
        "play_fps": settings.WORLDFEED_FPS,
    }


@require_GET
@ensure_csrf_cookie
def world_detail(request: HttpRequest, world_id: int) -> HttpResponse:
    """The permalink: plays the world. Others' unpublished worlds are 404, the owner sees them with status."""
    world = selectors.world_get_visible(world_id=world_id, user=request.user)
    if world is None:
        raise Http404("No such world.")
    return render(request, "worlds/world_detail.html", world_page_context(request, world))


@require_GET
def world_preview(request: HttpRequest, world_id: int) -> HttpResponse:
    """The world's preview JPEG (also its og:image); a placeholder until the first render is stored.

    Published previews are publicly cacheable; a draft's only privately and briefly (it re-renders on edit).
    """
    world = selectors.world_get_visible(world_id=world_id, user=request.user)
    if world is None:
        raise Http404("No preview.")
    if world.preview:
        response: HttpResponse = FileResponse(world.preview.open("rb"), content_type="image/jpeg")
    else:
        response = HttpResponse(_placeholder_jpeg(), content_type="image/jpeg")
    published = world.status == World.Status.PUBLISHED and bool(world.preview)
    response["Cache-Control"] = "public, max-age=300" if published else "private, max-age=10"
    return response


@require_GET
@cache_control(private=True, max_age=300)
def world_reference_image(request: HttpRequest, world_id: int) -> FileResponse:
    """The (re-encoded, metadata-free) starting scene a creator uploaded."""
    world = selectors.world_get_visible(world_id=world_id, user=request.user)
    if world is None or not world.reference_image:
        raise Http404("No starting scene.")
    return FileResponse(world.reference_image.open("rb"), content_type="image/jpeg")


@require_GET
@cache_control(private=True, max_age=3600)
def moment_preview(request: HttpRequest, moment_id: str) -> HttpResponse:
    """The frame on screen when a moment was captured."""
    moment = selectors.moment_get(moment_id=moment_id)
    if moment is None or not moment.preview:
        raise Http404("No such moment.")
    return HttpResponse(bytes(moment.preview), content_type="image/jpeg")


@require_GET
@ensure_csrf_cookie
def creator_page(request: HttpRequest, username: str) -> HttpResponse:
    """A creator's profile: published worlds and remixes, followers; their own drafts and saves to themselves."""
    from accounts.selectors import follow_counts, is_following  # accounts never imports worlds

    creator = get_object_or_404(get_user_model(), username=username, is_active=True)
    sections = selectors.creator_worlds(creator=creator, viewer=request.user)
    is_self = request.user.is_authenticated and request.user.pk == creator.pk
    return render(
        request,
        "accounts/profile.html",
        {
            "creator": creator,
            "is_self": is_self,
            "originals": sections["originals"],
            "remixes": sections["remixes"],
            "unpublished": sections["unpublished"],
            "saved": selectors.bookmarked_worlds(user=creator) if is_self else [],
            "world_count": len(sections["originals"]) + len(sections["remixes"]),
            "counts": follow_counts(user=creator),
            "following": is_following(follower=request.user, followee=creator),
        },
    )


@lru_cache(maxsize=1)
def _placeholder_jpeg() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (128, 128), (20, 20, 26))
    draw = ImageDraw.Draw(image)
    draw.rectangle((24, 84, 104, 96), fill=(37, 244, 238))
    draw.rectangle((56, 56, 72, 72), fill=(255, 59, 92))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()
