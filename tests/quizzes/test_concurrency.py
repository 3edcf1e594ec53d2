"""Races that only a real server with concurrent connections can show: PostgreSQL only."""

import threading

import pytest
from django.db import connection, connections

from quizzes import services
from quizzes.models import Attempt, AttemptState
from tests.quizzes.factories import make_quiz

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]


def race(count, work):
    """Run work() in `count` threads released at the same moment; return their results."""
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(work())
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_eight_concurrent_submits_grade_exactly_once(learner):
    quiz = make_quiz(questions=3)
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    results, errors = race(8, lambda: services.submit_attempt(attempt=attempt))
    assert errors == []
    assert sorted(results) == [False] * 7 + [True]
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.SUBMITTED


def test_concurrent_starts_yield_one_attempt(learner):
    quiz = make_quiz(questions=3, attempts_allowed=1)
    results, errors = race(6, lambda: services.start_attempt(learner=learner, quiz=quiz).pk)
    assert errors == []
    assert len(set(results)) == 1
    assert Attempt.objects.count() == 1
