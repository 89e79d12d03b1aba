"""Reads of moderation data: the compiled guidelines, the review queue, playthroughs and the audit log."""

from __future__ import annotations

import threading
from datetime import timedelta

from django.db.models import Count, Max, QuerySet
from django.utils import timezone

from moderation.conf import setting
from moderation.guidelines.screening import Rule, Screener
from moderation.models import AuditEntry, Playthrough, PolicyRule, ReviewCase

_screener_lock = threading.Lock()
_screener: tuple[tuple, Screener] | None = None


def policy_rules() -> list[Rule]:
    """The enabled PolicyRules as matcher rules."""
    return [
        Rule(
            category=r.category,
            phrase=r.phrase,
            match_kind=r.match_kind,
            action=r.action,
            threshold=r.threshold,
            fields=tuple(r.fields or ()),
            id=r.pk,
        )
        for r in PolicyRule.objects.filter(enabled=True).order_by("pk")
    ]


def policy_screener() -> Screener:
    """The process's Screener for the current rules, rebuilt when a rule is added, edited or deleted.

    Costs one aggregate query per call; concept embeddings are computed once per rules version.
    """
    global _screener
    stats = PolicyRule.objects.aggregate(n=Count("id"), changed=Max("updated_at"))
    version = (stats["n"], stats["changed"])
    with _screener_lock:
        if _screener is None or _screener[0] != version:
            _screener = (version, Screener(policy_rules()))
        return _screener[1]


def review_queue() -> QuerySet[ReviewCase]:
    """Open and escalated cases, oldest first (what moderators work through)."""
    return (
        ReviewCase.objects.filter(status__in=ReviewCase.OPEN_STATUSES)
        .select_related("world", "world__creator")
        .order_by("created_at")
    )


def world_open_cases(*, world_id: int) -> QuerySet[ReviewCase]:
    return ReviewCase.objects.filter(world_id=world_id, status__in=ReviewCase.OPEN_STATUSES)


def world_latest_run(*, world_id: int) -> list[Playthrough]:
    """The playthroughs of the world's most recent bot run (one per bot policy)."""
    latest = Playthrough.objects.filter(world_id=world_id).order_by("-created_at").first()
    if latest is None:
        return []
    return list(Playthrough.objects.filter(world_id=world_id, run=latest.run).order_by("policy"))


def run_in_progress(*, world_id: int) -> bool:
    """Whether bots are queued or playing for the world (runs idle for MODERATION_RUN_STALE_SECONDS count as
    lost: a worker died, and a new review may start)."""
    stale = timezone.now() - timedelta(seconds=float(setting("MODERATION_RUN_STALE_SECONDS")))
    return Playthrough.objects.filter(
        world_id=world_id,
        created_at__gte=stale,
        status__in=[Playthrough.Status.QUEUED, Playthrough.Status.RUNNING, Playthrough.Status.SCANNING],
    ).exists()


def world_audit_log(*, world_id: int) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(world_id=world_id).select_related("actor", "case")


def case_playthroughs(*, case: ReviewCase) -> list[Playthrough]:
    """What a moderator reviews for a case: its own playthrough's run, else the world's latest run."""
    if case.playthrough_id:
        return list(Playthrough.objects.filter(run=case.playthrough.run).order_by("policy"))
    return world_latest_run(world_id=case.world_id)


def playthrough_timeline(*, playthrough: Playthrough) -> dict:
    """What the admin scrubber needs for one playthrough: frame count, fps, filmstrip layout, hits and the
    bot's button changes (from the events JSONL)."""
    import json

    changes = []
    if playthrough.events:
        try:
            with playthrough.events.open("rb") as handle:
                for line in handle.read().decode().splitlines():
                    event = json.loads(line)
                    if event.get("type") == "action":
                        changes.append([event["frame"], "+".join(event["buttons"]) or "none"])
        except (OSError, ValueError):
            changes = []
    return {
        "id": playthrough.pk,
        "policy": playthrough.policy,
        "frames": playthrough.frames_done,
        "fps": playthrough.fps,
        "columns": playthrough.filmstrip_columns,
        "hits": playthrough.hits,
        "actions": changes,
        "coverage": playthrough.coverage,
    }
