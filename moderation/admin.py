"""Moderation in Django admin: guideline rules, the review queue with a playthrough scrubber, bot runs and the
audit log.

Who may do what: staff with moderation.view_reviewcase see the queue and the review page;
moderation.decide_reviewcase is needed to approve, reject or escalate (checked here and in
services.case_decide). Recordings are served only through these views, never as public media.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from moderation import selectors, services
from moderation.models import AuditEntry, Playthrough, PolicyRule, ReviewCase

DECIDE_PERMISSION = "moderation.decide_reviewcase"


@admin.register(PolicyRule)
class PolicyRuleAdmin(admin.ModelAdmin):
    list_display = ("phrase", "category", "match_kind", "action", "threshold", "enabled", "updated_at")
    list_filter = ("enabled", "action", "match_kind", "category")
    list_editable = ("enabled",)
    search_fields = ("phrase", "note")
    ordering = ("category", "match_kind", "phrase")


class OpenFilter(admin.SimpleListFilter):
    """The queue by default: open and escalated cases; "all" shows decided ones too."""

    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [
            ("open", "Open and escalated"),
            ("escalated", "Escalated only"),
            ("decided", "Decided"),
            ("all", "All"),
        ]

    def choices(self, changelist):
        value = self.value() or "open"
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or "open"
        if value == "open":
            return queryset.filter(status__in=ReviewCase.OPEN_STATUSES)
        if value == "escalated":
            return queryset.filter(status=ReviewCase.Status.ESCALATED)
        if value == "decided":
            return queryset.exclude(status__in=ReviewCase.OPEN_STATUSES)
        return queryset


def _hit_row(hit: dict) -> dict:
    """One row of the hits table, for guideline hits (rule matches) and scanner hits alike."""
    where = " ".join(
        filter(
            None,
            [
                f"{hit['policy']} bot" if hit.get("policy") else "",
                f"{hit['start_s']}–{hit['end_s']} s" if "start_s" in hit else "",
            ],
        )
    )
    return {
        "where": where or hit.get("kind", ""),
        "source": hit.get("scanner") or hit.get("category", ""),
        "kind": hit.get("kind") if "scanner" in hit else hit.get("phrase", ""),
        "severity": hit.get("severity") or hit.get("action", ""),
        "detail": hit.get("detail") or hit.get("matched", ""),
    }


@admin.register(ReviewCase)
class ReviewCaseAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "world_link",
        "source",
        "category",
        "status",
        "holds_world",
        "created_at",
        "decided_by",
    )
    list_filter = (OpenFilter, "source", "category", "holds_world", "created_at")
    search_fields = ("world__title", "world__prompt", "summary", "world__creator__username")
    list_select_related = ("world", "decided_by")
    ordering = ("created_at",)
    review_template = "admin/moderation/reviewcase/review.html"

    @admin.display(description="world", ordering="world__title")
    def world_link(self, case: ReviewCase) -> str:
        return format_html("{} <small>#{} · {}</small>", case.world.title, case.world_id, case.world.status)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # cases change only through decisions (review page), so the audit log is complete

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<int:case_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="moderation_reviewcase_decide",
            ),
            path(
                "<int:case_id>/clip/",
                self.admin_site.admin_view(self.clip_view),
                name="moderation_reviewcase_clip",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The review page: world, reason, hits, the playthrough scrubbers, report clip, decision, audit log."""
        case = get_object_or_404(
            ReviewCase.objects.select_related(
                "world", "world__creator", "reporter", "decided_by", "playthrough"
            ),
            pk=object_id,
        )
        if not self.has_view_permission(request, case):
            raise PermissionDenied
        playthroughs = selectors.case_playthroughs(case=case)
        timelines = [selectors.playthrough_timeline(playthrough=p) for p in playthroughs]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Review case {case.pk}: {case.world.title}",
            "case": case,
            "world": case.world,
            "playthroughs": list(zip(playthroughs, timelines, strict=True)),
            "timelines": timelines,
            "can_decide": case.is_open and request.user.has_perm(DECIDE_PERMISSION),
            "log": selectors.world_audit_log(world_id=case.world_id)[:50],
            "hit_rows": [_hit_row(h) for h in case.hits],
            "other_cases": selectors.world_open_cases(world_id=case.world_id).exclude(pk=case.pk),
            "decide_url": reverse("admin:moderation_reviewcase_decide", args=[case.pk]),
            "clip_url": reverse("admin:moderation_reviewcase_clip", args=[case.pk]) if case.clip else "",
        }
        return TemplateResponse(request, self.review_template, context)

    def decide_view(self, request, case_id: int):
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:moderation_reviewcase_change", args=[case_id]))
        if not request.user.has_perm(DECIDE_PERMISSION):
            raise PermissionDenied
        case = get_object_or_404(ReviewCase, pk=case_id)
        decision, reason = request.POST.get("decision", ""), request.POST.get("reason", "")
        try:
            services.case_decide(case=case, actor=request.user, decision=decision, reason=reason)
        except ValidationError as error:
            self.message_user(request, "; ".join(error.messages), messages.ERROR)
        else:
            self.message_user(request, f"Case {case.pk}: {decision} recorded.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:moderation_reviewcase_change", args=[case_id]))

    def clip_view(self, request, case_id: int):
        case = get_object_or_404(ReviewCase, pk=case_id)
        if not self.has_view_permission(request, case) or not case.clip:
            raise Http404
        return FileResponse(case.clip.open("rb"), content_type="image/webp")


@admin.register(Playthrough)
class PlaythroughAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "world",
        "policy",
        "status",
        "progress_bar",
        "frames_done",
        "flagged",
        "hit_count",
        "backend",
        "created_at",
    )
    list_filter = ("status", "policy", "flagged")
    search_fields = ("world__title", "run")
    list_select_related = ("world",)
    readonly_fields = [f.name for f in Playthrough._meta.fields]
    change_list_template = "admin/moderation/playthrough/change_list.html"
    FILES = {"video": "image/webp", "filmstrip": "image/jpeg", "events": "application/x-ndjson"}

    @admin.display(description="progress")
    def progress_bar(self, row: Playthrough) -> str:
        percent = round(row.progress * 100)
        return format_html(
            '<progress max="100" value="{}" title="{}%"></progress> {}%', percent, percent, percent
        )

    @admin.display(description="hits")
    def hit_count(self, row: Playthrough) -> int:
        return len(row.hits)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        running = Playthrough.objects.filter(
            status__in=[Playthrough.Status.QUEUED, Playthrough.Status.RUNNING, Playthrough.Status.SCANNING]
        ).exists()
        return super().changelist_view(request, {**(extra_context or {}), "auto_refresh": running})

    def get_urls(self):
        return [
            path(
                "<int:pk>/file/<str:kind>/",
                self.admin_site.admin_view(self.file_view),
                name="moderation_playthrough_file",
            ),
            *super().get_urls(),
        ]

    def file_view(self, request, pk: int, kind: str):
        row = get_object_or_404(Playthrough, pk=pk)
        if kind not in self.FILES or not self.has_view_permission(request, row) or not getattr(row, kind):
            raise Http404
        return FileResponse(getattr(row, kind).open("rb"), content_type=self.FILES[kind])


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "world", "action", "actor", "case", "short_reason")
    list_filter = ("action", "created_at")
    search_fields = ("world__title", "reason", "actor__username")
    list_select_related = ("world", "actor", "case")

    @admin.display(description="reason")
    def short_reason(self, entry: AuditEntry) -> str:
        return entry.reason[:120]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
