"""Creating, remixing, editing and submitting worlds. Thin: rules live in worlds.services."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from config.rate_limits import retry_message, too_many_requests
from feed import services as feed_services
from feed.models import EngagementEvent
from worlds import selectors, services
from worlds.forms import WorldForm
from worlds.upload_limits import limit_uploads


def _form_page(
    request: HttpRequest, form: WorldForm, *, mode: str, status: int = 200, **context
) -> HttpResponse:
    retry_after = services.creation_quota_retry_after(user=request.user) if mode != "edit" else None
    context.update(form=form, mode=mode, quota_message=retry_message(retry_after) if retry_after else "")
    return render(request, "worlds/world_form.html", context, status=status)


def _quota_response(request: HttpRequest, error: services.QuotaExceeded) -> HttpResponse:
    return too_many_requests(
        request,
        retry_after=error.retry_after,
        what=f"You have created {error.quota} worlds in the last 24 hours.",
    )


def _create_fields(form: WorldForm) -> dict:
    data = form.cleaned_data
    return {
        "title": data["title"],
        "prompt": data["prompt"],
        "mechanics": data["mechanics"],
        "reference_image": data.get("reference_image"),
    }


@login_required
@limit_uploads
@require_http_methods(["GET", "POST"])
def world_create(request: HttpRequest) -> HttpResponse:
    """/create/: a new original world, saved as a draft the creator can test-play before submitting."""
    if request.method == "GET":
        return _form_page(request, WorldForm(mode="create"), mode="create")
    form = WorldForm(request.POST, request.FILES, mode="create")
    if form.is_valid():
        try:
            world = services.world_draft_create(creator=request.user, **_create_fields(form))
        except services.QuotaExceeded as error:
            return _quota_response(request, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Draft saved. Play it, then submit it for review.")
            return redirect("worlds:detail", world_id=world.pk)
    return _form_page(request, form, mode="create", status=400)


@login_required
@limit_uploads
@require_http_methods(["GET", "POST"])
def world_remix(request: HttpRequest, world_id: int) -> HttpResponse:
    """/w/<id>/remix/[?moment=<uuid>]: a new draft prefilled from a published world (and a captured moment)."""
    parent = selectors.world_get_published(world_id=world_id)
    if parent is None:
        raise Http404("No such world.")
    moment_id = request.GET.get("moment")
    moment = selectors.moment_get(moment_id=moment_id, world=parent) if moment_id else None
    if moment_id and moment is None:  # expired, mistyped or of another world: say so, offer the start
        reason = (
            f"This moment is no longer available: moments can be remixed from for "
            f"{settings.WORLDFEED_MOMENT_TTL_DAYS:g} days. You can still remix “{parent.title}” from its start."
        )
        remix = reverse("worlds:remix", args=[parent.pk])
        context = {"reason": reason, "action_url": remix, "action_label": "Remix from the start"}
        return render(request, "404.html", context, status=404)
    context = {
        "parent": parent,
        "moment": moment,
        "parent_has_image": bool(parent.reference_image),
        "parent_spawn": selectors.world_spawn_point(world=parent),
    }
    if request.method == "GET":
        form = WorldForm(initial=selectors.remix_initial(parent=parent, moment=moment), mode="remix")
        return _form_page(request, form, mode="remix", **context)
    form = WorldForm(request.POST, request.FILES, mode="remix")
    if form.is_valid():
        try:
            world = services.world_draft_create(
                creator=request.user,
                parent=parent,
                moment=moment,
                keep_parent_image=form.cleaned_data.get("keep_parent_image", False),
                **_create_fields(form),
            )
        except services.QuotaExceeded as error:
            return _quota_response(request, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            feed_services.engagement_record(
                kind=EngagementEvent.Kind.REMIX,
                world_id=parent.pk,
                viewer_key=f"u:{request.user.pk}",
                user=request.user,
                data={"remix": world.pk, "from_moment": moment is not None},
            )
            messages.success(request, "Remix saved as a draft. Play it, then submit it for review.")
            return redirect("worlds:detail", world_id=world.pk)
    return _form_page(request, form, mode="remix", status=400, **context)


@login_required
@limit_uploads
@require_http_methods(["GET", "POST"])
def world_edit(request: HttpRequest, world_id: int) -> HttpResponse:
    """/w/<id>/edit/: the creator edits a draft or a rejected world; anyone else gets 404."""
    world = selectors.world_get_owned(world_id=world_id, user=request.user)
    if world is None:
        raise Http404("No such world.")
    if world.status not in services.EDITABLE_STATUSES:
        messages.info(request, "Worlds in review or published can't be edited.")
        return redirect("worlds:detail", world_id=world.pk)
    context = {"world_obj": world}
    if request.method == "GET":
        initial = {"title": world.title, "prompt": world.prompt, "mechanics": world.mechanics}
        return _form_page(request, WorldForm(initial=initial, mode="edit"), mode="edit", **context)
    form = WorldForm(request.POST, request.FILES, mode="edit")
    if form.is_valid():
        try:
            services.world_draft_update(
                world=world,
                editor=request.user,
                remove_image=form.cleaned_data.get("remove_image", False),
                **_create_fields(form),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Saved. Play it again, then submit it for review.")
            return redirect("worlds:detail", world_id=world.pk)
    return _form_page(request, form, mode="edit", status=400, **context)


@login_required
@require_POST
def world_submit(request: HttpRequest, world_id: int) -> HttpResponse:
    """Send the creator's draft to the moderation gate (pending)."""
    world = selectors.world_get_owned(world_id=world_id, user=request.user)
    if world is None:
        raise Http404("No such world.")
    try:
        services.world_submit(world=world, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Submitted. We'll check it and publish it; this page shows the outcome.")
    return redirect(reverse("worlds:detail", args=[world.pk]))
