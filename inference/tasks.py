"""Celery tasks of the inference queue: thin wrappers that load ids and call one service."""

from __future__ import annotations

import base64

from celery import shared_task

from inference.serving import world_setup
from inference.sessions import session_run


@shared_task(name="inference.tasks.run_play_session", ignore_result=True, acks_late=False)
def run_play_session(*, reply_channel: str, setup: dict) -> str:
    """Own one live play session until it ends (see inference.sessions); returns the end reason.

    Not retried: a session is bound to one socket, and a lost one is restarted by the client.
    """
    spawn = setup.get("spawn_state")
    return session_run(
        setup=world_setup(
            prompt=setup["prompt"],
            mechanics=setup.get("mechanics", []),
            seed=setup.get("seed", 0),
            reference_image=setup.get("reference_image"),
            spawn_state=base64.b64decode(spawn) if spawn else None,
        ),
        reply_channel=reply_channel,
        sample_key=setup.get("sample_key"),
    )
