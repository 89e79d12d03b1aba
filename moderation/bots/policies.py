"""Bot policies: each turns what it sees into the button bitmask it holds for the next tick.

- random: holds a random combination of buttons for a random 2-12 ticks;
- explorer (coverage-seeking): a bandit over eight directions (with and without jump) rewarded by new views
  (see coverage.view_signature); it switches when a move stops finding anything new;
- spammer (mechanic spammer): mashes jump, flips direction every few ticks and bursts all buttons at once,
  to shake out what fast, repetitive input does (flashing, collapse).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

import numpy as np

from inference.actions import NUM_ACTIONS, Button
from moderation.bots.coverage import view_signature

U, D, L, R, J = (int(Button.UP), int(Button.DOWN), int(Button.LEFT), int(Button.RIGHT), int(Button.JUMP))


class Bot(ABC):
    name = "bot"

    def __init__(self, seed: int = 0):
        self.rng = np.random.default_rng(seed)

    @abstractmethod
    def act(self, frame: np.ndarray, tick: int) -> int:
        """The buttons to hold for the next tick, given the frame just produced (tick counts from 0)."""


class RandomBot(Bot):
    name = "random"

    def __init__(self, seed: int = 0):
        super().__init__(seed)
        self.action, self.until = 0, 0

    def act(self, frame: np.ndarray, tick: int) -> int:
        if tick >= self.until:
            self.action = int(self.rng.integers(0, NUM_ACTIONS))
            self.until = tick + int(self.rng.integers(2, 13))
        return self.action


class ExplorerBot(Bot):
    name = "explorer"
    MOVES = [R, L, U, D, U | R, U | L, D | R, D | L, R | J, L | J, U | J, D | J]
    SEGMENT = 8

    def __init__(self, seed: int = 0):
        super().__init__(seed)
        self.seen: set[bytes] = set()
        self.pulls = np.zeros(len(self.MOVES))
        self.reward = np.zeros(len(self.MOVES))
        self.current, self.segment_new, self.segment_end = 0, 0, 0

    def _choose(self) -> int:
        untried = np.flatnonzero(self.pulls == 0)
        if len(untried):
            return int(self.rng.choice(untried))
        total = self.pulls.sum()
        ucb = self.reward / self.pulls + 0.8 * np.sqrt(math.log(total) / self.pulls)
        return int(np.argmax(ucb + self.rng.random(len(ucb)) * 1e-6))

    def act(self, frame: np.ndarray, tick: int) -> int:
        signature = view_signature(frame)
        if signature not in self.seen:
            self.seen.add(signature)
            self.segment_new += 1
        if tick >= self.segment_end:
            if tick:
                self.pulls[self.current] += 1
                self.reward[self.current] += self.segment_new / self.SEGMENT
            # Keep going while the move still finds new views; otherwise let the bandit pick.
            if not (tick and self.segment_new >= self.SEGMENT // 2):
                self.current = self._choose()
            self.segment_new, self.segment_end = 0, tick + self.SEGMENT
        return self.MOVES[self.current]


class SpammerBot(Bot):
    name = "spammer"

    def __init__(self, seed: int = 0):
        super().__init__(seed)
        self.direction = R

    def act(self, frame: np.ndarray, tick: int) -> int:
        if tick % 40 >= 34:
            return U | D | L | R | J  # a burst of everything at once
        if tick % 3 == 0:
            self.direction = int(self.rng.choice([L, R, U, D]))
        jump = J if tick % 2 == 0 else 0
        return self.direction | jump


POLICIES: dict[str, type[Bot]] = {cls.name: cls for cls in (RandomBot, ExplorerBot, SpammerBot)}


def make_bot(policy: str, *, seed: int = 0) -> Bot:
    """A bot of the named policy; KeyError names the known ones."""
    try:
        return POLICIES[policy](seed)
    except KeyError:
        raise KeyError(f"unknown bot policy {policy!r}; known: {sorted(POLICIES)}") from None
