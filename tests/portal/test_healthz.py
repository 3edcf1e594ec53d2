from unittest import mock

from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse


def test_it_reports_ok_when_the_database_answers(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "sessionid" not in response.cookies
    assert "no-cache" in response.headers["Cache-Control"]


def test_it_reports_503_when_the_database_does_not_answer(client, db):
    refused = OperationalError("connection refused")
    with mock.patch.object(connection, "cursor", side_effect=refused):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_the_liveness_probe_answers_without_the_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("liveness"))
    assert response.json() == {"status": "ok"}


def test_the_health_checks_answer_a_plain_http_probe_that_pages_redirect(db, settings):
    settings.SECURE_SSL_REDIRECT = True
    probe = Client()  # a new client: the security middleware reads the setting at start
    assert probe.get(reverse("healthz")).status_code == 200
    assert probe.get(reverse("liveness")).status_code == 200
    assert probe.get(reverse("login")).status_code == 301
