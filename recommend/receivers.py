"""Embed a world's prompt when it is published: a World save that leaves it published without an up-to-date
embedding queues `recommend.tasks.world_embed` after the transaction commits. The beat backfill catches any
world this misses (a lost message, a bulk import that bypassed save())."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from worlds.models import World


@receiver(post_save, sender=World, dispatch_uid="recommend.world_published_embed")
def world_published_embed(sender, instance: World, raw: bool = False, **kwargs) -> None:
    update_fields = kwargs.get("update_fields")
    if raw or (update_fields is not None and not {"status", "prompt"} & set(update_fields)):
        return  # a like count, a preview: nothing the feed or the embedding depends on changed
    from recommend.candidates import catalogue_changed

    # Published, unpublished or edited: re-read the global sources, now (this process) and once committed.
    catalogue_changed()
    transaction.on_commit(catalogue_changed)
    if instance.status != World.Status.PUBLISHED:
        return
    from recommend.tasks import world_embed

    world_id = instance.pk
    transaction.on_commit(lambda: _enqueue(world_embed, world_id))


def _enqueue(task, world_id: int) -> None:
    try:
        task.delay(world_id)
    except Exception:  # a broker outage must not fail the publish; the beat backfill embeds it later
        import logging

        logging.getLogger(__name__).warning("could not queue embedding of world %s", world_id, exc_info=True)
