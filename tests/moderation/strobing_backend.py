"""A test backend: the procedural engine, except that holding jump makes the screen strobe (inverted colours
every other pair of ticks, i.e. 5 flashes a second at 20 fps). Bots that mash jump should get it flagged."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from inference.actions import Button
from inference.backends.base import SessionState
from inference.backends.engine import EngineBackend


class StrobingBackend(EngineBackend):
    """Keeps the engine's name: its states are the engine's."""

    def step(self, states: Sequence[SessionState], actions: Sequence[int]) -> list[np.ndarray]:
        frames = super().step(states, actions)
        return [
            255 - frame if action & Button.JUMP and state.ticks % 4 < 2 else frame
            for state, action, frame in zip(states, actions, frames, strict=True)
        ]
