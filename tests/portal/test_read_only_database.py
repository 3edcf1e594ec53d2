"""A database that refuses writes (read-only after a failover) gets a clear 503, never a
500, and /healthz says so. The database is made read-only for real: PostgreSQL's
transaction_read_only, SQLite's query_only."""

from contextlib import contextmanager

import pytest
from django.db import connection
from django.urls import reverse

from quizzes.models import Attempt
from tests.conftest import PASSWORD
from tests.quizzes.factories import choice_id, make_quiz

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def read_only_database():
    on, off = {
        "postgresql": (
            "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
            "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
        ),
        "sqlite": ("PRAGMA query_only = ON", "PRAGMA query_only = OFF"),
    }[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(on)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(off)


def test_saving_an_answer_says_the_portal_cannot_save_and_keeps_earlier_answers(client, learner):
    quiz = make_quiz(questions=2)
    client.force_login(learner)
    client.post(reverse("quizzes:quiz-start", args=[quiz.slug]))
    attempt = Attempt.objects.get()
    first, second = attempt.questions.all()
    url = reverse("quizzes:attempt-answer", args=[attempt.pk, first.pk])
    client.post(url, {"choice": choice_id(first, "right")})

    client.raise_request_exception = False
    with read_only_database():
        url = reverse("quizzes:attempt-answer", args=[attempt.pk, second.pk])
        response = client.post(url, {"choice": choice_id(second, "right")})
        health = client.get(reverse("healthz"))
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert "Your earlier answers are safe" in response.content.decode()
    assert (health.status_code, health.json()["database"]) == (503, "read-only")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.selected == [choice_id(first, "right")] and second.selected == []
    assert client.get(reverse("healthz")).status_code == 200


def test_signing_in_is_a_503_not_a_500(client, learner):
    client.raise_request_exception = False
    with read_only_database():
        response = client.post(reverse("login"), {"username": "nina", "password": PASSWORD})
    assert response.status_code == 503
    assert "The portal cannot save right now" in response.content.decode()
