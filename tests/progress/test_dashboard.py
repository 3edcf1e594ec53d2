from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from education import reading as lesson_progress
from education.models import Course, Status
from portal.progress.models import Assignment
from portal.progress.queries import progress_by_learner
from quizzes import services
from quizzes.models import QuestionKind, ReviewMode
from tests.education.factories import make_course, make_lesson
from tests.quizzes.factories import add_question, choice_id, make_quiz, take_quiz


def build(count):
    course = make_course(f"course-{count}")
    lessons = [make_lesson(course, f"l{count}-{n}", position=n) for n in range(count)]
    quizzes = [
        make_quiz(lesson, slug=f"q{count}-{n}", questions=2) for n, lesson in enumerate(lessons)
    ]
    return course, lessons, quizzes


def test_the_dashboard_shows_progress_and_the_next_step(learner_client, learner, db):
    _course, lessons, _quizzes = build(3)
    lesson_progress.mark_complete(learner=learner, lesson=lessons[0])
    page = learner_client.get(reverse("home")).content.decode()
    assert "1 of 3 lessons completed · 0 of 3 quizzes passed" in page
    assert "17% complete" in page
    assert f'href="{lessons[1].get_absolute_url()}">Next: {lessons[1].title}' in page
    assert '<progress class="w-100" max="100" value="17"' in page


def test_recent_attempts_and_mistakes_to_review(learner_client, learner, db):
    _course, _lessons, quizzes = build(1)
    attempt = services.start_attempt(learner=learner, quiz=quizzes[0])
    rows = list(attempt.questions.all())
    services.save_answer(
        attempt=attempt, attempt_question=rows[0], choice_ids=[choice_id(rows[0], "right")]
    )
    services.save_answer(
        attempt=attempt, attempt_question=rows[1], choice_ids=[choice_id(rows[1], "wrong")]
    )
    services.submit_attempt(attempt=attempt)
    page = learner_client.get(reverse("home")).content.decode()
    assert "50%" in page
    assert "best 50%" in page
    # The score chart names each bar and gives its value in words; the drawing is hidden.
    assert "<figcaption" in page and "Scores, oldest first</figcaption>" in page
    assert '<span class="bar-chart-label">Attempt 1</span>' in page
    assert '<span class="bar-chart-value">50%</span>' in page
    assert '<svg class="bar-chart-bar" width="100%" height="10" aria-hidden="true"' in page
    assert "Review my mistakes" in page
    assert "Secret rationale 2" in page
    assert "Secret rationale 1" not in page


def test_an_unfinished_quiz_is_offered_first_with_how_many_questions_are_answered(
    learner_client, learner, db
):
    _course, _lessons, (quiz,) = build(1)
    add_question(quiz, position=3, kind=QuestionKind.MULTIPLE)
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    first, _second, third = attempt.questions.all()
    services.save_answer(
        attempt=attempt, attempt_question=first, choice_ids=[choice_id(first, "right")]
    )
    # Answered, then cleared: no longer answered, as the submit page counts it.
    services.save_answer(
        attempt=attempt, attempt_question=third, choice_ids=[choice_id(third, "right")]
    )
    services.save_answer(attempt=attempt, attempt_question=third, choice_ids=[])
    page = learner_client.get(reverse("home")).content.decode()
    attempt_url = reverse("quizzes:attempt", args=[attempt.pk])
    button = f'href="{attempt_url}">Continue: {quiz.title} (1 of 3 answered)</a>'
    assert button in page
    assert page.index(button) < page.index("Your courses")
    services.submit_attempt(attempt=attempt)
    assert "Continue:" not in learner_client.get(reverse("home")).content.decode()


def test_an_unfinished_quiz_whose_time_is_up_offers_its_result(learner_client, learner, db):
    _course, _lessons, (quiz,) = build(1)
    quiz.time_limit_minutes = 10
    quiz.save()
    attempt = services.start_attempt(
        learner=learner, quiz=quiz, now=timezone.now() - timedelta(minutes=30)
    )
    page = learner_client.get(reverse("home")).content.decode()
    result_url = reverse("quizzes:attempt-result", args=[attempt.pk])
    assert f'href="{result_url}">Time is up: see your result for {quiz.title}</a>' in page
    assert "Continue:" not in page


