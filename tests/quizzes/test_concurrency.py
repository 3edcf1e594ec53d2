"""Races that only a real server with concurrent connections can show: PostgreSQL only."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from quizzes import services
from quizzes.models import Attempt, AttemptState
from quizzes.services import QuizError
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


def test_an_answer_sent_while_a_submit_is_closing_the_attempt_is_refused_not_lost(learner):
    """Saving takes the attempt's row lock: an answer that arrives while a submit holds it
    waits for the submit's outcome and is refused, instead of being stored beside a grade that
    never saw it."""
    quiz = make_quiz(questions=3)
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    row = attempt.questions.first()
    closing, release = threading.Event(), threading.Event()

    def submit_in_flight():
        try:
            with transaction.atomic():
                Attempt.objects.filter(pk=attempt.pk).update(state=AttemptState.SUBMITTED)
                closing.set()
                release.wait(10)
        finally:
            connections.close_all()

    submitter = threading.Thread(target=submit_in_flight)
    submitter.start()
    assert closing.wait(10)
    threading.Timer(0.5, release.set).start()
    started = time.monotonic()
    with pytest.raises(QuizError):
        services.save_answer(
            attempt=attempt, attempt_question=row, choice_ids=[row.choices[0]["id"]]
        )
    waited = time.monotonic() - started
    submitter.join()
    row.refresh_from_db()
    assert row.selected == []
    assert waited >= 0.4  # it waited for the submit instead of reading the attempt as open
