"""The action set every world understands: a bitmask of held buttons.

The browser sends the names of the buttons currently held; the world ticks at a fixed rate and
applies the held set each tick (nothing held = the no-op action 0). The same bitmask conditions the
neural model and drives the procedural corpus, so training data and live play share one action space.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntFlag


class Button(IntFlag):
    UP = 1
    DOWN = 2
    LEFT = 4
    RIGHT = 8
    JUMP = 16


NOOP = 0
BUTTON_NAMES: dict[str, Button] = {
    "up": Button.UP,
    "down": Button.DOWN,
    "left": Button.LEFT,
    "right": Button.RIGHT,
    "jump": Button.JUMP,
}
NUM_BUTTONS = len(BUTTON_NAMES)
#: Every distinct bitmask, 0 .. 31; models embed actions by this index.
NUM_ACTIONS = 1 << NUM_BUTTONS


class UnknownButton(ValueError):
    """Raised for a button name outside BUTTON_NAMES."""


def buttons_from_names(names: Iterable[str]) -> int:
    """Return the bitmask for button names; raise UnknownButton on any name not in BUTTON_NAMES."""
    mask = 0
    for name in names:
        try:
            mask |= BUTTON_NAMES[name]
        except (KeyError, TypeError):
            raise UnknownButton(f"unknown button {name!r}; expected one of {sorted(BUTTON_NAMES)}") from None
    return mask


def names_from_buttons(mask: int) -> list[str]:
    """Inverse of buttons_from_names, in BUTTON_NAMES order."""
    return [name for name, bit in BUTTON_NAMES.items() if mask & bit]
