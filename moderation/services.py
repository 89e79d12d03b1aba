"""Writes of moderation: screening, the review pipeline of a submitted world, reports and decisions.

The pipeline of a submitted world (status pending):
  world_review_start -> guidelines screen the prompt, title and mechanics
    block -> worlds.services.world_reject (the creator sees the reason); done
    flag  -> a ReviewCase (source guidelines); the bots still play, so moderators have a recording
  -> bot playthroughs on Celery (moderation.tasks.run_world_playthroughs) record and scan frames
  -> world_review_conclude: hits -> a ReviewCase (source scanner); no open case -> world_publish.
A world with an open case stays pending until a moderator decides (case_decide).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from moderation import selectors
from moderation.conf import setting
from moderation.guidelines.screening import BLOCK, FLAG, Decision
from moderation.models import AuditEntry, Playthrough, PolicyRule, ReviewCase
from worlds.models import World

log = logging.getLogger(__name__)

SCREEN_FIELDS = ("prompt", "title", "comment")
DECISIONS = ("approve", "reject", "escalate")
REPORT_REASON_MAX = 1000


@dataclass(frozen=True)
class ScreenResult:
    """The guidelines' verdict on one text.

    allowed=False: blocked, show `reason` to the author. allowed=True with flagged=True: accepted, but a
    moderator looks at it before it is published. category is the PolicyRule category that decided ("" when
    nothing matched).
    """

    allowed: bool
    category: str
    reason: str
    flagged: bool = False


def _result(decision: Decision, field: str) -> ScreenResult:
    return ScreenResult(
        allowed=decision.action != BLOCK,
        category=decision.category,
        reason=decision.reason(field),
        flagged=decision.action == FLAG,
    )


def text_screen(*, text: str, field: str) -> ScreenResult:
    """Screen a prompt, title or comment against the enabled PolicyRules (see guidelines.screening)."""
    if field not in SCREEN_FIELDS:
        raise ValueError(f"field must be one of {SCREEN_FIELDS}, not {field!r}")
    if not text or not text.strip():
        return ScreenResult(allowed=True, category="", reason="")
    return _result(selectors.policy_screener().screen(text, field=field), field)


def world_screen(*, world: World) -> tuple[Decision, str]:
    """Screen a world's prompt and title, each together with its mechanics; returns (decision, field)."""
    screener = selectors.policy_screener()
    decisions = [
        (screener.screen(world.prompt, field="prompt", mechanics=world.mechanics), "prompt"),
        (screener.screen(world.title, field="title", mechanics=world.mechanics), "title"),
    ]
    for wanted in (BLOCK, FLAG):
        for decision, field in decisions:
            if decision.action == wanted:
                return decision, field
    return decisions[0]


def audit(
    *,
    world: World | int,
    action: str,
    actor: AbstractBaseUser | None = None,
    case: ReviewCase | None = None,
    reason: str = "",
    data: dict | None = None,
) -> AuditEntry:
    """Append one entry to the audit log (actor None = an automatic step)."""
    world_id = world if isinstance(world, int) else world.pk
    return AuditEntry.objects.create(
        world_id=world_id, action=action, actor=actor, case=case, reason=reason, data=data or {}
    )


# --- the pipeline of a submitted world ---------------------------------------------------------------


def world_review_start(*, world_id: int) -> None:
    """Review a world just submitted (status pending). Idempotent: does nothing unless the world is pending
    and has no bot run in progress. Call it after the submitting transaction commits."""
    from worlds.services import world_reject

    world = World.objects.filter(pk=world_id).first()
    if world is None or world.status != World.Status.PENDING or selectors.run_in_progress(world_id=world_id):
        return
    decision, field = world_screen(world=world)
    hits = [h.as_json() for h in decision.hits]
    audit(
        world=world,
        action=AuditEntry.Action.SCREENED,
        reason=decision.reason(field),
        data={"decision": decision.action, "hits": hits},
    )
    if decision.action == BLOCK:
        reason = decision.reason(field)
        world_reject(world=world, reason=reason)
        audit(world=world, action=AuditEntry.Action.AUTO_REJECTED, reason=reason)
        return
    if decision.action == FLAG:
        case_open(
            world=world,
            source=ReviewCase.Source.GUIDELINES,
            category=decision.category,
            summary=decision.reason(field),
            hits=hits,
        )
    playthroughs_enqueue(world=world)


