"""Celery tasks of the recommender: thin, idempotent, on the default queue (schedule: settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from recommend import services


@shared_task(
    name="recommend.tasks.world_embed",
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=3,
)
def world_embed(world_id: int) -> int:
    """Embed one world's prompt (queued on publish, after commit)."""
    return services.world_embeddings_compute(world_ids=[world_id])


@shared_task(name="recommend.tasks.embeddings_backfill", ignore_result=True)
def embeddings_backfill() -> int:
    """Embed published worlds still without an embedding (seeded ones, missed publishes)."""
    return services.embeddings_backfill()


@shared_task(name="recommend.tasks.aggregates_refresh", ignore_result=True)
def aggregates_refresh() -> int:
    """Fold new engagement events into per-world and per-viewer aggregates and spawn-point arms."""
    return services.aggregates_refresh().events


@shared_task(name="recommend.tasks.ranker_fit", ignore_result=True)
def ranker_fit() -> int:
    """Refit the ranking priors and weights from the signals."""
    return services.ranker_fit().pk
