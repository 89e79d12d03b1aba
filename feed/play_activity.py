"""How actively a live session is played, measured by the play consumer from the actions it relays.

The consumer never sees the world's state, only the held buttons and when they change, so exploration is
a labelled *proxy*: `ActivityTracker` dead-reckons the avatar from the held directions (WALK_PX_PER_TICK at
the session's fps) and counts the distinct CELL_PX-square cells the path crosses ("input_proxy"). Walls,
water and the side view's gravity make the true path shorter; the proxy still separates a player who roams
from one who stands still or bounces. If the session reports measured cells (`{"cells": n}` from the
world model's camera positions), `finish` prefers them ("engine").

Mechanic engagement counts actions that use a control one of the world's mechanics responds to: jumping
for gravity, moving for collectibles, hazards and speed boosts (weather and day/night need no input).
"""

from __future__ import annotations

from feed.services import PlayActivity
from inference.actions import Button

WALK_PX_PER_TICK = 2
CELL_PX = 64
MAX_SEGMENT_SECONDS = 60.0
MAX_CELLS = 10_000
MOVES = Button.UP | Button.DOWN | Button.LEFT | Button.RIGHT
MECHANIC_BUTTONS = {
    "gravity": Button.JUMP | Button.UP,
    "collectibles": MOVES,
    "hazards": MOVES,
    "speed": MOVES,
}


class ActivityTracker:
    def __init__(self, *, mechanics, fps: float, now: float):
        self.mask = 0
        for mechanic in mechanics or ():
            self.mask |= int(MECHANIC_BUTTONS.get(mechanic, 0))
        self.speed = WALK_PX_PER_TICK * fps  # px per second
        self.actions: set[int] = set()
        self.mechanic_actions = 0
        self.x = self.y = 0.0
        self.cells: set[tuple[int, int]] = {(0, 0)}
        self.held = 0
        self.since = now

    def on_action(self, buttons: int, now: float) -> None:
        """Record that the client now holds `buttons` (a bitmask) from time `now` (seconds, monotonic)."""
        self._advance(now)
        self.held = buttons
        if buttons:
            self.actions.add(buttons)
            self.mechanic_actions += bool(buttons & self.mask)

    def finish(
        self, now: float, *, reported: dict | None = None, spawn_point_id: int | None = None
    ) -> PlayActivity:
        self._advance(now)
        cells, source = len(self.cells), "input_proxy"
        measured = (reported or {}).get("cells")
        if isinstance(measured, int) and not isinstance(measured, bool) and measured >= 0:
            cells, source = measured, "engine"
        return PlayActivity(
            distinct_actions=len(self.actions),
            mechanic_actions=self.mechanic_actions,
            explored_cells=cells,
            explore_source=source,
            spawn_point_id=spawn_point_id,
        )

    def _advance(self, now: float) -> None:
        seconds = min(max(now - self.since, 0.0), MAX_SEGMENT_SECONDS)
        self.since = now
        dx = bool(self.held & Button.RIGHT) - bool(self.held & Button.LEFT)
        dy = bool(self.held & Button.DOWN) - bool(self.held & Button.UP)
        if not (dx or dy) or not seconds:
            return
        distance = self.speed * seconds
        steps = max(1, int(distance // (CELL_PX / 2)))
        for i in range(1, steps + 1):
            if len(self.cells) >= MAX_CELLS:
                break
            step = distance * i / steps
            self.cells.add((int((self.x + dx * step) // CELL_PX), int((self.y + dy * step) // CELL_PX)))
        self.x += dx * distance
        self.y += dy * distance
