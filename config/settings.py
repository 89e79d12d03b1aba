"""Worldfeed settings: the one place that reads the environment.

Embedded defaults (no env at all) give a laptop set-up: SQLite, the thread-safe in-memory channel
layer and an in-process Celery worker on an in-memory broker, so `make run` needs nothing installed.
Setting DATABASE_URL and REDIS_URL switches the same code to PostgreSQL, channels-redis and a Redis
Celery broker with separate worker processes. WORLDFEED_ENV=production refuses to start without
the required variables instead of silently falling back.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("WORLDFEED_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str | None = None, *, required_in_production: bool = False) -> str | None:
    value = os.environ.get(name)
    if value in (None, "") and required_in_production and PRODUCTION:
        raise ImproperlyConfigured(f"{name} must be set when WORLDFEED_ENV=production")
    return default if value in (None, "") else value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


PRODUCTION = os.environ.get("WORLDFEED_ENV", "development") == "production"

SECRET_KEY = env(
    "DJANGO_SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production", required_in_production=True
)
DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if not PRODUCTION else "")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when WORLDFEED_ENV=production")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "inference",
    "accounts",
    "worlds",
    "feed",
    "moderation",
    "recommend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'worldfeed.sqlite3'}", required_in_production=True)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0 if DEBUG else 60)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", None, required_in_production=True)

# Channel layer: Redis when configured; otherwise an in-process layer shared by daphne and the
# embedded worker's threads. Frames are small and latest-wins, so per-channel capacity stays low.
CHANNEL_LAYER_PREFIX = env("WORLDFEED_CHANNEL_PREFIX", "worldfeed")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": CHANNEL_LAYER_PREFIX,
                "capacity": 100,
                "expiry": 10,
                "channel_capacity": {"play.input.*": 200},
            },
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "config.channel_layers.ThreadSafeInMemoryChannelLayer",
            "CONFIG": {"capacity": 100, "expiry": 10},
        }
    }

CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CHANNEL_LAYER_PREFIX,
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Celery -----------------------------------------------------------------------------------
# Without Redis the broker is kombu's in-memory transport and a worker runs inside the web process
# (config.embedded_worker), executing the very same tasks.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_EMBEDDED_WORKER = env_bool("CELERY_EMBEDDED_WORKER", CELERY_BROKER_URL.startswith("memory://"))
CELERY_EMBEDDED_BEAT = env_bool("CELERY_EMBEDDED_BEAT", CELERY_EMBEDDED_WORKER)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TASK_IGNORE_RESULT = True
# The queue play sessions go to; give each model pool (say a GPU class or a backend) its own.
WORLDFEED_INFERENCE_QUEUE = env("WORLDFEED_INFERENCE_QUEUE", "inference")
CELERY_TASK_ROUTES = {"inference.tasks.*": {"queue": WORLDFEED_INFERENCE_QUEUE}}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# kombu's in-memory transport polls (1 s by default): poll often so a swipe starts a session at once.
# Redis blocks on its queues instead of polling.
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {"global_keyprefix": f"{CHANNEL_LAYER_PREFIX}:"} if REDIS_URL else {"polling_interval": 0.02}
)
CELERY_TIMEZONE = "UTC"
# Recommendation (recommend/): fold new engagement into aggregates every minute, refit the ranking score
# every 15 minutes, embed any published world still missing a prompt embedding every 5 minutes.
# Production runs `celery -A config beat`; each task is idempotent, so an overlap or a missed beat is harmless.
CELERY_BEAT_SCHEDULE = {
    "recommend-aggregates-refresh": {"task": "recommend.tasks.aggregates_refresh", "schedule": 60.0},
    "recommend-ranker-fit": {"task": "recommend.tasks.ranker_fit", "schedule": 15 * 60.0},
    "recommend-embeddings-backfill": {"task": "recommend.tasks.embeddings_backfill", "schedule": 5 * 60.0},
    # captured moments (worlds.Moment, ~0.3 MB of state each) expire after WORLDFEED_MOMENT_TTL_DAYS
    "worlds-moments-expire": {"task": "worlds.tasks.moments_expire", "schedule": 60 * 60.0},
}

# --- The world model and live play ------------------------------------------------------------
# Every frame comes from our trained world model (inference/weights, docs/model_card.md). The
# procedural engine (inference.backends.engine.EngineBackend) stays for fast tests (test_settings).
WORLDFEED_BACKEND = env("WORLDFEED_BACKEND", "inference.backends.neural.NeuralBackend")
WORLDFEED_FPS = int(env("WORLDFEED_FPS", "20"))
WORLDFEED_IDLE_SECONDS = float(env("WORLDFEED_IDLE_SECONDS", "60"))
# The consumer pings its session this often; a session that hears nothing for KEEPALIVE_TIMEOUT
# assumes the socket is gone (even if daphne died without saying so) and frees its worker slot.
WORLDFEED_KEEPALIVE_SECONDS = 0.5
WORLDFEED_KEEPALIVE_TIMEOUT = 1.5
WORLDFEED_SESSION_START_TIMEOUT = float(env("WORLDFEED_SESSION_START_TIMEOUT", "20"))
WORLDFEED_FRAME_CODEC = env("WORLDFEED_FRAME_CODEC", "jpeg")
WORLDFEED_FRAME_QUALITY = int(env("WORLDFEED_FRAME_QUALITY", "85"))
WORLDFEED_FRAMES_IN_FLIGHT = 4
WORLDFEED_MAX_ACTIONS_PER_SECOND = 60
WORLDFEED_MAX_MESSAGE_BYTES = 1024
WORLDFEED_MAX_SESSIONS_PER_VIEWER = int(env("WORLDFEED_MAX_SESSIONS_PER_VIEWER", "3"))
WORLDFEED_EMBEDDED_CONCURRENCY = int(env("WORLDFEED_EMBEDDED_CONCURRENCY", "8"))
# A captured moment ("remix from this moment") can be remixed from for this long; a remix copies its
# state into the new world's spawn point, so expiry never touches a world.
WORLDFEED_MOMENT_TTL_DAYS = float(env("WORLDFEED_MOMENT_TTL_DAYS", "30"))

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("WORLDFEED_MEDIA_ROOT", str(VAR_DIR / "media")))

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# --- Creation and social limits ---------------------------------------------------------------
# Worlds (drafts and remixes) one user may create per rolling 24 hours.
WORLDFEED_DAILY_CREATION_QUOTA = int(env("WORLDFEED_DAILY_CREATION_QUOTA", "20"))
WORLDFEED_REFERENCE_IMAGE_MAX_BYTES = 5 * 1024 * 1024
WORLDFEED_REFERENCE_IMAGE_MAX_SIDE = 4096
# Rate limits (the `limits` library's notation), per user or, for anonymous requests, per client address.
WORLDFEED_RATE_LIMITS = {
    "signup": env("WORLDFEED_RATE_SIGNUP", "5/hour"),
    "login": env("WORLDFEED_RATE_LOGIN", "10/minute"),
    "comment": env("WORLDFEED_RATE_COMMENT", "10/minute"),
    "report": env("WORLDFEED_RATE_REPORT", "10/hour"),
    "follow": env("WORLDFEED_RATE_FOLLOW", "60/hour"),
    "social": env("WORLDFEED_RATE_SOCIAL", "120/minute"),
    "moment": env("WORLDFEED_RATE_MOMENT", "10/minute"),
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("WORLDFEED_LOG_LEVEL", "INFO")},
    "loggers": {"celery": {"level": "INFO"}, "daphne": {"level": "WARNING"}},
}

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
