import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_limit_counts():
    """The limits on password work count in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()
