"""Mandatory training that expires: a course valid for some months is completed again each
period; its completions, reminders and report rows follow the period, and every period's
completion stays on record."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from education import reading
from education.models import LessonProgress
from portal.notifications.jobs import staff_overdue
from portal.notifications.models import Notification
from portal.progress.models import Assignment, CourseCompletion, months_after
from portal.progress.reminders import send_reminders
from portal.progress.services import record_completion_if_complete
from quizzes.models import Attempt
from tests.education.factories import make_course, make_lesson
from tests.progress.test_completion import complete_lessons, pass_quiz
from tests.progress.test_team_report import csv_rows
from tests.quizzes.factories import make_quiz


def valid_until(completed_on, months=12):
    """The last day a completion on `completed_on` counts: the months later, less a day."""
    return months_after(completed_on, months) - timedelta(days=1)


@pytest.fixture
def course(db):
    course = make_course("safety", title="Yearly safety update", valid_for_months=12)
    for position in (1, 2):
        make_lesson(course, f"safety-{position}", position=position, estimated_minutes=30)
    return course


@pytest.fixture
def quiz(course):
    return make_quiz(course.lessons.first(), slug="safety-check", questions=2)


def complete(learner, course, quiz=None):
    complete_lessons(learner, course)
    if quiz is not None:
        pass_quiz(learner, quiz)
    record_completion_if_complete(learner=learner, course=course)
    return CourseCompletion.objects.filter(learner=learner, course=course).order_by("-period")[0]


def move_back(learner, days):
    """As if the learner's reading, attempts and completions had happened `days` earlier."""
    shift = timedelta(days=days)
    for row in LessonProgress.objects.filter(learner=learner):
        row.completed_at = row.completed_at and row.completed_at - shift
        row.first_opened_at -= shift
        row.last_opened_at -= shift
        row.save()
    for attempt in Attempt.objects.filter(learner=learner):
        attempt.started_at -= shift
        attempt.submitted_at = attempt.submitted_at and attempt.submitted_at - shift
        attempt.save()
    for completion in CourseCompletion.objects.filter(learner=learner):
        completion.completed_at -= shift
        completion.expires_on = completion.expires_on and completion.expires_on - shift
        completion.renewal_opens_at = completion.renewal_opens_at and (
            completion.renewal_opens_at - shift
        )
        completion.save()


@pytest.mark.parametrize(
    "day, months, expected",
    [
        (date(2026, 3, 15), 12, date(2027, 3, 15)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2027, 12, 31), 2, date(2028, 2, 29)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
    ],
)
def test_a_validity_ends_the_same_day_months_later_or_the_months_last(day, months, expected):
    assert months_after(day, months) == expected


def test_a_completion_records_when_it_expires_and_when_renewal_opens(learner, course, settings):
    completion = complete(learner, course)
    today = timezone.localdate()
    assert completion.period == 1
    assert completion.expires_on == valid_until(today)
    opens = timezone.localdate(completion.renewal_opens_at)
    assert opens == completion.expires_on - timedelta(days=settings.RENEWAL_WINDOW_DAYS)


def test_a_course_that_never_expires_records_no_expiry(learner, course):
    course.valid_for_months = None
    course.save()
    completion = complete(learner, course)
    assert completion.expires_on is None and completion.renewal_opens_at is None


def test_changing_the_validity_later_leaves_issued_completions_as_they_were(learner, course):
    completion = complete(learner, course)
    course.valid_for_months = 3
    course.save()
    completion.refresh_from_db()
    assert completion.expires_on == valid_until(timezone.localdate())


def test_a_validity_outside_1_to_120_months_is_refused_in_words_and_by_the_database(course):
    course.valid_for_months = 0
    with pytest.raises(ValidationError) as refused:
        course.full_clean()
    assert "valid_for_months" in refused.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        type(course).objects.filter(pk=course.pk).update(valid_for_months=121)


def test_work_before_the_renewal_opens_does_not_renew_and_work_after_it_does(
    learner, course, quiz
):
    first = complete(learner, course, quiz)
    # Reading everything again the week after changes nothing: renewal has not opened.
    complete_lessons(learner, course)
    assert not record_completion_if_complete(learner=learner, course=course)

    move_back(learner, 350)  # the completion expires in about two weeks: renewal is open
    # What was read and passed for the first period does not count towards the renewal.
    assert not record_completion_if_complete(learner=learner, course=course)
    complete_lessons(learner, course)
    assert not record_completion_if_complete(learner=learner, course=course)  # quiz not yet
    pass_quiz(learner, quiz)
    assert record_completion_if_complete(learner=learner, course=course)

    periods = list(
        CourseCompletion.objects.filter(learner=learner, course=course).order_by("period")
    )
    assert [c.period for c in periods] == [1, 2]
    assert periods[0].certificate_code == first.certificate_code  # the first kept as issued
    assert periods[1].certificate_code != first.certificate_code
    # Renewed before the first lapsed: the new period follows on, nothing is lost.
    assert periods[1].expires_on == valid_until(periods[0].expires_on + timedelta(days=1))
    assert not record_completion_if_complete(learner=learner, course=course)