def playthroughs_create(*, world: World, policies: list[str], seconds: float | None = None) -> uuid.UUID:
    """Create one queued Playthrough per policy, all in one new run (seeds derived from the world's); return the run."""
    run = uuid.uuid4()
    fps = playback_fps()
    frames = max(1, round(float(seconds if seconds is not None else setting("MODERATION_BOT_SECONDS")) * fps))
    Playthrough.objects.bulk_create(
        Playthrough(
            world=world,
            run=run,
            policy=policy,
            seed=(world.seed + 7919 * i) % 2**31,
            frames_target=frames,
            fps=fps,
        )
        for i, policy in enumerate(policies)
    )
    return run


def playthroughs_enqueue(*, world: World, seconds: float | None = None) -> uuid.UUID:
    """Create one queued Playthrough per bot policy (one run) and queue the task that plays them all."""
    from moderation.tasks import run_world_playthroughs

    run = playthroughs_create(world=world, policies=list(setting("MODERATION_BOT_POLICIES")), seconds=seconds)

    def send() -> None:
        try:
            run_world_playthroughs.apply_async(
                kwargs={"world_id": world.pk, "run": str(run)}, queue=setting("MODERATION_QUEUE")
            )
        except Exception as error:  # the broker is down: fail the run so a moderator sees the world
            log.exception("could not queue the bot playthroughs of world %s", world.pk)
            Playthrough.objects.filter(run=run).update(
                status=Playthrough.Status.FAILED, error=f"could not queue: {error}"[:2000]
            )
            world_review_conclude(world_id=world.pk, run=run)

    transaction.on_commit(send)
    return run


def world_review_conclude(*, world_id: int, run: uuid.UUID | str) -> World | None:
    """After a bot run: open a scanner case for hits or failures, else publish if nothing else is open.

    Does nothing to a world that is no longer pending (a moderator or the creator acted meanwhile).
    """
    from worlds.services import world_publish

    world = World.objects.filter(pk=world_id).first()
    if world is None:
        return None
    if AuditEntry.objects.filter(
        world=world, action=AuditEntry.Action.PLAYTHROUGHS, data__run=str(run)
    ).exists():
        return world  # this run was concluded already (a retried task)
    rows = list(Playthrough.objects.filter(world_id=world_id, run=run).order_by("policy"))
    flagged = [p for p in rows if p.flagged]
    failed = [p for p in rows if p.status == Playthrough.Status.FAILED]
    audit(
        world=world,
        action=AuditEntry.Action.PLAYTHROUGHS,
        data={
            "run": str(run),
            "policies": [p.policy for p in rows],
            "flagged": [p.policy for p in flagged],
            "failed": [p.policy for p in failed],
        },
    )
    if world.status != World.Status.PENDING:
        return world
    if flagged:
        hits = [{**hit, "policy": p.policy, "playthrough": p.pk} for p in flagged for hit in p.hits]
        worst = sorted(hits, key=lambda h: h.get("severity") != "block")[0]
        kinds = sorted({f"{h['scanner']}:{h['kind']}" for h in hits})
        case_open(
            world=world,
            source=ReviewCase.Source.SCANNER,
            category=worst["scanner"],
            hits=hits,
            playthrough=flagged[0],
            summary=f"Bot playthroughs found {len(hits)} scanner hit(s): {', '.join(kinds)}.",
        )
    elif failed or not rows:
        case_open(
            world=world,
            source=ReviewCase.Source.SCANNER,
            category="playthrough_failed",
            summary="The bot playthroughs could not finish: "
            + ("; ".join(f"{p.policy}: {p.error[:200]}" for p in failed) or "no playthroughs"),
            playthrough=failed[0] if failed else None,
        )
    if selectors.world_open_cases(world_id=world_id).exists():
        return world
    world_publish(world=world)
    audit(
        world=world, action=AuditEntry.Action.AUTO_PUBLISHED, reason="guidelines and bot playthroughs clean"
    )
    return world


# --- cases -------------------------------------------------------------------------------------------


