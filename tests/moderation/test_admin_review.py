"""The review queue in Django admin: who sees it, who may decide, and what a decision does."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from moderation.models import AuditEntry, ReviewCase
from moderation.services import case_open
from tests.factories import UserFactory, WorldFactory
from worlds.models import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    world = WorldFactory(status=World.Status.PENDING, published_at=None, prompt="a temple of isis")
    return case_open(
        world=world,
        source=ReviewCase.Source.GUIDELINES,
        category="extremism",
        summary="This prompt contains “isis”: extremism needs a moderator's review.",
    )


def review_url(case):
    return reverse("admin:moderation_reviewcase_change", args=[case.pk])


def decide(client, case, decision, reason="checked the recording"):
    return client.post(
        reverse("admin:moderation_reviewcase_decide", args=[case.pk]),
        {"decision": decision, "reason": reason},
    )


def test_non_staff_users_see_nothing(client, case):
    client.force_login(UserFactory())
    for url in (reverse("admin:moderation_reviewcase_changelist"), review_url(case)):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    response = decide(client, case, "approve")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    case.refresh_from_db()
    assert case.status == "open"


def test_staff_without_moderation_permissions_is_refused(client, case, django_user_model):
    client.force_login(django_user_model.objects.create_user("clerk", is_staff=True))
    assert client.get(reverse("admin:moderation_reviewcase_changelist")).status_code == 403
    assert client.get(review_url(case)).status_code == 403
    assert decide(client, case, "approve").status_code == 403


def test_moderator_without_decide_permission_can_look_but_not_decide(client, case, moderator):
    moderator.user_permissions.remove(Permission.objects.get(codename="decide_reviewcase"))
    client.force_login(moderator)
    page = client.get(review_url(case))
    assert page.status_code == 200
    assert b"can view this case but not decide" in page.content and b'name="decision"' not in page.content
    assert decide(client, case, "reject").status_code == 403
    case.refresh_from_db()
    assert case.status == "open" and not AuditEntry.objects.filter(action="rejected").exists()


def test_queue_lists_open_cases(client, case, moderator):
    client.force_login(moderator)
    page = client.get(reverse("admin:moderation_reviewcase_changelist"))
    assert page.status_code == 200 and case.world.title.encode() in page.content
    page = client.get(reverse("admin:moderation_reviewcase_changelist"), {"queue": "decided"})
    assert case.world.title.encode() not in page.content


def test_a_decision_needs_a_reason(client, case, moderator):
    client.force_login(moderator)
    response = decide(client, case, "reject", reason="   ")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "open"
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("reason" in m.lower() for m in messages)


def test_reject_rejects_the_world_with_the_reason_and_logs_who(client, case, moderator):
    client.force_login(moderator)
    decide(client, case, "reject", reason="Extremist symbols in the temple")
    case.refresh_from_db()
    case.world.refresh_from_db()
    assert case.status == "rejected" and case.decided_by == moderator and case.decided_at
    assert case.world.status == World.Status.REJECTED
    assert case.world.rejection_reason == "Extremist symbols in the temple"  # what the creator sees
    entry = AuditEntry.objects.get(action="rejected")
    assert (
        entry.actor == moderator and entry.case == case and entry.reason == "Extremist symbols in the temple"
    )
    assert decide(client, case, "approve").status_code == 302  # already decided: refused with a message
    case.refresh_from_db()
    assert case.status == "rejected"


def test_approve_publishes_when_nothing_else_is_open(client, case, moderator):
    client.force_login(moderator)
    decide(client, case, "approve", reason="Egyptian mythology, fine")
    case.world.refresh_from_db()
    assert case.world.status == World.Status.PUBLISHED
    assert AuditEntry.objects.filter(action="approved", actor=moderator).exists()


def test_escalate_keeps_the_case_open(client, case, moderator):
    client.force_login(moderator)
    decide(client, case, "escalate", reason="not sure, second opinion")
    case.refresh_from_db()
    case.world.refresh_from_db()
    assert case.status == "escalated" and case.is_open and case.world.status == World.Status.PENDING


def test_review_page_shows_playthroughs_with_hits(
    client, moderator, short_bots, django_capture_on_commit_callbacks, monkeypatch
):
    from moderation.models import Playthrough
    from moderation.scanners.base import ScanHit
    from moderation.services import world_review_start
    from moderation.tasks import run_world_playthroughs

    monkeypatch.setattr(
        "moderation.playthrough.scan_frames",
        lambda frames, fps, **kw: [
            ScanHit("collapse", "frozen", "flag", 5, 30, 0.25, 1.55, 1.3, "no change for 1.3 s")
        ],
    )
    world = WorldFactory(status=World.Status.PENDING, published_at=None)
    with django_capture_on_commit_callbacks(execute=False):
        world_review_start(world_id=world.pk)
    run = Playthrough.objects.filter(world=world).values_list("run", flat=True).first()
    run_world_playthroughs.run(world_id=world.pk, run=str(run))
    case = ReviewCase.objects.get(world=world, source="scanner")
    client.force_login(moderator)
    page = client.get(review_url(case))
    assert page.status_code == 200
    assert page.content.count(b'class="mod-player"') == 3 and b"mod-timelines" in page.content
    strip = client.get(reverse("admin:moderation_playthrough_file", args=[case.playthrough_id, "filmstrip"]))
    assert strip.status_code == 200 and strip["Content-Type"] == "image/jpeg"
    client.force_login(UserFactory())
    strip = client.get(reverse("admin:moderation_playthrough_file", args=[case.playthrough_id, "filmstrip"]))
    assert strip.status_code == 302  # to the login page: recordings are not public
