"""Moderation data: guideline rules, review cases, bot playthroughs and the audit log."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class PolicyRule(models.Model):
    """One creation guideline, managed in admin.

    match_kind says how `phrase` is matched (see moderation.guidelines.screening):
    - keyword: a word or phrase, matched on normalised text (leetspeak, spacing and masking undone);
    - semantic: a concept sentence, matched by MiniLM cosine similarity >= threshold (catches paraphrases);
    - combination: terms joined by "+", each a mechanic id or "word|word|…" alternatives; all must hold;
    - regex: a Python regular expression on the normalised text.
    action: block (refuse), flag (allow, but send to moderators) or allow (a counter-example: a semantic
    hit is dropped when the text is nearer to an allow concept than to the violating one).
    """

    class Category(models.TextChoices):
        SEXUAL = "sexual", "Sexual content"
        MINORS = "minors", "Sexualisation of minors"
        VIOLENCE = "violence", "Real-world violence"
        GORE = "gore", "Gore and torture"
        HATE = "hate", "Hate"
        EXTREMISM = "extremism", "Extremism and terrorism"
        SELF_HARM = "self_harm", "Self-harm"
        DRUGS = "drugs", "Drugs"
        HARASSMENT = "harassment", "Harassment"
        PROFANITY = "profanity", "Profanity"
        PHOTOSENSITIVITY = "photosensitivity", "Photosensitivity"
        GAME_THEME = "game_theme", "Ordinary game theme (allow)"
        OTHER = "other", "Other"

    class MatchKind(models.TextChoices):
        KEYWORD = "keyword", "Keyword or phrase"
        SEMANTIC = "semantic", "Concept (semantic similarity)"
        COMBINATION = "combination", "Combination (mechanics + terms)"
        REGEX = "regex", "Regular expression"

    class Action(models.TextChoices):
        BLOCK = "block", "Block"
        FLAG = "flag", "Flag for review"
        ALLOW = "allow", "Allow (counter-example)"

    class Field(models.TextChoices):
        PROMPT = "prompt"
        TITLE = "title"
        COMMENT = "comment"

    category = models.CharField(max_length=24, choices=Category.choices)
    phrase = models.CharField(
        max_length=300, help_text="word, phrase, concept sentence, combination or regex"
    )
    match_kind = models.CharField(max_length=16, choices=MatchKind.choices, default=MatchKind.KEYWORD)
    action = models.CharField(max_length=8, choices=Action.choices, default=Action.BLOCK)
    threshold = models.FloatField(
        null=True, blank=True, help_text="semantic rules: minimum cosine similarity (blank = default)"
    )
    fields = models.JSONField(
        default=list, blank=True, help_text='fields the rule applies to, e.g. ["comment"]; empty = all fields'
    )
    enabled = models.BooleanField(default=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category", "match_kind", "phrase"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "match_kind", "phrase"], name="policyrule_unique_phrase"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.category}: {self.phrase}"


class ReviewCase(models.Model):
    """Something a moderator must decide about a world: from guidelines, scanners, live play or a report.

    A case that `holds_world` took a published world out of the feed (status back to pending) while open.
    """

    class Source(models.TextChoices):
        GUIDELINES = "guidelines", "Guidelines"
        SCANNER = "scanner", "Bot playthrough scan"
        LIVE = "live", "Live play scan"
        REPORT = "report", "User report"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ESCALATED = "escalated", "Escalated"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    OPEN_STATUSES = (Status.OPEN, Status.ESCALATED)

    world = models.ForeignKey("worlds.World", on_delete=models.CASCADE, related_name="review_cases")
    source = models.CharField(max_length=16, choices=Source.choices, db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    category = models.CharField(max_length=24, blank=True, db_index=True)
    summary = models.TextField(help_text="why the case was opened")
    hits = models.JSONField(default=list, blank=True, help_text="guideline or scanner hits")
    holds_world = models.BooleanField(default=False)
    playthrough = models.ForeignKey(
        "Playthrough", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_reports",
    )
    clip = models.FileField(
        upload_to="moderation/clips/%Y/%m/",
        blank=True,
        help_text="frames the reporter or live scanner saw (animated WebP)",
    )
    clip_fps = models.FloatField(default=0)
    clip_frames = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_decisions",
    )
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("decide_reviewcase", "Can approve, reject or escalate review cases")]
        indexes = [models.Index(fields=["world", "status"], name="reviewcase_world_status_idx")]

    def __str__(self) -> str:
        return f"case {self.pk}: {self.get_source_display()} on world {self.world_id}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class Playthrough(models.Model):
    """One bot's recorded play of a world: frames (animated WebP + filmstrip), events JSONL and coverage.

    `run` groups the bots started together for one submission.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Playing"
        SCANNING = "scanning", "Scanning"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    world = models.ForeignKey("worlds.World", on_delete=models.CASCADE, related_name="playthroughs")
    run = models.UUIDField(default=uuid.uuid4, db_index=True)
    policy = models.CharField(max_length=16)
    seed = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    frames_target = models.PositiveIntegerField(default=0)
    frames_done = models.PositiveIntegerField(default=0)
    fps = models.FloatField(default=20)
    backend = models.CharField(max_length=32, blank=True)
    video = models.FileField(upload_to="moderation/playthroughs/%Y/%m/", blank=True)
    filmstrip = models.FileField(
        upload_to="moderation/playthroughs/%Y/%m/",
        blank=True,
        help_text="every frame tiled into one JPEG, for the admin scrubber",
    )
    filmstrip_columns = models.PositiveSmallIntegerField(default=0)
    events = models.FileField(upload_to="moderation/playthroughs/%Y/%m/", blank=True)
    coverage = models.JSONField(default=dict, blank=True)
    hits = models.JSONField(default=list, blank=True)
    flagged = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "policy"]

    def __str__(self) -> str:
        return f"{self.policy} bot on world {self.world_id} ({self.status})"

    @property
    def progress(self) -> float:
        """0..1: frames played, then 1 once scanned."""
        if self.status in (self.Status.DONE, self.Status.FAILED):
            return 1.0
        return min(1.0, self.frames_done / self.frames_target) if self.frames_target else 0.0


class AuditEntry(models.Model):
    """Append-only log of who (or which automatic step, actor=None) decided what about a world, and when."""

    class Action(models.TextChoices):
        SCREENED = "screened", "Guidelines screened"
        CASE_OPENED = "case_opened", "Case opened"
        REPORTED = "reported", "Reported"
        HELD = "held", "Held from the feed"
        AUTO_PUBLISHED = "auto_published", "Published automatically"
        AUTO_REJECTED = "auto_rejected", "Rejected by guidelines"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        ESCALATED = "escalated", "Escalated"
        PLAYTHROUGHS = "playthroughs", "Bot playthroughs finished"

    world = models.ForeignKey("worlds.World", on_delete=models.CASCADE, related_name="moderation_log")
    case = models.ForeignKey(ReviewCase, null=True, blank=True, on_delete=models.SET_NULL, related_name="log")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        who = self.actor.get_username() if self.actor_id else "system"
        return f"{who} {self.action} world {self.world_id}"
