import pytest
from django.core.cache import caches

from tests.portal.test_redis_sessions import redis_is_up


@pytest.fixture(
    params=[
        "local memory",
        pytest.param(
            "Redis",
            marks=pytest.mark.skipif(not redis_is_up(), reason="no Redis on 127.0.0.1:6379"),
        ),
    ]
)
def cache_kind(request, settings):
    """The local-memory cache of one process, then Redis as several app servers share it."""
    if request.param == "Redis":
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://127.0.0.1:6379/7",
                "KEY_PREFIX": "portal-content-tests",
            }
        }
    caches["default"].clear()
    yield request.param
    caches["default"].clear()
