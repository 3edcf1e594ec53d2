import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse


def test_a_missing_page_is_friendly_and_keeps_the_security_headers(learner_client):
    response = learner_client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "Content-Security-Policy" in response.headers


def test_a_forbidden_page_is_friendly(client, learner):
    client.force_login(learner)
    response = client.get(reverse("progress:statistics"))
    assert response.status_code == 403
    assert "You do not have access" in response.content.decode()


def test_a_server_error_shows_a_friendly_page_with_the_security_headers(learner, monkeypatch):
    def broken(request, *args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("portal.progress.views.dashboard.progress_of_learner", broken)
    client = Client(raise_request_exception=False)
    client.force_login(learner)
    response = client.get(reverse("home"))
    assert response.status_code == 500
    assert "Answers you saved before are kept" in response.content.decode()
    assert "Content-Security-Policy" in response.headers


def a_client_whose_session_store_raises(learner, monkeypatch, error):
    """A client whose every request fails in the session middleware, before the middleware
    that adds the frame and caching headers runs."""
    client = Client(raise_request_exception=False)
    client.force_login(learner)

    def broken(self):
        raise error

    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.load", broken)
    return client


@pytest.mark.parametrize(
    ("error", "status"),
    [(RuntimeError("boom"), 500), (OperationalError("server closed the connection"), 503)],
)
def test_the_error_pages_are_never_framed_or_cached_even_when_a_middleware_fails(
    learner, monkeypatch, error, status
):
    client = a_client_whose_session_store_raises(learner, monkeypatch, error)
    response = client.get(reverse("home"))
    assert response.status_code == status
    assert response["X-Frame-Options"] == "DENY"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "Content-Security-Policy" in response.headers


def test_a_failing_view_still_gets_one_set_of_caching_headers(learner, monkeypatch):
    monkeypatch.setattr(
        "portal.progress.views.dashboard.progress_of_learner",
        lambda *args, **kwargs: 1 / 0,
    )
    client = Client(raise_request_exception=False)
    client.force_login(learner)
    response = client.get(reverse("home"))
    assert response.status_code == 500
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cache-Control"].count("no-store") == 1
