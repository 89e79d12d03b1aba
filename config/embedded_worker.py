"""The in-process Celery worker of the embedded set-up.

With the in-memory broker, tasks can only be consumed inside the process that publishes them, so
the ASGI process starts a real Celery WorkController (thread pool) on a daemon thread. It runs the
same task code as `celery -A config worker`; only where it lives differs.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings

log = logging.getLogger(__name__)
_started = threading.Event()
_lock = threading.Lock()


def start_embedded_worker() -> None:
    """Start the worker once per process; later calls return at once."""
    with _lock:
        if _started.is_set():
            return
        from config.celery import app

        worker = app.WorkController(
            app=app,
            pool_cls="threads",
            concurrency=settings.WORLDFEED_EMBEDDED_CONCURRENCY,
            queues=[settings.WORLDFEED_INFERENCE_QUEUE, settings.CELERY_TASK_DEFAULT_QUEUE],
            hostname=f"embedded@{threading.get_native_id()}",
            without_heartbeat=True,
            without_mingle=True,
            without_gossip=True,
            loglevel="WARNING",
        )
        thread = threading.Thread(target=worker.start, name="embedded-celery-worker", daemon=True)
        thread.start()
        if settings.CELERY_EMBEDDED_BEAT:
            # Beat as a thread (the worker's own -B would fork this web process), so the periodic tasks
            # of settings.CELERY_BEAT_SCHEDULE run on a laptop as in production.
            from celery.beat import EmbeddedService

            EmbeddedService(
                app, thread=True, schedule_filename=settings.CELERY_BEAT_SCHEDULE_FILENAME
            ).start()
        _started.set()
        from inference.serving import warm_up_in_background

        warm_up_in_background()
        log.info("embedded Celery worker started (%s threads)", settings.WORLDFEED_EMBEDDED_CONCURRENCY)
