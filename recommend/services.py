"""Writes of the recommender: prompt embeddings, aggregate refreshes and ranker fits.

Each function is idempotent and safe to run from Celery beat while the site serves: they write derived
data only (recommend/ models), never the engagement log.
"""

from __future__ import annotations

import hashlib

from django.db import transaction

from inference import text_encoder
from recommend.aggregates import RefreshReport, aggregates_refresh
from recommend.embeddings import bump_version, to_bytes
from recommend.fitting import ranker_fit
from recommend.models import WorldEmbedding
from worlds.models import World
from worlds.selectors import published_worlds

MODEL_NAME = "all-MiniLM-L6-v2"
ENCODE_BATCH = 256

__all__ = [
    "world_embeddings_compute",
    "embeddings_backfill",
    "aggregates_refresh",
    "ranker_fit",
    "RefreshReport",
]


def embedding_text(world: World) -> str:
    """What is embedded for a world: its prompt (the description of what it is to play)."""
    return world.prompt.strip()


def world_embeddings_compute(*, world_ids: list[int], encode=None) -> int:
    """Embed the prompts of these worlds where missing or out of date; return how many were written.

    `encode` defaults to the offline MiniLM (inference.text_encoder.encode); tests and the benchmark may pass
    another function with the same contract (texts -> L2-normalised (N, 384) float32).
    """
    encode = encode or text_encoder.encode
    worlds = list(World.objects.filter(pk__in=world_ids).only("pk", "prompt"))
    current = dict(
        WorldEmbedding.objects.filter(world_id__in=[w.pk for w in worlds]).values_list(
            "world_id", "text_hash"
        )
    )
    todo = []
    for world in worlds:
        text = embedding_text(world)
        digest = hashlib.sha1(text.encode()).hexdigest()
        if current.get(world.pk) != digest:
            todo.append((world.pk, text, digest))
    written = 0
    for start in range(0, len(todo), ENCODE_BATCH):
        batch = todo[start : start + ENCODE_BATCH]
        vectors = encode([text for _, text, _ in batch])
        rows = [
            WorldEmbedding(world_id=pk, vector=to_bytes(vector), text_hash=digest, model=MODEL_NAME)
            for (pk, _, digest), vector in zip(batch, vectors, strict=True)
        ]
        with transaction.atomic():
            WorldEmbedding.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["world"],
                update_fields=["vector", "text_hash", "model", "updated_at"],
            )
            transaction.on_commit(bump_version)
        written += len(rows)
    return written


def embeddings_backfill(*, limit: int = 2000, encode=None) -> int:
    """Embed published worlds that have no embedding yet (seeded worlds, missed tasks); return the count."""
    missing = list(published_worlds().filter(embedding__isnull=True).values_list("pk", flat=True)[:limit])
    return world_embeddings_compute(world_ids=missing, encode=encode) if missing else 0
