"""The contract between the serving layer and a world model.

A backend is shared by every session of a worker process and holds no per-session state itself:
`reset` returns an opaque SessionState the caller keeps, and `step` advances a *batch* of those
states by one tick each, in one call, so a neural backend runs one forward pass for all sessions.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class WorldSetup:
    """Everything a backend may use to start a session of a world.

    prompt/mechanics come from the World; seed makes a session reproducible; reference_image is the
    creator's uploaded starting scene as encoded bytes (PNG/JPEG/WebP) or None; spawn_state is a
    snapshot previously returned by `WorldModelBackend.snapshot` (spawn points, remix-from-a-moment).
    """

    prompt: str
    mechanics: tuple[str, ...] = ()
    seed: int = 0
    reference_image: bytes | None = None
    spawn_state: bytes | None = None


@dataclass
class SessionState:
    """Opaque per-session state owned by the caller; only the backend that made it reads `data`."""

    backend: str
    data: Any = field(repr=False)
    ticks: int = 0


class WorldModelBackend(ABC):
    """A world model that serves many concurrent sessions.

    Frames are RGB uint8 arrays of shape (height, width, 3) with (height, width) == frame_shape.
    Implementations must be safe to call from one stepping thread at a time (the batcher guarantees
    that); they choose their device at construction time, never at import time.
    """

    #: Short stable name, stored with sessions and reported in metrics.
    name: str = "abstract"
    #: (height, width) of every frame this backend produces.
    frame_shape: tuple[int, int] = (128, 128)

    @abstractmethod
    def reset(self, setup: WorldSetup) -> tuple[SessionState, np.ndarray]:
        """Start a session; return its state and the first frame."""

    @abstractmethod
    def step(self, states: Sequence[SessionState], actions: Sequence[int]) -> list[np.ndarray]:
        """Advance each state by one tick under its action bitmask (see inference.actions).

        states and actions have equal length; states are updated in place; returns one frame each,
        in order. An empty batch returns [].
        """

    def warm_up(self) -> None:
        """Load everything a first session needs (weights, text encoder) so it starts without delay."""
        self.reset(WorldSetup(prompt="a quiet forest path", seed=0))

    def snapshot(self, state: SessionState) -> bytes:
        """Serialise a session's current moment so `WorldSetup.spawn_state` can resume from it."""
        raise NotImplementedError(f"{self.name} cannot snapshot sessions")