def test_the_same_period_cannot_be_recorded_twice(learner, course):
    first = complete(learner, course)
    with pytest.raises(IntegrityError), transaction.atomic():
        CourseCompletion.objects.create(
            learner=learner,
            course=course,
            period=first.period,
            completed_at=timezone.now(),
            course_title=course.title,
            course_version=course.version,
            credit_hours=1,
        )


def test_a_lesson_read_for_the_last_period_is_read_again_for_the_renewal(
    learner, learner_client, course
):
    complete(learner, course)
    move_back(learner, 350)
    lesson = course.lessons.first()
    [shown] = reading.with_progress([lesson], learner)
    assert shown.renewing and shown.completed_at is None
    page = learner_client.get(reverse("education:course", args=[course.slug])).content.decode()
    assert "Read again to renew" in page

    reading.mark_complete(learner=learner, lesson=lesson)
    [shown] = reading.with_progress([lesson], learner)
    assert not shown.renewing and shown.completed_at is not None


def test_the_dashboard_says_when_a_completion_expires_and_when_it_has_expired(
    learner, learner_client, course
):
    complete(learner, course)
    expires = valid_until(timezone.localdate())
    page = learner_client.get(reverse("home")).content.decode()
    assert f"Valid until {expires:%-d %B %Y}." in page

    move_back(learner, 370)
    page = learner_client.get(reverse("home")).content.decode()
    assert "Your completion has expired: it was valid until" in page
    assert "Renew: " in page  # the first lesson to read again


def test_the_team_report_shows_expiring_and_expired_and_filters_them(
    make_user, team, learner, supervisor, course, client
):
    soon = make_user("omar", team=team)
    complete(learner, course)
    complete(soon, course)
    move_back(learner, 370)  # expired a few days ago
    move_back(soon, 350)  # expires in about two weeks
    client.force_login(supervisor)

    expired = client.get(reverse("progress:team-report"), {"status": "expired"})
    assert [row.learner for row in expired.context["rows"]] == [learner]
    expiring = client.get(reverse("progress:team-report"), {"status": "expiring"})
    assert [row.learner for row in expiring.context["rows"]] == [soon]
    assert "Expires soon" in expiring.content.decode()

    rows = csv_rows(client.get(reverse("progress:team-export"), {"status": "expired"}))
    assert [row[0] for row in rows[1:]] == [learner.username]
    assert rows[1][6] == "Expired"
    lapsed = CourseCompletion.objects.get(learner=learner).expires_on
    assert rows[1][rows[0].index("Valid until")] == str(lapsed)


def test_an_assignment_falls_due_again_when_the_completion_expires(
    learner, supervisor, course, client
):
    today = timezone.localdate()
    # Assigned a year ago, completed then, expired now.
    Assignment.objects.create(
        course=course, learner=learner, due_on=today - timedelta(days=360), assigned_by=supervisor
    )
    complete(learner, course)
    move_back(learner, 370)
    expired_on = CourseCompletion.objects.get(learner=learner).expires_on
    client.force_login(supervisor)
    rows = client.get(reverse("progress:team-report")).context["rows"]
    [row] = [row for row in rows if row.learner == learner]
    assert row.status == "expired" and row.due_on == expired_on and row.overdue == 1


def test_reminders_go_out_before_each_expiry_once_per_period(learner, supervisor, course):
    today = timezone.localdate()
    Assignment.objects.create(
        course=course, learner=learner, due_on=today + timedelta(days=30), assigned_by=supervisor
    )
    complete(learner, course)
    expires_on = valid_until(today)
    assert send_reminders(expires_on - timedelta(days=8)) == 0
    assert send_reminders(expires_on - timedelta(days=7)) == 1
    assert "Training to renew soon" in mail.outbox[-1].subject
    assert "is valid until" in mail.outbox[-1].body
    assert send_reminders(expires_on - timedelta(days=7)) == 0
    assert send_reminders(expires_on - timedelta(days=1)) == 1
    assert send_reminders(expires_on) == 0  # the last day it counts: reminded the day before
    assert send_reminders(expires_on + timedelta(days=1)) == 1
    assert "Expired training" in mail.outbox[-1].subject
    assert send_reminders(expires_on + timedelta(days=3)) == 0


