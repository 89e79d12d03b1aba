"""The mechanics a creator may pick: exactly those the world model was trained on."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError


def mechanic_choices() -> list[tuple[str, str]]:
    """(id, label) pairs for forms, in the model's order."""
    from inference.corpus.spec import MECHANICS

    return [
        (key, value[0] if isinstance(value, tuple | list) else str(value)) for key, value in MECHANICS.items()
    ]


def mechanic_options() -> list[tuple[str, str, str]]:
    """(id, label, description) triples for the create form's mechanics picker, in the model's order."""
    from inference.corpus.spec import MECHANICS

    return [(key, value[0], value[1] if len(value) > 1 else "") for key, value in MECHANICS.items()]


def validate_mechanics(mechanics: Iterable[str]) -> list[str]:
    """Return the mechanics as a sorted, de-duplicated list; ValidationError names any unknown id."""
    from inference.corpus.spec import MECHANICS

    items = list(mechanics)
    if not all(isinstance(m, str) for m in items):
        raise ValidationError("Mechanics must be a list of names.", code="invalid")
    unknown = sorted(set(items) - set(MECHANICS))
    if unknown:
        raise ValidationError(
            "Unknown mechanics: %(unknown)s. Choose from: %(known)s.",
            code="unknown_mechanic",
            params={"unknown": ", ".join(unknown), "known": ", ".join(MECHANICS)},
        )
    return sorted(set(items))
