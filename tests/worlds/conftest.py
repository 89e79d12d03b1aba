"""Fixtures for worlds tests: a stubbed text screen (moderation's real one is exercised once, on purpose),
fresh rate-limit counters, and image builders."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

BLOCKED_WORD = "forbiddenword"


@pytest.fixture(autouse=True)
def screen(monkeypatch):
    """text_screen blocks any text containing BLOCKED_WORD; records every call as (field, text)."""
    from moderation import services as moderation_services

    calls = []

    def fake_text_screen(*, text: str, field: str):
        calls.append((field, text))
        blocked = BLOCKED_WORD in text.lower()
        return moderation_services.ScreenResult(
            allowed=not blocked,
            category="test" if blocked else "",
            reason=f"Your {field} breaks the rules." if blocked else "",
        )

    monkeypatch.setattr(moderation_services, "text_screen", fake_text_screen)
    return calls


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    from config.rate_limits import rate_limit_reset

    rate_limit_reset()
    yield
    rate_limit_reset()


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48), color=(200, 40, 90), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt, **save)
    return buffer.getvalue()


def upload(data: bytes, name: str = "scene.png", content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)
