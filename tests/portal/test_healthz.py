from unittest import mock

from django.db import OperationalError, connection
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
