from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from education import progress as lesson_progress
from portal.progress.models import Assignment
from quizzes import services
from tests.education.factories import make_course, make_lesson
from tests.quizzes.factories import choice_id, make_quiz


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
    assert 'role="img" aria-label="#1: 50%"' in page  # the score chart's text alternative
    assert "Review my mistakes" in page
    assert "Secret rationale 2" in page
    assert "Secret rationale 1" not in page


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


@pytest.mark.parametrize("count", [2, 12])
def test_the_dashboard_uses_a_fixed_number_of_queries(
    learner_client, learner, db, count, django_assert_max_num_queries
):
    _course, lessons, quizzes = build(count)
    for lesson in lessons[:2]:
        lesson_progress.mark_complete(learner=learner, lesson=lesson)
    for quiz in quizzes[:2]:
        services.submit_attempt(attempt=services.start_attempt(learner=learner, quiz=quiz))
    with django_assert_max_num_queries(17):
        assert learner_client.get(reverse("home")).status_code == 200
