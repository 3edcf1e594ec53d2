"""Arbitrary form data at every endpoint that takes learner or admin input: never a 500,
and a score always within its bounds."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizzes import services
from quizzes.models import Attempt
from tests.quizzes.factories import make_quiz

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
values = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(2**63), max_value=2**63).map(str),
    st.sampled_from(["", "0", "-1", "1e9", "null", "[]", "{}", "\x00", "9" * 40, "1,2"]),
)
form = st.dictionaries(
    st.sampled_from(
        ["choice", "completed", "text", "shown", "q1", "q2", "review", "save", "status"]
    ),
    st.lists(values, max_size=4),
    max_size=5,
)


@pytest.fixture
def attempt(learner, db):
    quiz = make_quiz(questions=3)
    return services.start_attempt(learner=learner, quiz=quiz)


def post(client, url, data):
    response = client.post(url, data)
    assert response.status_code < 500, (url, data)
    return response


@FUZZ
@given(data=form)
def test_answering_never_fails_and_scores_stay_in_bounds(learner_client, attempt, data):
    row = attempt.questions.first()
    post(learner_client, reverse("quizzes:attempt-answer", args=[attempt.pk, row.pk]), data)
    post(learner_client, reverse("quizzes:attempt-answers", args=[attempt.pk]), data)
    attempt.refresh_from_db()
    assert 0 <= attempt.score <= attempt.max_score


@FUZZ
@given(data=form)
def test_submitting_never_fails_and_grades_within_bounds(learner_client, learner, attempt, data):
    post(learner_client, reverse("quizzes:attempt-submit", args=[attempt.pk]), data)
    for finished in Attempt.objects.filter(learner=learner):
        assert 0 <= finished.score <= finished.max_score
        assert finished.percent is None or 0 <= finished.percent <= 100


@FUZZ
@given(data=form)
def test_completion_and_problem_reports_never_fail(learner_client, attempt, data):
    slug = attempt.quiz.lesson.slug
    post(learner_client, reverse("education:lesson-completion", args=[slug]), data)
    post(learner_client, reverse("education:lesson-report", args=[slug]), data)


@FUZZ
@given(content=st.binary(max_size=300))
def test_account_import_never_fails(admin_client, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("staff.csv", content)
    post(admin_client, reverse("admin:accounts_user_import"), {"csv_file": upload})
