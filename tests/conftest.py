"""Suite-wide fixtures and the rule for real services.

PostgreSQL and Redis are real parts of the product, so tests that need them use them. If one is
unreachable: on CI (CI=true) those tests fail; elsewhere they are skipped with the reason.
"""

from __future__ import annotations

import os
import socket

import pytest

ON_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


POSTGRES_UP = _reachable("127.0.0.1", 5432)
REDIS_UP = _reachable("127.0.0.1", 6379)


def require_service(up: bool, name: str) -> None:
    """Fail on CI, skip elsewhere, when a service the test needs is not running."""
    if up:
        return
    message = f"{name} is not reachable on 127.0.0.1"
    if ON_CI:
        pytest.fail(f"{message}; CI requires it")
    pytest.skip(f"{message}; start it to run this test")


def pytest_collection_modifyitems(config, items):
    # Browser tests last: they are the slowest and hold Playwright's event loop while they run.
    items.sort(key=lambda item: "tests/browser/" in str(item.fspath))
    if POSTGRES_UP or ON_CI:
        return
    skip = pytest.mark.skip(reason="PostgreSQL is not reachable on 127.0.0.1:5432; start it to run DB tests")
    for item in items:
        if item.get_closest_marker("django_db") or {"db", "transactional_db"} & set(item.fixturenames):
            item.add_marker(skip)


def pytest_sessionstart(session):
    if ON_CI and not POSTGRES_UP:
        raise pytest.UsageError("CI requires PostgreSQL on 127.0.0.1:5432 and it is not reachable")


@pytest.fixture
def redis_url():
    """A Redis URL on the test db number; keys this test makes carry a unique prefix, removed after."""
    require_service(REDIS_UP, "Redis")
    from django.conf import settings

    return settings.TEST_REDIS_URL


def pytest_sessionfinish(session, exitstatus):
    """Remove this run's media directory (config.test_settings gives each run its own)."""
    import shutil

    media_root = os.environ.get("WORLDFEED_TEST_MEDIA_ROOT") or f"/tmp/worldfeed-test-media-{os.getpid()}"
    shutil.rmtree(media_root, ignore_errors=True)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Before the test database is dropped, end sessions other threads (consumers, workers) left open."""
    yield
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
