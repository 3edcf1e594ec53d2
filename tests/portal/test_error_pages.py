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
