"""Browser tests: a real daphne server on a fresh PostgreSQL database, driven by the system Chromium.

The server is the production ASGI app on embedded defaults (in-memory channel layer, in-process Celery
worker) with the fast procedural engine backend. Nothing is downloaded: Chromium comes from the OS
(`apt-get install -y chromium`), Playwright only drives it. When Chromium or PostgreSQL is missing the
tests fail on CI (CI=true) and are skipped elsewhere with the reason.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ON_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
# The fast procedural backend; WORLDFEED_BROWSER_BACKEND runs the same tests against another one.
BACKEND = os.environ.get("WORLDFEED_BROWSER_BACKEND", "inference.backends.engine.EngineBackend")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT_S = 120


def _unavailable(reason: str) -> None:
    """Fail on CI, skip elsewhere."""
    if ON_CI:
        pytest.fail(f"{reason} (required on CI)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _admin_connection():
    import psycopg

    return psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True, connect_timeout=3
    )


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        pytest.fail(f"{what} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


def _manage(*args: str) -> list[str]:
    if (ROOT / "manage.py").exists():
        return [sys.executable, "manage.py", *args]
    return [sys.executable, "-m", "django", *args]


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path = shutil.which("chromium")
    if not path:
        _unavailable("chromium is not on PATH; install it with `apt-get install -y chromium`")
    return path


@pytest.fixture(scope="session")
def browser_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this run; dropped afterwards (only the one made here)."""
    try:
        import psycopg
        from psycopg import sql
    except ImportError:  # pragma: no cover - psycopg is a project dependency
        _unavailable("psycopg is not installed")
    name = f"worldfeed_browser_{os.getpid()}"
    try:
        with _admin_connection() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError as error:
        _unavailable(f"PostgreSQL is not reachable on {PG_HOST}:{PG_PORT} as {PG_USER}: {error}")
    try:
        yield f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with _admin_connection() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def embedded_site_env(database_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """Environment for a `manage.py` / daphne subprocess on embedded defaults (no Redis, in-process
    worker, whatever the developer's shell has set), production error pages, its own var dir."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "CELERY_BROKER_URL", "CELERY_EMBEDDED_WORKER", "WORLDFEED_ENV"}
    }
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="0",  # production error pages (our 404 template), no debug toolbar noise
        WORLDFEED_VAR_DIR=str(var_dir),
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


@pytest.fixture(scope="session")
def live_site(browser_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate + seed the database, serve it with daphne on a free port; yields the base URL."""
    var_dir = tmp_path_factory.mktemp("worldfeed-var")
    env = embedded_site_env(browser_database, var_dir, WORLDFEED_BACKEND=BACKEND)
    _run(_manage("migrate", "--noinput"), env, "manage.py migrate")
    _run(_manage("seed_worlds"), env, "manage.py seed_worlds")

    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = var_dir / "daphne.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            if server.poll() is not None:
                pytest.fail(f"daphne exited with {server.returncode}:\n{log_path.read_text()[-4000:]}")
            try:
                with urllib.request.urlopen(base_url + "/", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"daphne did not answer within {SERVER_START_TIMEOUT_S}s:\n{log_path.read_text()[-4000:]}"
                )
            time.sleep(0.25)
        yield base_url
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=5)


# Package scope: Playwright's sync API keeps an event loop running in the main thread while it is
# open, which would break every async test collected after the browser tests.
@pytest.fixture(scope="package")
def browser(chromium_executable: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
