"""The "engine" backend: serves the procedural corpus game itself (exact, fast; tests and fallback).

Contract (on top of `WorldModelBackend`):
- `reset(setup)`: unknown ids in `setup.mechanics` raise ValueError. With `setup.spawn_state` the game is
  `Game.restore`d (its own spec wins; `ticks` resumes from the snapshot). Otherwise the spec comes from
  `spec_from_prompt(setup.prompt, setup.mechanics, setup.seed)`, and a `setup.reference_image` tints the
  theme palette towards the image's dominant colour (undecodable images are ignored with a warning).
- `step` advances every game one tick under its action and returns fresh (128, 128, 3) uint8 frames.
- `snapshot(state)` is `Game.snapshot()` bytes, accepted back as `WorldSetup.spawn_state`.
- `warm_up()` preloads the text encoder and the theme/camera anchor embeddings used for prompt matching.
No Django, no torch on the stepping path (the text encoder loads MiniLM lazily for prompts only).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence

import numpy as np

from inference.backends.base import SessionState, WorldModelBackend, WorldSetup
from inference.corpus.game import Game
from inference.corpus.prompts import spec_from_prompt
from inference.corpus.spec import MECHANICS

log = logging.getLogger(__name__)


def reference_tint(image: bytes) -> tuple[int, int, int] | None:
    """The dominant (most common, preferring saturated) colour of an encoded image, or None if unreadable."""
    from PIL import Image, UnidentifiedImageError

    try:
        img = Image.open(io.BytesIO(image)).convert("RGB")
        img.thumbnail((48, 48))
        pal_img = img.quantize(colors=6, method=Image.Quantize.MEDIANCUT)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        log.warning("ignoring undecodable reference image: %s", exc)
        return None
    palette = np.array(pal_img.getpalette()[: 6 * 3], np.float32).reshape(-1, 3)
    counts = np.bincount(np.asarray(pal_img).ravel(), minlength=len(palette))[: len(palette)]
    saturation = palette.max(1) - palette.min(1)
    weight = counts * (0.35 + saturation / 255.0)
    r, g, b = palette[int(np.argmax(weight))]
    return int(r), int(g), int(b)


class EngineBackend(WorldModelBackend):
    """Runs `inference.corpus.game.Game` per session; stateless itself, so one instance serves all."""

    name = "engine"
    frame_shape = (128, 128)

    def warm_up(self) -> None:
        """Load MiniLM and embed the theme anchors now rather than on the first `reset` (seconds)."""
        from inference.corpus.prompts import warm_up

        warm_up()
        super().warm_up()

    def reset(self, setup: WorldSetup) -> tuple[SessionState, np.ndarray]:
        unknown = sorted(str(m) for m in setup.mechanics if m not in MECHANICS)
        if unknown:
            raise ValueError(f"unknown mechanic(s) {unknown}; expected ids from {sorted(MECHANICS)}")
        if setup.spawn_state:
            game = Game.restore(setup.spawn_state)
            if game.size != self.frame_shape:
                raise ValueError(f"snapshot frame size {game.size} != backend frame_shape {self.frame_shape}")
            return SessionState(self.name, game, ticks=game.tick), game.render()
        spec = spec_from_prompt(setup.prompt, setup.mechanics, setup.seed)
        tint = reference_tint(setup.reference_image) if setup.reference_image else None
        game = Game(spec, size=self.frame_shape, tint=tint)
        return SessionState(self.name, game), game.reset()

    def step(self, states: Sequence[SessionState], actions: Sequence[int]) -> list[np.ndarray]:
        if len(states) != len(actions):
            raise ValueError(f"{len(states)} states but {len(actions)} actions")
        frames = []
        for state, action in zip(states, actions, strict=True):
            if state.backend != self.name or not isinstance(state.data, Game):
                raise ValueError(f"session state of backend {state.backend!r} passed to {self.name!r}")
            frames.append(state.data.step(int(action)))
            state.ticks += 1
        return frames

    def snapshot(self, state: SessionState) -> bytes:
        if not isinstance(state.data, Game):
            raise ValueError(f"session state of backend {state.backend!r} passed to {self.name!r}")
        return state.data.snapshot()
