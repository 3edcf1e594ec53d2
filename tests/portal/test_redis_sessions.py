"""Sessions read through the cache in Redis, as several app servers share them, and kept in
the database, so a Redis restart signs nobody out (needs the local Redis)."""

import socket

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD


def redis_is_up():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


pytestmark = pytest.mark.skipif(not redis_is_up(), reason="no Redis on 127.0.0.1:6379")


@pytest.fixture
def redis_sessions(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/7",
            "KEY_PREFIX": "portal-tests",
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    from django.core.cache import caches

    caches["default"].clear()
    yield
    caches["default"].clear()


def test_a_sign_in_works_from_a_second_server(redis_sessions, client, learner):
    from django.test import Client

    client.post(reverse("login"), {"username": "nina", "password": PASSWORD})
    second_server = Client()
    second_server.cookies["sessionid"] = client.cookies["sessionid"].value
    assert second_server.get(reverse("home")).status_code == 200


def test_a_redis_restart_signs_nobody_out(redis_sessions, client, learner):
    from django.contrib.sessions.models import Session
    from django.core.cache import caches

    client.post(reverse("login"), {"username": "nina", "password": PASSWORD})
    assert Session.objects.filter(session_key=client.cookies["sessionid"].value).exists()
    caches["default"].clear()  # what a restarted Redis (it keeps nothing on disk) holds
    page = client.get(reverse("home"))
    assert page.status_code == 200 and page.context["user"] == learner
