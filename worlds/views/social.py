"""Social actions on a world: comments, reports, bookmarks, shares and "not interested".

JSON endpoints under /api/ answer 401 JSON to anonymous callers where an account is needed; form posts
redirect to log in. Rate limits answer 429 with Retry-After (config.rate_limits).
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from config.rate_limits import client_key, rate_limit_hit, too_many_requests
from feed import services as feed_services
from feed.models import EngagementEvent
from feed.viewers import ensure_viewer_key
from worlds import selectors, services
from worlds.forms import CommentForm, ReportForm
from worlds.views.pages import world_page_context


def _published_or_404(world_id: int):
    world = selectors.world_get_published(world_id=world_id)
    if world is None:
        raise Http404("No such world.")
    return world


def _signin_required() -> JsonResponse:
    return JsonResponse({"error": "Sign in first.", "login_url": reverse("accounts:login")}, status=401)


@require_POST
def comment_create(request: HttpRequest, world_id: int) -> HttpResponse:
    """Post a comment (form). Errors re-render the world page beside the field with 400; nothing is saved."""
    world = _published_or_404(world_id)
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("worlds:detail", args=[world.pk]) + "#comments")
    retry_after = rate_limit_hit("comment", client_key(request))
    if retry_after:
        return too_many_requests(request, retry_after=retry_after, what="You're commenting very fast.")
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_create(world=world, author=request.user, body=form.cleaned_data["body"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(reverse("worlds:detail", args=[world.pk]) + "#comments")
    context = world_page_context(request, world, comment_form=form)
    return render(request, "worlds/world_detail.html", context, status=400)


@login_required
@require_POST
def report_create(request: HttpRequest, world_id: int) -> HttpResponse:
    """Report a published world to moderation (`moderation.services.report_create`)."""
    world = _published_or_404(world_id)
    retry_after = rate_limit_hit("report", client_key(request))
    if retry_after:
        return too_many_requests(request, retry_after=retry_after, what="You've sent a lot of reports.")
    form = ReportForm(request.POST)
    if not form.is_valid():
        context = world_page_context(request, world, report_form=form)
        context["open_report"] = True
        return render(request, "worlds/world_detail.html", context, status=400)
    from moderation.services import report_create as moderation_report_create

    moderation_report_create(
        world=world, reporter=request.user, reason=form.report_reason(), session_frames=None
    )
    feed_services.engagement_record(
        kind=EngagementEvent.Kind.REPORT,
        world_id=world.pk,
        viewer_key=ensure_viewer_key(request),
        user=request.user,
        data={"reason": form.cleaned_data["reason"]},
    )
    if _wants_json(request):
        return JsonResponse({"reported": True})
    messages.success(request, "Thanks for the report. A moderator will look at this world.")
    return redirect("worlds:detail", world_id=world.pk)


@require_POST
def bookmark_api(request: HttpRequest, world_id: int) -> JsonResponse:
    """Save or unsave: body {"saved": bool}; without a body it toggles. Answers {"saved": bool}."""
    world = _published_or_404(world_id)
    if not request.user.is_authenticated:
        return _signin_required()
    retry_after = rate_limit_hit("social", client_key(request))
    if retry_after:
        return too_many_requests(request, retry_after=retry_after, what="Slow down a little.")
    wanted = _json_body(request).get("saved")
    if not isinstance(wanted, bool):
        wanted = not selectors.world_is_bookmarked(world=world, user=request.user)
    return JsonResponse({"saved": services.bookmark_set(world=world, user=request.user, saved=wanted)})


@require_POST
def follow_creator_api(request: HttpRequest, world_id: int) -> JsonResponse:
    """Follow or unfollow the world's creator from its card or page: body {"following": bool} (else toggle).

    A new follow is also logged as a "follow" signal on this world. Answers {"following", "followers"}.
    """
    from accounts import selectors as account_selectors
    from accounts import services as account_services

    world = _published_or_404(world_id)
    if not request.user.is_authenticated:
        return _signin_required()
    retry_after = rate_limit_hit("follow", client_key(request))
    if retry_after:
        return too_many_requests(
            request, retry_after=retry_after, what="You're following a lot of people fast."
        )
    wanted = _json_body(request).get("following")
    was_following = account_selectors.is_following(follower=request.user, followee=world.creator)
    if not isinstance(wanted, bool):
        wanted = not was_following
    try:
        following = account_services.follow_set(
            follower=request.user, followee=world.creator, following=wanted
        )
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    if following and not was_following:
        feed_services.engagement_record(
            kind=EngagementEvent.Kind.FOLLOW,
            world_id=world.pk,
            viewer_key=ensure_viewer_key(request),
            user=request.user,
            data={"creator": world.creator_id},
        )
    counts = account_selectors.follow_counts(user=world.creator)
    return JsonResponse({"following": following, "followers": counts.followers})


@require_POST
def share_api(request: HttpRequest, world_id: int) -> JsonResponse:
    """The client copied or shared the link: record a "share" signal; answers the absolute permalink."""
    return _signal(request, world_id, EngagementEvent.Kind.SHARE)


@require_POST
def not_interested_api(request: HttpRequest, world_id: int) -> JsonResponse:
    """The viewer does not want worlds like this: a "not_interested" signal for the recommender."""
    return _signal(request, world_id, EngagementEvent.Kind.NOT_INTERESTED)


def _signal(request: HttpRequest, world_id: int, kind: str) -> JsonResponse:
    world = _published_or_404(world_id)
    retry_after = rate_limit_hit("social", client_key(request))
    if retry_after:
        return too_many_requests(request, retry_after=retry_after, what="Slow down a little.")
    body = _json_body(request)
    channel = body.get("via") if isinstance(body.get("via"), str) else ""
    feed_services.engagement_record(
        kind=kind,
        world_id=world.pk,
        viewer_key=ensure_viewer_key(request),
        user=request.user,
        data={"via": channel[:32]} if channel else None,
    )
    return JsonResponse(
        {"ok": True, "url": request.build_absolute_uri(reverse("worlds:detail", args=[world.pk]))}
    )


def _json_body(request: HttpRequest) -> dict:
    if request.content_type != "application/json" or not request.body or len(request.body) > 4096:
        return {}
    try:
        data = json.loads(request.body)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")
