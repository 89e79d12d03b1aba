"""text_screen: the contract the create/remix forms use, on the seeded default rules."""

import pytest

from moderation.services import ScreenResult, text_screen

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "text",
    [
        "a fantasy battle with knights and a dragon",
        "space shooter against alien ships",
        "pirates raiding a merchant ship",
        "shoot for the stars",
        "Scunthorpe harbour at dawn",
    ],
)
def test_ordinary_game_themes_pass(text):
    result = text_screen(text=text, field="prompt")
    assert result == ScreenResult(allowed=True, category="", reason="")


@pytest.mark.parametrize(
    "text,category",
    [
        ("fuck this", "profanity"),
        ("f u c k this", "profanity"),
        ("sh!t city", "profanity"),
        ("what a c*nt", "profanity"),
        ("fuuuuck", "profanity"),
        ("ｆｕｃｋ", "profanity"),
        ("a porn studio", "sexual"),
        ("a school shooting where you hunt students", "violence"),
        ("go into the mall and gun down the shoppers", "violence"),
        ("end your own life by jumping off a bridge", "self_harm"),
    ],
)
def test_violations_are_blocked_with_a_reason(text, category):
    result = text_screen(text=text, field="comment")
    assert not result.allowed and result.category == category
    assert "not allowed" in result.reason


def test_flag_rules_allow_but_flag():
    result = text_screen(text="a temple of isis by the nile", field="title")
    assert result.allowed and result.flagged and result.category == "extremism"


def test_rules_edited_in_admin_apply_at_once():
    from moderation.models import PolicyRule

    assert text_screen(text="broccoli land", field="title").allowed
    PolicyRule.objects.create(category="other", phrase="broccoli", match_kind="keyword", action="block")
    assert not text_screen(text="b r o c c o l i land", field="title").allowed


def test_field_must_be_known():
    with pytest.raises(ValueError):
        text_screen(text="x", field="bio")
