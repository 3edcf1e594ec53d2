"""A learner's database connection killed (`pg_terminate_backend` from a second connection)
between saving answers and grading, or halfway through grading: the submit fails, the whole
transaction is rolled back (never a half-graded attempt), and submitting again grades once."""

import psycopg
import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client
from django.urls import reverse

from quizzes import services
from quizzes.models import Attempt, AttemptState
from tests.production.harness import needs_postgresql
from tests.quizzes.factories import choice_id, make_quiz

pytestmark = [
    pytest.mark.production,
    pytest.mark.django_db(transaction=True),
    needs_postgresql,
]

CONNECTION_LOST = (OperationalError, InterfaceError)


def kill_this_connection():
    """Terminate this thread's Django connection from another connection, as an operator or
    a failing network would, and wait until the server has really ended it."""
    pid = connection.connection.info.backend_pid
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"] or "postgres",
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=True,
        connect_timeout=5,
    ) as killer:
        killed = killer.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone()[0]
    assert killed, f"backend {pid} was not terminated"


def kill_at(monkeypatch, point):
    """Make the next grading lose its connection at `point`."""
    if point == "before grading":
        # The attempt row is already closed in this transaction; no mark written yet.
        real_grade = services._grade

        def grade(attempt):
            kill_this_connection()
            real_grade(attempt)

        monkeypatch.setattr(services, "_grade", grade)
    else:
        # Every mark is written in this transaction; the totals are not.
        real_score_percent = services.score_percent

        def score_percent(score, max_score):
            kill_this_connection()
            return real_score_percent(score, max_score)

        monkeypatch.setattr(services, "score_percent", score_percent)


def answered_attempt(learner, questions=4):
    quiz = make_quiz(questions=questions)
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    for row in attempt.questions.all():
        services.save_answer(
            attempt=attempt, attempt_question=row, choice_ids=[choice_id(row, "right")]
        )
    return attempt


def assert_untouched(attempt, questions=4):
    """Still open, every saved answer kept, not a single mark or total written."""
    attempt = Attempt.objects.get(pk=attempt.pk)
    assert attempt.state == AttemptState.IN_PROGRESS
    assert attempt.submitted_at is None
    assert (attempt.score, attempt.percent, attempt.passed) == (0, None, None)
    rows = list(attempt.questions.all())
    assert len(rows) == questions
    assert all(row.selected for row in rows)
    assert [row.mark for row in rows] == [None] * questions


def assert_graded_once(attempt):
    attempt = Attempt.objects.get(pk=attempt.pk)
    assert attempt.state == AttemptState.SUBMITTED
    assert attempt.score == attempt.max_score
    assert attempt.passed
    assert all(row.mark == row.points for row in attempt.questions.all())


@pytest.mark.parametrize("point", ["before grading", "halfway through grading"])
def test_a_connection_killed_while_submitting_rolls_everything_back(learner, monkeypatch, point):
    attempt = answered_attempt(learner)
    kill_at(monkeypatch, point)

    with pytest.raises(CONNECTION_LOST):
        services.submit_attempt(attempt=attempt)

    monkeypatch.undo()
    connection.close()  # what Django does at the end of the request
    assert_untouched(attempt)
    assert services.submit_attempt(attempt=attempt) is True
    assert services.submit_attempt(attempt=attempt) is False
    assert_graded_once(attempt)


@pytest.mark.parametrize("point", ["before grading", "halfway through grading"])
def test_the_learner_sees_the_friendly_page_and_submitting_again_succeeds_once(
    learner, monkeypatch, point
):
    attempt = answered_attempt(learner)
    browser = Client(raise_request_exception=False)
    browser.force_login(learner)
    submit = reverse("quizzes:attempt-submit", args=[attempt.pk])
    result = reverse("quizzes:attempt-result", args=[attempt.pk])
    kill_at(monkeypatch, point)

    response = browser.post(submit)

    # The connection is gone (a database restart, a failover): "try again", not a bug.
    assert response.status_code == 503
    assert "The portal cannot save right now" in response.content.decode()
    assert "Your earlier answers are safe" in response.content.decode()
    monkeypatch.undo()
    connection.close()  # a real server closes a broken connection after the request
    assert_untouched(attempt)
    again = browser.post(submit)
    assert (again.status_code, again.url) == (302, result)
    assert_graded_once(attempt)
    once_more = browser.post(submit)
    assert (once_more.status_code, once_more.url) == (302, result)
    assert browser.get(result).status_code == 200
    assert_graded_once(attempt)
