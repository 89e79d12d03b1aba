"""Celery tasks of moderation: thin wrappers that load ids and call one service."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="moderation.tasks.run_world_playthroughs", ignore_result=True)
def run_world_playthroughs(*, world_id: int, run: str) -> None:
    """Play the run's bots (moderation.playthrough), then conclude the world's review. Idempotent."""
    from moderation.playthrough import playthroughs_play
    from moderation.services import world_review_conclude

    playthroughs_play(world_id=world_id, run=run)
    world_review_conclude(world_id=world_id, run=run)