def test_an_assessment_s_mistakes_show_once_every_attempt_is_used_as_on_its_result_page(
    learner_client, learner, db
):
    _course, _lessons, (quiz,) = build(1)
    quiz.review_mode, quiz.attempts_allowed = ReviewMode.ASSESSMENT, 2
    quiz.save()
    first = take_quiz(learner, quiz, "wrong")
    assert "Secret rationale 1" not in learner_client.get(reverse("home")).content.decode()
    take_quiz(learner, quiz, "wrong")  # the last attempt allowed, failed too
    assert "Secret rationale 1" in learner_client.get(reverse("home")).content.decode()
    result = learner_client.get(reverse("quizzes:attempt-result", args=[first.pk]))
    assert "Secret rationale 1" in result.content.decode()


def test_overdue_assignments_come_first(learner_client, learner, team, supervisor, db):
    soon = make_course("soon")
    late = make_course("late")
    today = timezone.localdate()
    Assignment.objects.create(
        course=soon, team=team, due_on=today + timedelta(days=3), assigned_by=supervisor
    )
    Assignment.objects.create(
        course=late, learner=learner, due_on=today - timedelta(days=1), assigned_by=supervisor
    )
    page = learner_client.get(reverse("home")).content.decode()
    assert page.index("Late") < page.index("Soon")
    assert "Overdue" in page and "Due soon" in page


def test_the_dashboard_counts_progress_as_the_team_report_does(learner, make_user, team, db):
    """The dashboard works out progress from the rows it shows; the report asks the
    database. Both must agree, whatever the learner has done."""
    course, lessons, quizzes = build(3)
    _other_course, other_lessons, other_quizzes = build(2)
    make_lesson(course, "unpublished", status=Status.DRAFT)
    lesson_progress.mark_complete(learner=learner, lesson=lessons[0])
    lesson_progress.mark_complete(learner=learner, lesson=other_lessons[1])
    lesson_progress.record_opened(learner=learner, lesson=lessons[1])
    take_quiz(learner, quizzes[0], "wrong")
    take_quiz(learner, quizzes[0], "right")
    take_quiz(learner, quizzes[1], "wrong")
    take_quiz(learner, other_quizzes[0], "right")
    services.start_attempt(learner=learner, quiz=quizzes[2])  # still open: not counted
    take_quiz(make_user("someone-else", team=team), quizzes[2], "right")
    courses = list(Course.objects.published())

    from_the_database = progress_by_learner([learner.pk], courses)[learner.pk]
    viewer = Client()
    viewer.force_login(learner)
    shown = viewer.get(reverse("home")).context["rows"]

    assert {row["progress"].course.pk: row["progress"] for row in shown} == from_the_database
    assert from_the_database[course.pk].lessons_done == 1
    assert from_the_database[course.pk].quizzes_passed == 1
    assert set(from_the_database[course.pk].best_percent) == {quizzes[0].pk, quizzes[1].pk}


@pytest.mark.parametrize("count", [2, 12])
def test_the_dashboard_uses_a_fixed_number_of_queries(
    learner_client, learner, db, count, django_assert_num_queries
):
    _course, lessons, quizzes = build(count)
    for lesson in lessons[:2]:
        lesson_progress.mark_complete(learner=learner, lesson=lesson)
    for quiz in quizzes[:2]:
        services.submit_attempt(attempt=services.start_attempt(learner=learner, quiz=quiz))
    learner_client.get(reverse("home"))
    # Session and user; the content version (the courses, lessons and quizzes are in the
    # cache under it); the learner's lesson progress, attempts, course completions,
    # assignments, mistakes to review, unread notifications. (The menu's permissions are
    # remembered from the first page; production keeps the version a second, so it is not
    # read on every page there.)
    with django_assert_num_queries(9):
        assert learner_client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize("count", [2, 12])
def test_an_unfinished_quiz_costs_the_dashboard_one_query_for_its_answers(
    learner_client, learner, db, count, django_assert_num_queries
):
    _course, _lessons, quizzes = build(count)
    for quiz in quizzes[:2]:
        services.start_attempt(learner=learner, quiz=quiz)
    learner_client.get(reverse("home"))
    # As above, and the questions of the open attempts (for "3 of 7 answered"), all at once.
    with django_assert_num_queries(10):
        page = learner_client.get(reverse("home")).content.decode()
    assert page.count("Continue:") == 2
