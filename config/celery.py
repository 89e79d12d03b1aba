"""The Celery app. Workers: `celery -A config worker -Q inference --pool threads` (see README).

Nothing here imports torch or touches a device: models load lazily inside the process that runs
the session tasks, never in a prefork parent.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("worldfeed")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
