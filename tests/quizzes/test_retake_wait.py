"""A quiz can ask learners to wait between attempts, so that they go back to the lessons
rather than retry at once (issue 20)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from quizzes import services
from quizzes.models import Attempt
from quizzes.services import QuizError
from tests.quizzes.factories import make_quiz, take_quiz


@pytest.fixture
def quiz(db):
    return make_quiz(questions=2, retake_wait_hours=24)


def test_the_next_attempt_waits_until_the_time_has_passed(learner, quiz):
    first = take_quiz(learner, quiz, "wrong")
    first.refresh_from_db()
    with pytest.raises(QuizError, match="Your next attempt can start from"):
        services.start_attempt(learner=learner, quiz=quiz)
    assert Attempt.objects.filter(learner=learner, quiz=quiz).count() == 1

    later = first.submitted_at + timedelta(hours=24, seconds=1)
    second = services.start_attempt(learner=learner, quiz=quiz, now=later)
    assert second.number == 2


def test_an_open_attempt_is_resumed_whatever_the_wait(learner, quiz):
    started = services.start_attempt(learner=learner, quiz=quiz)
    assert services.start_attempt(learner=learner, quiz=quiz) == started


def test_without_a_wait_the_next_attempt_starts_at_once(learner):
    quiz = make_quiz(slug="no-wait", questions=2)
    take_quiz(learner, quiz, "wrong")
    assert services.start_attempt(learner=learner, quiz=quiz).number == 2


def test_the_quiz_page_says_when_the_next_attempt_opens_and_offers_no_start(
    learner, learner_client, quiz
):
    take_quiz(learner, quiz, "wrong")
    page = learner_client.get(reverse("quizzes:quiz", args=[quiz.slug])).content.decode()
    assert "After each attempt, wait 24 hours before the next." in page
    assert "Your next attempt can start from" in page
    assert "Start a new attempt" not in page

    response = learner_client.post(reverse("quizzes:quiz-start", args=[quiz.slug]), follow=True)
    assert "Your next attempt can start from" in response.content.decode()
    assert Attempt.objects.filter(learner=learner, quiz=quiz).count() == 1


def test_a_wait_outside_1_to_720_hours_is_refused_in_words(quiz):
    quiz.retake_wait_hours = 721
    with pytest.raises(ValidationError) as refused:
        quiz.full_clean()
    assert "retake_wait_hours" in refused.value.message_dict
    quiz.refresh_from_db()
    assert quiz.retake_wait_hours == 24
