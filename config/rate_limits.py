"""Rate limits for HTTP endpoints, on the `limits` library (moving windows).

Limits are named in settings.WORLDFEED_RATE_LIMITS ("comment": "10/minute", ...). Counters live in Redis
when REDIS_URL is set (shared by every web process) and in process memory otherwise. A view calls
`rate_limit_hit(name, key)`; a number back means "refused, retry after this many seconds", and
`too_many_requests` turns that into the 429 answer (Retry-After header plus a message).
"""

from __future__ import annotations

import math
import threading
import time
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

_lock = threading.Lock()
_limiter: MovingWindowRateLimiter | None = None


def _storage() -> Storage:
    if settings.REDIS_URL:
        return storage_from_string(settings.REDIS_URL, key_prefix=f"{settings.CHANNEL_LAYER_PREFIX}:limits")
    return storage_from_string("memory://")


def _get_limiter() -> MovingWindowRateLimiter:
    global _limiter
    with _lock:
        if _limiter is None:
            _limiter = MovingWindowRateLimiter(_storage())
        return _limiter


@lru_cache(maxsize=64)
def _item(spec: str) -> RateLimitItem:
    return parse(spec)


def rate_limit_hit(name: str, key: str) -> int | None:
    """Count one request of `key` against the limit `name`; None if allowed, else seconds until it is."""
    item = _item(settings.WORLDFEED_RATE_LIMITS[name])
    limiter = _get_limiter()
    if limiter.hit(item, name, key):
        return None
    reset_at = limiter.get_window_stats(item, name, key).reset_time
    return max(1, math.ceil(reset_at - time.time()))


def rate_limit_reset() -> None:
    """Forget every counter (tests)."""
    _get_limiter().storage.reset()


def client_key(request: HttpRequest) -> str:
    """Who a limit counts: the signed-in user, else the client address."""
    if request.user.is_authenticated:
        return f"u:{request.user.pk}"
    return f"ip:{request.META.get('REMOTE_ADDR', '')}"


def retry_message(seconds: int) -> str:
    """'Try again in 3 minutes.' — the human half of a 429."""
    if seconds < 60:
        return f"Try again in {seconds} second{'s' if seconds != 1 else ''}."
    if seconds < 3600:
        minutes = math.ceil(seconds / 60)
        return f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
    hours = math.ceil(seconds / 3600)
    return f"Try again in {hours} hour{'s' if hours != 1 else ''}."


def too_many_requests(request: HttpRequest, *, retry_after: int, what: str) -> HttpResponse:
    """A 429 with Retry-After: JSON for API calls (Accept: application/json), a page otherwise."""
    message = f"{what} {retry_message(retry_after)}"
    if "application/json" in request.headers.get("Accept", "") or request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"error": message, "retry_after": retry_after}, status=429)
    else:
        html = render_to_string("429.html", {"message": message, "retry_after": retry_after}, request=request)
        response = HttpResponse(html, status=429)
    response["Retry-After"] = str(retry_after)
    return response
