"""World permalink page and preview image."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from feed.viewers import ensure_viewer_key
from worlds.selectors import world_cards, world_get_published


@require_GET
@ensure_csrf_cookie
def world_detail(request: HttpRequest, world_id: int) -> HttpResponse:
    world = world_get_published(world_id=world_id)
    if world is None:
        raise Http404("No such world.")
    card = world_cards(worlds=[world], viewer_key=ensure_viewer_key(request))[0]
    return render(request, "worlds/world_detail.html", {"world": card, "play_fps": settings.WORLDFEED_FPS})


@require_GET
@cache_control(public=True, max_age=300)
def world_preview(request: HttpRequest, world_id: int) -> FileResponse:
    world = world_get_published(world_id=world_id)
    if world is None or not world.preview:
        raise Http404("No preview.")
    return FileResponse(world.preview.open("rb"), content_type="image/jpeg")
