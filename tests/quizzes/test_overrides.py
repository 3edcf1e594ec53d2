"""Per-learner adjustments: an extra attempt, extra time as an accommodation, a reset; each
with its reason and who granted it, never deleting a past attempt."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from quizzes import overrides, services
from quizzes.models import Attempt, OverrideKind, QuizOverride, ReviewMode
from tests.quizzes.factories import make_quiz, take_quiz


@pytest.fixture
def assessment(db):
    return make_quiz(
        slug="assessment",
        attempts_allowed=2,
        time_limit_minutes=20,
        review_mode=ReviewMode.ASSESSMENT,
    )


def used_up(learner, quiz):
    for _ in range(quiz.attempts_allowed):
        take_quiz(learner, quiz, "wrong")


def grant(learner, quiz, kind, by, **options):
    return overrides.grant(
        learner=learner, quiz=quiz, kind=kind, by=by, reason="Agreed with the ward", **options
    )


def test_an_extra_attempt_lets_a_learner_who_used_every_attempt_try_once_more(
    learner, supervisor, assessment
):
    used_up(learner, assessment)
    with pytest.raises(services.QuizError):
        services.start_attempt(learner=learner, quiz=assessment)

    grant(learner, assessment, OverrideKind.EXTRA_ATTEMPT, supervisor)

    assert services.attempts_left(assessment, learner) == 1
    assert services.start_attempt(learner=learner, quiz=assessment).number == 3
    assert Attempt.objects.filter(learner=learner).count() == 3


def test_answers_an_assessment_showed_once_out_of_attempts_are_hidden_again_with_an_extra_one(
    learner, supervisor, assessment
):
    used_up(learner, assessment)
    assert Attempt.objects.answers_shown().filter(learner=learner).count() == 2

    grant(learner, assessment, OverrideKind.EXTRA_ATTEMPT, supervisor)

    assert not Attempt.objects.answers_shown().filter(learner=learner).exists()


def test_a_reset_gives_the_quizs_own_number_of_attempts_again_and_keeps_the_old_ones(
    learner, supervisor, assessment
):
    used_up(learner, assessment)
    grant(learner, assessment, OverrideKind.EXTRA_ATTEMPT, supervisor)
    take_quiz(learner, assessment, "wrong")

    grant(learner, assessment, OverrideKind.RESET, supervisor)

    assert services.attempts_left(assessment, learner) == 2
    used_up(learner, assessment)
    assert services.attempts_left(assessment, learner) == 0
    assert Attempt.objects.filter(learner=learner).count() == 5
    grant(learner, assessment, OverrideKind.RESET, supervisor)
    assert services.attempts_left(assessment, learner) == 2


def test_extra_time_lengthens_new_attempts_and_the_one_that_is_open(
    learner, supervisor, assessment
):
    open_attempt = services.start_attempt(learner=learner, quiz=assessment)
    deadline = open_attempt.deadline

    grant(learner, assessment, OverrideKind.EXTRA_TIME, supervisor, extra_minutes=10)

    open_attempt.refresh_from_db()
    assert open_attempt.deadline == deadline + timedelta(minutes=10)
    services.submit_attempt(attempt=open_attempt)
    now = timezone.now()
    later = services.start_attempt(learner=learner, quiz=assessment, now=now)
    assert later.deadline == now + timedelta(minutes=30)


def test_extra_time_set_to_nothing_takes_it_away(learner, supervisor, assessment):
    grant(learner, assessment, OverrideKind.EXTRA_TIME, supervisor, extra_minutes=10)
    grant(learner, assessment, OverrideKind.EXTRA_TIME, supervisor, extra_minutes=0)

    assert overrides.allowance(assessment, learner).extra_minutes == 0


@pytest.mark.parametrize(
    ("quiz_fields", "kind", "options", "message"),
    [
        ({"attempts_allowed": None}, OverrideKind.EXTRA_ATTEMPT, {}, "unlimited attempts"),
        ({"attempts_allowed": 2}, OverrideKind.RESET, {}, "no attempts to set aside"),
        ({"time_limit_minutes": None}, OverrideKind.EXTRA_TIME, {"extra_minutes": 5}, "no time"),
        ({"time_limit_minutes": 20}, OverrideKind.EXTRA_TIME, {"extra_minutes": 601}, "600"),
        ({"attempts_allowed": 2}, OverrideKind.EXTRA_ATTEMPT, {"reason": "  "}, "Say why"),
    ],
)
def test_an_adjustment_that_cannot_apply_is_refused_in_words_and_records_nothing(
    learner, supervisor, db, quiz_fields, kind, options, message
):
    quiz = make_quiz(slug="refused", **quiz_fields)
    options.setdefault("reason", "Asked for")

    with pytest.raises(overrides.OverrideError, match=message):
        overrides.grant(learner=learner, quiz=quiz, kind=kind, by=supervisor, **options)

    assert not QuizOverride.objects.exists()


def adjust_url(learner, quiz):
    return reverse("progress:adjust-quiz", args=[learner.pk, quiz.pk])


def test_a_supervisor_grants_an_extra_attempt_from_the_learners_page(
    client, supervisor, learner, assessment
):
    used_up(learner, assessment)
    client.force_login(supervisor)
    learner_page = client.get(reverse("progress:learner-detail", args=[learner.pk]))
    assert adjust_url(learner, assessment) in learner_page.content.decode()

    response = client.post(
        adjust_url(learner, assessment),
        {"kind": OverrideKind.EXTRA_ATTEMPT, "reason": "Interrupted by a cardiac arrest call"},
    )

    assert response.status_code == 302
    granted = QuizOverride.objects.get()
    assert (granted.learner, granted.granted_by) == (learner, supervisor)
    assert granted.reason == "Interrupted by a cardiac arrest call"
    page = client.get(adjust_url(learner, assessment)).content.decode()
    assert "Interrupted by a cardiac arrest call" in page
    assert 'Attempts allowed to this learner</dt><dd class="col-sm-8">3' in page


def test_the_supervisors_form_without_a_reason_says_so_and_records_nothing(
    client, supervisor, learner, assessment
):
    client.force_login(supervisor)

    response = client.post(adjust_url(learner, assessment), {"kind": OverrideKind.EXTRA_ATTEMPT})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not QuizOverride.objects.exists()


def test_nobody_adjusts_a_quiz_for_a_learner_outside_their_scope(
    client, supervisor, learner, other_learner, assessment
):
    client.force_login(supervisor)
    assert client.get(adjust_url(other_learner, assessment)).status_code == 404
    client.force_login(learner)
    assert client.get(adjust_url(learner, assessment)).status_code == 403


def test_a_reviewer_grants_extra_time_in_the_admin_by_username(
    client, reviewer, learner, assessment
):
    client.force_login(reviewer)
    url = reverse("admin:quizzes_quizoverride_add")
    data = {"username": learner.username, "quiz": assessment.pk, "kind": "extra_time",
            "extra_minutes": 15, "reason": "Dyslexia: agreed accommodation"}  # fmt: skip

    unknown = client.post(url, {**data, "username": "nobody"})
    assert "No active account has that username." in unknown.content.decode()
    assert not QuizOverride.objects.exists()

    assert client.post(url, data).status_code == 302
    granted = QuizOverride.objects.get()
    assert (granted.learner, granted.extra_minutes, granted.granted_by) == (learner, 15, reviewer)
    change = reverse("admin:quizzes_quizoverride_change", args=[granted.pk])
    assert client.get(change).status_code == 200
    delete = reverse("admin:quizzes_quizoverride_delete", args=[granted.pk])
    client.post(delete, {"post": "yes"})
    assert QuizOverride.objects.exists()


def test_the_admin_refuses_an_adjustment_the_quiz_cannot_take_and_keeps_the_form(
    client, reviewer, learner, assessment
):
    client.force_login(reviewer)
    response = client.post(
        reverse("admin:quizzes_quizoverride_add"),
        {
            "username": learner.username,
            "quiz": assessment.pk,
            "kind": "reset",
            "reason": "Keep this text",
        },
    )

    page = response.content.decode()
    assert "There are no attempts to set aside yet" in page
    assert "Keep this text" in page
    assert not QuizOverride.objects.exists()


def test_the_quiz_page_tells_the_learner_their_own_time_limit(
    learner_client, learner, supervisor, assessment
):
    grant(learner, assessment, OverrideKind.EXTRA_TIME, supervisor, extra_minutes=10)

    page = learner_client.get(reverse("quizzes:quiz", args=[assessment.slug])).content.decode()

    assert "Time limit: 30 minutes" in page