def case_open(
    *,
    world: World,
    source: str,
    summary: str,
    category: str = "",
    hits: Sequence[dict] = (),
    playthrough: Playthrough | None = None,
    reporter: AbstractBaseUser | None = None,
    clip: bytes | None = None,
    clip_fps: float = 0,
    clip_frames: int = 0,
    hold: bool = False,
) -> ReviewCase:
    """Open a case; with hold=True a published world leaves the feed (pending) until the case is decided."""
    from worlds.services import world_hold

    case = ReviewCase(
        world=world,
        source=source,
        summary=summary,
        category=category[:24],
        hits=list(hits),
        playthrough=playthrough,
        reporter=reporter,
        clip_fps=clip_fps,
        clip_frames=clip_frames,
    )
    if clip:
        case.clip.save(f"world-{world.pk}-{uuid.uuid4().hex[:8]}.webp", ContentFile(clip), save=False)
    held = hold and world.status == World.Status.PUBLISHED
    case.holds_world = held
    case.save()
    audit(
        world=world,
        action=AuditEntry.Action.CASE_OPENED,
        case=case,
        reason=summary,
        data={"source": source, "category": category},
    )
    if held:
        world_hold(world=world)
        audit(world=world, action=AuditEntry.Action.HELD, case=case, reason=summary)
    return case


def case_decide(*, case: ReviewCase, actor: AbstractBaseUser, decision: str, reason: str) -> ReviewCase:
    """Approve, reject or escalate an open case, with a reason; logged with the actor.

    Needs the moderation.decide_reviewcase permission (PermissionDenied otherwise) and a non-blank reason
    (ValidationError). approve: the world is published once no other case is open and no bot run is going;
    reject: the world is rejected with `reason` (the creator sees it) and its other open cases are closed;
    escalate: the case stays open, marked for a senior moderator.
    """
    from worlds.services import world_publish, world_reject

    if decision not in DECISIONS:
        raise ValidationError(f"decision must be one of {DECISIONS}")
    if not (actor and actor.is_active and actor.is_staff and actor.has_perm("moderation.decide_reviewcase")):
        raise PermissionDenied("You may not decide review cases.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason for the decision."})
    with transaction.atomic():
        case = ReviewCase.objects.select_for_update().select_related("world").get(pk=case.pk)
        if not case.is_open:
            raise ValidationError(f"Case {case.pk} is already {case.get_status_display().lower()}.")
        world = case.world
        case.decided_by, case.decided_at, case.decision_reason = actor, timezone.now(), reason
        if decision == "escalate":
            case.status = ReviewCase.Status.ESCALATED
            case.save()
            audit(world=world, action=AuditEntry.Action.ESCALATED, actor=actor, case=case, reason=reason)
            return case
        if decision == "reject":
            case.status = ReviewCase.Status.REJECTED
            case.save()
            audit(world=world, action=AuditEntry.Action.REJECTED, actor=actor, case=case, reason=reason)
            others = selectors.world_open_cases(world_id=world.pk).exclude(pk=case.pk)
            others.update(
                status=ReviewCase.Status.REJECTED,
                decided_by=actor,
                decided_at=case.decided_at,
                decision_reason=f"closed with case {case.pk}: {reason}",
            )
            world_reject(world=world, reason=reason)
            return case
        case.status = ReviewCase.Status.APPROVED
        case.save()
        audit(world=world, action=AuditEntry.Action.APPROVED, actor=actor, case=case, reason=reason)
        if (
            world.status == World.Status.PENDING
            and not selectors.world_open_cases(world_id=world.pk).exists()
            and not selectors.run_in_progress(world_id=world.pk)
        ):
            world_publish(world=world)
    return case


# --- reports -----------------------------------------------------------------------------------------


