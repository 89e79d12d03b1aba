import pytest


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    from config.rate_limits import rate_limit_reset

    rate_limit_reset()
    yield
    rate_limit_reset()
