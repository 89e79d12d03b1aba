"""Celery tasks of worlds: thin, idempotent, queued after commit by the services."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    name="worlds.tasks.render_world_preview",
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=3,
)
def render_world_preview(*, world_id: int) -> None:
    """Render and store a world's preview with the serving backend; a vanished world is ignored.

    Queued on the inference queue (`worlds.services.world_preview_request`), where the model lives.
    """
    from worlds.models import World
    from worlds.services import world_render_preview

    world = World.objects.filter(pk=world_id).first()
    if world is not None:
        world_render_preview(world=world)


@shared_task(name="worlds.tasks.moments_expire", ignore_result=True)
def moments_expire() -> int:
    """Hourly (CELERY_BEAT_SCHEDULE): delete moments past WORLDFEED_MOMENT_TTL_DAYS. Idempotent."""
    from worlds.services import moments_expire as expire

    return expire()