def test_supervisors_are_told_once_when_their_staffs_training_expires(learner, supervisor, course):
    today = timezone.localdate()
    Assignment.objects.create(
        course=course, learner=learner, due_on=today - timedelta(days=360), assigned_by=supervisor
    )
    complete(learner, course)
    assert staff_overdue(today) == 0
    move_back(learner, 370)
    assert staff_overdue(today) == 1
    assert staff_overdue(today) == 0
    notice = Notification.objects.get(recipient=supervisor)
    assert "was valid until" in notice.text and course.title in notice.text


def test_the_certificate_is_of_the_latest_period_and_the_transcript_keeps_each(
    learner, learner_client, course, quiz
):
    first = complete(learner, course, quiz)
    move_back(learner, 350)
    second = complete(learner, course, quiz)
    assert second.period == 2
    response = learner_client.get(reverse("progress:certificate", args=[course.slug]))
    assert response.status_code == 200
    transcript = learner_client.get(reverse("progress:transcript")).content.decode()
    assert first.certificate_code in transcript and second.certificate_code in transcript


def test_the_dashboard_shows_assigned_training_done_then_overdue_again_at_expiry(
    learner, learner_client, supervisor, course
):
    today = timezone.localdate()
    Assignment.objects.create(
        course=course, learner=learner, due_on=today - timedelta(days=360), assigned_by=supervisor
    )
    complete(learner, course)

    def assigned():
        page = learner_client.get(reverse("home")).content.decode()
        start = page.index('id="assigned-heading"')
        return page[start : page.index("</section>", start)]

    assert "Completed" in assigned() and "Due soon" not in assigned()
    move_back(learner, 370)
    expired_on = CourseCompletion.objects.get(learner=learner).expires_on
    section = assigned()
    assert "Overdue" in section and f"due {expired_on:%-d %b %Y}" in section


def test_a_renewal_has_the_quizs_attempts_afresh(learner, course):
    from quizzes import services
    from quizzes.services import QuizError

    quiz = make_quiz(course.lessons.first(), slug="one-try", questions=2, attempts_allowed=1)
    complete(learner, course, quiz)
    with pytest.raises(QuizError, match="used all the attempts"):
        services.start_attempt(learner=learner, quiz=quiz)

    move_back(learner, 350)  # renewal open: the first period's attempt is set aside
    assert services.attempts_left(quiz, learner) == 1
    pass_quiz(learner, quiz)
    with pytest.raises(QuizError, match="used all the attempts"):
        services.start_attempt(learner=learner, quiz=quiz)
    assert Attempt.objects.filter(learner=learner, quiz=quiz).count() == 2


def test_training_assigned_again_after_it_lapsed_is_due_by_the_new_date(
    learner, supervisor, course, client
):
    today = timezone.localdate()
    complete(learner, course)
    move_back(learner, 400)  # lapsed weeks ago, unassigned
    Assignment.objects.create(
        course=course, learner=learner, due_on=today + timedelta(days=20), assigned_by=supervisor
    )
    client.force_login(supervisor)
    rows = client.get(reverse("progress:team-report")).context["rows"]
    [row] = [row for row in rows if row.learner == learner]
    assert row.status == "expired" and row.due_on == today + timedelta(days=20)
    assert row.overdue == 0
    assert staff_overdue(today) == 0
    assert send_reminders(today) == 0


def test_renewing_after_the_completion_lapsed_starts_a_new_period_from_that_day(learner, course):
    complete(learner, course)
    move_back(learner, 400)
    second = complete(learner, course)
    assert second.period == 2
    assert second.expires_on == valid_until(timezone.localdate())


def test_the_quiz_pages_ask_for_the_quiz_again_during_a_renewal(
    learner, learner_client, course, quiz
):
    complete(learner, course, quiz)
    listing = learner_client.get(reverse("quizzes:quiz-list")).content.decode()
    lesson = course.lessons.first()
    assert "Passed" in listing
    move_back(learner, 350)
    listing = learner_client.get(reverse("quizzes:quiz-list")).content.decode()
    lesson_page = learner_client.get(reverse("education:lesson", args=[lesson.slug]))
    assert ">Passed<" not in listing
    assert [q.has_passed for q in lesson_page.context["quizzes"]] == [False]
