"""report_create: user reports, with the last seconds of a live session's frames."""

import io

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from moderation.models import ReviewCase
from moderation.services import report_create
from tests.factories import UserFactory, WorldFactory
from worlds.models import World

pytestmark = pytest.mark.django_db


def _jpeg(value: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((64, 64, 3), value, np.uint8)).save(buffer, format="JPEG")
    return buffer.getvalue()


def test_report_from_the_world_page():
    world = WorldFactory()
    case = report_create(world=world, reporter=UserFactory(), reason="  hateful symbols on the walls ")
    assert case.source == "report" and case.is_open and "hateful symbols" in case.summary
    assert not case.clip and not case.holds_world
    world.refresh_from_db()
    assert world.status == World.Status.PUBLISHED  # one report alone does not pull a world


def test_report_needs_a_reason():
    with pytest.raises(ValidationError):
        report_create(world=WorldFactory(), reporter=None, reason="   ")


def test_same_reporter_gets_the_open_case_back():
    world, user = WorldFactory(), UserFactory()
    first = report_create(world=world, reporter=user, reason="gross")
    assert report_create(world=world, reporter=user, reason="still gross") == first


def test_live_report_keeps_the_last_ten_seconds_and_scans_them(settings):
    settings.WORLDFEED_FPS = 20
    world = WorldFactory()
    calm = [_jpeg(100)] * 100
    flashing = [_jpeg(255 if (i // 2) % 2 else 0) for i in range(200)]  # 5 Hz full-frame flashing
    case = report_create(
        world=world, reporter=UserFactory(), reason="it strobes", session_frames=calm + flashing
    )
    assert case.clip.name.endswith(".webp") and case.clip_frames == 200 and case.clip_fps == 20
    assert any(h["kind"] == "general_flash" for h in case.hits)
    assert case.holds_world  # a photosensitivity failure takes the world out of the feed at once
    world.refresh_from_db()
    assert world.status == World.Status.PENDING


def test_enough_distinct_reporters_hold_the_world(settings):
    settings.MODERATION_REPORT_HOLD_THRESHOLD = 2
    world = WorldFactory()
    report_create(world=world, reporter=UserFactory(), reason="bad")
    case = report_create(world=world, reporter=UserFactory(), reason="bad too")
    world.refresh_from_db()
    assert case.holds_world and world.status == World.Status.PENDING
    assert ReviewCase.objects.filter(world=world, status="open").count() == 2
