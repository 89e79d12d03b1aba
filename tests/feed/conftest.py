import pytest

from config.embedded_worker import start_embedded_worker


@pytest.fixture
def embedded_worker():
    """The in-process Celery worker of the embedded set-up (memory broker), as `make run` uses."""
    start_embedded_worker()
