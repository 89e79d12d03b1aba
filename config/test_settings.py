"""Settings for the test suite: PostgreSQL and the fast procedural backend.

Tests create their own database (test_worldfeed_<pid>) and, where they need Redis, their own
db number and key prefix, so several runs can share one machine's services.
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
os.environ.setdefault("WORLDFEED_BACKEND", "inference.backends.engine.EngineBackend")

from config.settings import *  # noqa: E402,F403
from config.settings import DATABASES  # noqa: E402

CELERY_EMBEDDED_BEAT = False  # periodic tasks are tested directly, not on a clock
DATABASES["default"]["TEST"] = {"NAME": f"test_worldfeed_{os.getpid()}"}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = os.environ.get("WORLDFEED_TEST_MEDIA_ROOT", f"/tmp/worldfeed-test-media-{os.getpid()}")
TEST_REDIS_URL = os.environ.get("WORLDFEED_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