def report_create(
    *,
    world: World,
    reporter: AbstractBaseUser | None,
    reason: str,
    session_frames: list[bytes] | None = None,
    session_fps: float | None = None,
) -> ReviewCase:
    """A player's report of a world, optionally with the last seconds of their session's frames.

    session_frames are encoded images (JPEG/WebP/PNG, as the play socket sends them), oldest first; they are
    kept as the case's clip and run through the scanners. A signed-in reporter with an open report on the
    world gets that case back. The world leaves the feed while the case is open when a scanner finds a
    blocking hit in the frames, or when MODERATION_REPORT_HOLD_THRESHOLD distinct people have open reports.
    """
    from moderation.clips import decode_images, encode_animation
    from moderation.scanners import scan_frames

    reason = (reason or "").strip()[:REPORT_REASON_MAX]
    if not reason:
        raise ValidationError({"reason": "Say what is wrong with this world."})
    reporter = reporter if reporter is not None and reporter.is_authenticated else None
    if reporter is not None:
        existing = (
            selectors.world_open_cases(world_id=world.pk)
            .filter(source=ReviewCase.Source.REPORT, reporter=reporter)
            .first()
        )
        if existing is not None:
            return existing
    fps = float(session_fps or playback_fps())
    frames = decode_images(session_frames or [])
    frames = frames[-max(1, round(10 * fps)) :] if len(frames) else frames
    hits = [h.as_json() for h in scan_frames(frames, fps)] if len(frames) else []
    reporters = set(
        selectors.world_open_cases(world_id=world.pk)
        .filter(source=ReviewCase.Source.REPORT, reporter__isnull=False)
        .values_list("reporter_id", flat=True)
    )
    if reporter is not None:
        reporters.add(reporter.pk)
    hold = any(h["severity"] == "block" for h in hits) or len(reporters) >= setting(
        "MODERATION_REPORT_HOLD_THRESHOLD"
    )
    summary = f"Reported by {reporter.get_username() if reporter else 'an anonymous viewer'}: {reason}"
    case = case_open(
        world=world,
        source=ReviewCase.Source.REPORT,
        category=hits[0]["scanner"] if hits else "",
        summary=summary,
        hits=hits,
        reporter=reporter,
        hold=hold,
        clip=encode_animation(frames, fps) if len(frames) else None,
        clip_fps=fps,
        clip_frames=len(frames),
    )
    audit(
        world=world,
        action=AuditEntry.Action.REPORTED,
        actor=reporter,
        case=case,
        reason=reason,
        data={"frames": len(frames), "hits": len(hits)},
    )
    return case


def live_hits_record(
    *,
    world_id: int,
    session_key: str,
    hits: Sequence[dict],
    clip: bytes | None,
    clip_fps: float,
    clip_frames: int,
) -> ReviewCase | None:
    """Scanner hits from sampled live play: one open live case per world (later hits add to it).

    A blocking hit (e.g. a photosensitivity failure) takes the world out of the feed until reviewed.
    """
    world = World.objects.filter(pk=world_id).first()
    if world is None or not hits:
        return None
    hits = [{**h, "session": session_key} for h in hits]
    existing = selectors.world_open_cases(world_id=world_id).filter(source=ReviewCase.Source.LIVE).first()
    if existing is not None:
        existing.hits = [*existing.hits, *hits][-200:]
        existing.save(update_fields=["hits"])
        return existing
    kinds = sorted({f"{h['scanner']}:{h['kind']}" for h in hits})
    return case_open(
        world=world,
        source=ReviewCase.Source.LIVE,
        category=hits[0]["scanner"],
        hits=hits,
        summary=f"Live play sampling found {', '.join(kinds)}.",
        clip=clip,
        clip_fps=clip_fps,
        clip_frames=clip_frames,
        hold=any(h["severity"] == "block" for h in hits),
    )


# --- guidelines --------------------------------------------------------------------------------------


def policy_rules_seed(*, rule_model=PolicyRule) -> int:
    """Add the default rules that are missing (by category, kind and phrase); never changes existing ones.

    `rule_model` lets the data migration pass its historical model. Returns how many were added.
    """
    from moderation.guidelines.default_rules import default_rules

    existing = set(rule_model.objects.values_list("category", "match_kind", "phrase"))
    new = [
        rule_model(category=c, match_kind=k, action=a, phrase=p, threshold=t, fields=list(f))
        for c, k, a, p, t, f in default_rules()
        if (c, k, p) not in existing
    ]
    rule_model.objects.bulk_create(new)
    return len(new)


def playback_fps() -> float:
    """The frame rate recordings play back at: the feed's WORLDFEED_FPS."""
    from django.conf import settings

    return float(getattr(settings, "WORLDFEED_FPS", 20))
