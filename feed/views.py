"""The feed page and its JSON endpoints. Thin: validation in feed.services, reads in selectors."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt, ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_POST

from feed import services
from feed.models import EngagementEvent
from feed.viewers import ensure_viewer_key
from worlds.selectors import feed_cards, published_worlds
from worlds.services import like_toggle

MAX_EVENT_BODY_BYTES = 64 * 1024


@require_GET
@ensure_csrf_cookie
def feed_page(request: HttpRequest) -> HttpResponse:
    viewer_key = ensure_viewer_key(request)
    return render(
        request,
        "feed/feed.html",
        {"cards": feed_cards(viewer_key=viewer_key, limit=10), "play_fps": settings.WORLDFEED_FPS},
    )


@require_GET
def feed_api(request: HttpRequest) -> JsonResponse:
    raw = request.GET.get("exclude", "")
    try:
        exclude = [int(x) for x in raw.split(",") if x.strip()][:500]
    except ValueError:
        return JsonResponse({"error": "exclude must be comma-separated world ids"}, status=400)
    viewer_key = ensure_viewer_key(request)
    return JsonResponse(
        {"cards": [c.as_json() for c in feed_cards(viewer_key=viewer_key, exclude_ids=exclude)]}
    )


@require_POST
def like_api(request: HttpRequest, world_id: int) -> JsonResponse:
    world = get_object_or_404(published_worlds(), pk=world_id)
    viewer_key = ensure_viewer_key(request)
    liked, count = like_toggle(world=world, viewer_key=viewer_key, user=request.user)
    services.engagement_record(
        kind=EngagementEvent.Kind.LIKE if liked else EngagementEvent.Kind.UNLIKE,
        world_id=world.pk,
        viewer_key=viewer_key,
        user=request.user,
    )
    return JsonResponse({"liked": liked, "like_count": count})


# Beacons cannot carry a CSRF header. The endpoint instead requires a JSON body (which a cross-site
# form cannot send without a CORS preflight we never grant) and a same-origin Origin header.
@csrf_exempt
@require_POST
def events_api(request: HttpRequest) -> JsonResponse:
    if not _same_origin(request):
        return JsonResponse({"error": "cross-origin event batches are not accepted"}, status=403)
    if request.content_type != "application/json":
        return JsonResponse({"error": "send application/json"}, status=415)
    if len(request.body) > MAX_EVENT_BODY_BYTES:
        return JsonResponse({"error": f"batches are at most {MAX_EVENT_BODY_BYTES} bytes"}, status=413)
    try:
        events = services.parse_client_events(json.loads(request.body))
        viewer_key = ensure_viewer_key(request)
        stored = services.engagement_record_batch(events=events, viewer_key=viewer_key, user=request.user)
    except ValueError:
        return JsonResponse({"error": "body is not valid JSON"}, status=400)
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    return JsonResponse({"stored": stored})


def _same_origin(request: HttpRequest) -> bool:
    origin = request.headers.get("Origin")
    if origin is None:  # non-browser clients; browsers always send Origin on POST
        return True
    return url_has_allowed_host_and_scheme(origin, allowed_hosts={request.get_host()})
