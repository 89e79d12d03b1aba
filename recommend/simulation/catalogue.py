"""The simulated catalogue: creators and worlds written to the database like real ones, prompts from the
corpus's natural-prompt generator, embeddings through the live embedding service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone

from recommend.candidates import catalogue_changed
from recommend.embeddings import embedding_index
from recommend.services import world_embeddings_compute
from worlds.models import World

FLAVOURS = (
    "",
    "",
    "at dusk",
    "in the rain",
    "with hidden treasure",
    "full of secrets",
    "on a windy day",
    "under a starry sky",
    "with ancient ruins",
    "in autumn",
    "after a storm",
    "with friendly critters",
)
REMIX_SHARE = 0.15
CREATORS = 25


@dataclass
class Catalogue:
    world_ids: list[int]  # catalogue order (rows of `embeddings`)
    embeddings: np.ndarray
    arrivals: dict[int, list[int]]  # eval round -> world ids published at its start
    creator_of: dict[int, int]


def catalogue_build(
    *, worlds: int, arrival_share: float, rounds: int, rng: np.random.Generator, run_tag: str, encode=None
) -> Catalogue:
    """Create `worlds` worlds (a share held back as drafts that publish during the evaluation rounds)."""
    from inference.corpus.prompts import random_spec, sample_prompt

    user_model = get_user_model()
    creators = [user_model.objects.create(username=f"sim-{run_tag}-{i}") for i in range(CREATORS)]
    now = timezone.now()
    rows, prompts = [], []
    for i in range(worlds):
        spec = random_spec(rng)
        prompt = sample_prompt(spec, rng)
        flavour = FLAVOURS[int(rng.integers(len(FLAVOURS)))]
        prompt = f"{prompt} {flavour}".strip()
        prompts.append(prompt)
        rows.append(
            World(
                title=f"Sim world {i}",
                prompt=prompt,
                mechanics=sorted(spec.mechanics),
                seed=i,
                creator=creators[int(rng.integers(CREATORS))],
                status=World.Status.PUBLISHED,
                published_at=now - timedelta(days=float(rng.uniform(0.5, 30))),
            )
        )
    created = World.objects.bulk_create(rows)
    ids = [w.pk for w in created]
    World.objects.filter(pk__in=ids).update(root=F("id"))
    _make_remixes(created, rng)
    held = rng.permutation(len(ids))[: int(round(arrival_share * len(ids)))] if rounds else []
    arrivals: dict[int, list[int]] = {r: [] for r in range(rounds)}
    for n, row in enumerate(held):
        arrivals[n % rounds].append(ids[row])
    World.objects.filter(pk__in=[ids[i] for i in held]).update(status=World.Status.DRAFT, published_at=None)
    world_embeddings_compute(world_ids=ids, encode=encode)
    catalogue_changed()
    index = embedding_index()
    index.refresh(force=True)
    return Catalogue(
        world_ids=ids,
        embeddings=index.vectors(ids),
        arrivals=arrivals,
        creator_of={w.pk: w.creator_id for w in created},
    )


def _make_remixes(created: list[World], rng: np.random.Generator) -> None:
    """Turn a share of worlds into remixes of an earlier one: same prompt, a new flavour."""
    for i in range(1, len(created)):
        if rng.random() >= REMIX_SHARE:
            continue
        parent = created[int(rng.integers(i))]
        world = created[i]
        flavour = FLAVOURS[int(rng.integers(2, len(FLAVOURS)))]
        world.prompt = f"{parent.prompt.split(' at ')[0]} {flavour}".strip()
        world.parent_id, world.root_id, world.depth = parent.pk, parent.root_id or parent.pk, parent.depth + 1
        World.objects.filter(pk=world.pk).update(
            prompt=world.prompt, parent_id=world.parent_id, root_id=world.root_id, depth=world.depth
        )
        World.objects.filter(pk=parent.pk).update(remix_count=F("remix_count") + 1)


def arrivals_publish(world_ids: list[int]) -> None:
    World.objects.filter(pk__in=world_ids).update(status=World.Status.PUBLISHED, published_at=timezone.now())
    catalogue_changed()
