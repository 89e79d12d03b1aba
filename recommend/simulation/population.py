"""The simulated world: a catalogue with hidden quality, viewers with tastes over prompt embeddings, and how a
viewer responds to a card.

Model (documented so results can be judged; parameters are in BEHAVIOUR):
- World w has prompt embedding e_w (MiniLM, like the live site) and hidden fun q_w ~ LogNormal(0, 0.5).
- Viewer u's taste t_u is the normalised sum of two or three random worlds' embeddings plus Gaussian noise,
  so tastes cluster like prompts do. Affinity z_uw is cos(t_u, e_w) standardised over the catalogue per viewer.
- Shown a card, u skips (< 2 s) with probability sigmoid(skip_bias - skip_taste * z - skip_quality * ln q);
  a skip of a clearly disliked world (z < -0.5) is "not interested" with probability not_interested_p.
- Otherwise u plays for LogNormal seconds with mean play_mean_s * q * exp(play_taste * z) (noise play_noise),
  with actions, distinct actions, places reached and mechanic use growing with play time and engagement,
  then may like, share, follow or remix with probabilities rising with enjoyment.
- After each card u leaves the session with probability leave_p (+ leave_after_skip after a skip).
Ground-truth relevance for nDCG is u's expected play seconds on w under this model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

BEHAVIOUR = {
    "skip_bias": -0.2,
    "skip_taste": 1.3,
    "skip_quality": 1.0,
    "not_interested_p": 0.15,
    "play_mean_s": 30.0,
    "play_taste": 0.6,
    "play_noise": 0.6,
    "leave_p": 0.07,
    "leave_after_skip": 0.08,
    "max_cards": 40,
    "taste_noise": 0.04,
}


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


@dataclass
class Outcome:
    """What one card did: the events the browser and play socket would send."""

    skipped: bool
    play_ms: int
    actions: int = 0
    distinct_actions: int = 0
    cells: int = 0
    mechanic_actions: int = 0
    like: bool = False
    share: bool = False
    follow: bool = False
    not_interested: bool = False


@dataclass
class Population:
    embeddings: np.ndarray  # (W, D) unit rows, catalogue order
    quality: np.ndarray  # (W,)
    tastes: np.ndarray  # (U, D) unit rows
    affinity: np.ndarray = field(init=False)  # (U, W) standardised
    behaviour: dict = field(default_factory=lambda: dict(BEHAVIOUR))

    def __post_init__(self) -> None:
        cos = self.tastes @ self.embeddings.T
        self.affinity = (cos - cos.mean(1, keepdims=True)) / (cos.std(1, keepdims=True) + 1e-6)

    @classmethod
    def sample(cls, *, embeddings: np.ndarray, users: int, rng: np.random.Generator) -> Population:
        w = len(embeddings)
        quality = rng.lognormal(0.0, 0.5, w)
        tastes = np.zeros((users, embeddings.shape[1]), np.float32)
        for u in range(users):
            picks = rng.choice(w, size=int(rng.integers(2, 4)), replace=False)
            vector = embeddings[picks].sum(0) + rng.normal(0, BEHAVIOUR["taste_noise"], embeddings.shape[1])
            tastes[u] = vector / np.linalg.norm(vector)
        return cls(embeddings=embeddings, quality=quality, tastes=tastes)

    def skip_probability(self, u: int, w) -> np.ndarray:
        b = self.behaviour
        return _sigmoid(
            b["skip_bias"]
            - b["skip_taste"] * self.affinity[u, w]
            - b["skip_quality"] * np.log(self.quality[w])
        )

    def expected_play_seconds(self, u: int, w) -> np.ndarray:
        """Ground truth: expected seconds of play if u is shown w (the graded relevance for nDCG)."""
        b = self.behaviour
        mean_play = b["play_mean_s"] * self.quality[w] * np.exp(b["play_taste"] * self.affinity[u, w])
        return (1.0 - self.skip_probability(u, w)) * mean_play

    def respond(self, u: int, w: int, rng: np.random.Generator) -> Outcome:
        b = self.behaviour
        z = float(self.affinity[u, w])
        if rng.random() < float(self.skip_probability(u, w)):
            ms = int(rng.uniform(300, 1900))
            dismissed = z < -0.5 and rng.random() < b["not_interested_p"]
            return Outcome(
                skipped=True, play_ms=ms, actions=int(rng.integers(0, 2)), not_interested=dismissed
            )
        mean_s = b["play_mean_s"] * float(self.quality[w]) * math.exp(b["play_taste"] * z)
        sigma = b["play_noise"]
        seconds = float(rng.lognormal(math.log(mean_s) - sigma**2 / 2, sigma))
        seconds = min(max(seconds, 2.0), 1800.0)
        enjoyment = _sigmoid(z + math.log(float(self.quality[w])))
        actions = int(rng.poisson(seconds * (0.4 + 1.2 * enjoyment)))
        cells = int(rng.poisson(1 + seconds * 0.08 * (0.5 + enjoyment)))
        like_p = 0.03 + 0.35 * enjoyment * min(seconds / 120.0, 1.0)
        like = rng.random() < like_p
        return Outcome(
            skipped=False,
            play_ms=int(seconds * 1000),
            actions=actions,
            distinct_actions=int(1 + rng.binomial(6, enjoyment)),
            cells=cells,
            mechanic_actions=int(rng.binomial(actions, 0.3 + 0.5 * enjoyment)) if actions else 0,
            like=like,
            share=like and rng.random() < 0.25,
            follow=like and rng.random() < 0.15,
        )

    def leaves(self, outcome: Outcome, rng: np.random.Generator) -> bool:
        b = self.behaviour
        return rng.random() < b["leave_p"] + (b["leave_after_skip"] if outcome.skipped else 0.0)
