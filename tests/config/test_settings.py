"""Production settings fail loudly without their variables and pass Django's deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "WORLDFEED_ENV": "production",
    "DJANGO_SECRET_KEY": "x" * 64 + "-a-long-random-production-secret-for-the-check",
    "DJANGO_ALLOWED_HOSTS": "worldfeed.example",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def manage(*args, env):
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_required_variables():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "REDIS_URL"}
    result = manage("check", env=env)
    assert result.returncode != 0 and "REDIS_URL must be set" in result.stderr
