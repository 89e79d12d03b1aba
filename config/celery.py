"""The Celery app. Workers: `celery -A config worker -Q inference --pool threads` (see README).

Nothing here imports torch or touches a device: models load lazily inside the process that runs
the session tasks, never in a prefork parent.
"""

import os
import sys

from celery import Celery
from celery.signals import worker_process_init, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("worldfeed")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def thread_worker_argv(queues: list[str], concurrency: int, node: str, loglevel: str = "INFO") -> list[str]:
    """The command line of a short-lived thread-pool worker process that shares a Redis with others (the
    play benchmark's stack, the integration tests): no heartbeat, mingle or gossip with its neighbours."""
    return [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        "-Q", ",".join(queues), "--pool", "threads", "--concurrency", str(concurrency),
        "--without-heartbeat", "--without-mingle", "--without-gossip", "-l", loglevel, "-n", node,
    ]  # fmt: skip


@worker_ready.connect
def _warm_up_threaded_worker(sender=None, **kwargs):
    """Thread-pool (and embedded) workers serve sessions in this very process: load the model now.

    A prefork parent must never load it (CUDA cannot survive fork); its children do, below.
    """
    pool = getattr(getattr(sender, "controller", None), "pool_cls", None)
    if "prefork" not in str(pool):
        from inference.serving import warm_up_in_background

        warm_up_in_background()


@worker_process_init.connect
def _warm_up_prefork_child(**kwargs):
    from inference.serving import warm_up_in_background

    warm_up_in_background()
