"""A lesson completed, or a quiz passed, before its material change is not done until done
again: in course progress (dashboard and report alike), the completion rule and the
learner's pages. A completion already recorded stays."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from education import reading
from education.models import Course
from portal.progress.models import CourseCompletion
from portal.progress.queries import progress_by_learner
from portal.progress.rows import RowStatus, report_rows
from portal.progress.services import record_completion_if_complete
from tests.education.factories import make_course, make_lesson
from tests.quizzes.factories import make_quiz, take_quiz


@pytest.fixture
def course(db):
    course = make_course("course", title="Foundations")
    make_lesson(course, "one", position=1, title="Lesson One")
    make_lesson(course, "two", position=2, title="Lesson Two")
    return course


def lessons_of(course):
    return list(course.lessons.order_by("position"))


def change_materially(item):
    item.material_change_at = timezone.now()
    item.save(update_fields=["material_change_at"])


def dashboard_progress(learner):
    viewer = Client()
    viewer.force_login(learner)
    response = viewer.get(reverse("home"))
    return {row["progress"].course.pk: row["progress"] for row in response.context["rows"]}


def database_progress(learner):
    return progress_by_learner([learner.pk], list(Course.objects.published()))[learner.pk]


def test_a_lesson_completed_before_its_change_is_to_review_until_re_read(learner, course):
    one, two = lessons_of(course)
    reading.mark_complete(learner=learner, lesson=one)
    reading.mark_complete(learner=learner, lesson=two)
    change_materially(one)
    for progress in (database_progress(learner), dashboard_progress(learner)):
        assert (progress[course.pk].lessons_done, progress[course.pk].to_review) == (1, 1)
        assert progress[course.pk].percent == 50
    assert dashboard_progress(learner) == database_progress(learner)
    one.refresh_from_db()
    reading.mark_reviewed_after_update(learner=learner, lesson=one)
    for progress in (database_progress(learner), dashboard_progress(learner)):
        assert (progress[course.pk].lessons_done, progress[course.pk].to_review) == (2, 0)


def test_a_pass_before_the_quiz_changed_counts_only_once_passed_again(learner, course):
    one, _two = lessons_of(course)
    quiz = make_quiz(one, slug="bones", questions=2)
    take_quiz(learner, quiz, "right")
    change_materially(quiz)
    take_quiz(learner, quiz, "wrong")  # after the change, but not a pass
    for progress in (database_progress(learner), dashboard_progress(learner)):
        assert progress[course.pk].quizzes_passed == 0
        assert progress[course.pk].to_retake == {quiz.pk}
        assert progress[course.pk].best_percent == {quiz.pk: 100}  # scores are history
    assert dashboard_progress(learner) == database_progress(learner)
    take_quiz(learner, quiz, "right")
    for progress in (database_progress(learner), dashboard_progress(learner)):
        assert (progress[course.pk].quizzes_passed, progress[course.pk].to_retake) == (1, set())


def test_the_course_is_not_completed_while_a_changed_lesson_awaits_its_re_read(
    learner, course, django_capture_on_commit_callbacks
):
    one, two = lessons_of(course)
    with django_capture_on_commit_callbacks(execute=True):
        reading.mark_complete(learner=learner, lesson=one)
    change_materially(one)
    with django_capture_on_commit_callbacks(execute=True):
        reading.mark_complete(learner=learner, lesson=two)
    assert not CourseCompletion.objects.exists()
    assert record_completion_if_complete(learner=learner, course=course) is False
    one.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        reading.mark_reviewed_after_update(learner=learner, lesson=one)
    assert CourseCompletion.objects.get().learner == learner  # the re-read completed it


def test_a_recorded_completion_stays_and_the_report_says_needs_review(
    learner, supervisor, course, django_capture_on_commit_callbacks
):
    one, two = lessons_of(course)
    with django_capture_on_commit_callbacks(execute=True):
        for lesson in (one, two):
            reading.mark_complete(learner=learner, lesson=lesson)
    completion = CourseCompletion.objects.get()
    change_materially(two)
    assert record_completion_if_complete(learner=learner, course=course) is False
    assert list(CourseCompletion.objects.all()) == [completion]  # history: it stays
    [row] = report_rows([learner], [course], timezone.localdate())
    assert (row.status, row.status_label, row.progress.percent) == (
        RowStatus.NEEDS_REVIEW,
        "Needs review",
        50,
    )
    assert row.badge == "text-bg-warning"
    viewer = Client()
    viewer.force_login(learner)
    page = viewer.get(reverse("home")).content.decode()
    assert "Needs review" in page and "has changed materially" in page
    assert f'href="{two.get_absolute_url()}">Review: Lesson Two' in page
    two.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        reading.mark_reviewed_after_update(learner=learner, lesson=two)
    [row] = report_rows([learner], [course], timezone.localdate())
    assert (row.status, row.progress.percent) == (RowStatus.COMPLETED, 100)
    assert list(CourseCompletion.objects.all()) == [completion]  # no second completion


def test_the_learner_is_told_to_pass_a_changed_quiz_again(learner_client, learner, course):
    one, _two = lessons_of(course)
    quiz = make_quiz(one, slug="bones", title="Bones Quiz", questions=2)
    take_quiz(learner, quiz, "right")
    page = learner_client.get(reverse("home")).content.decode()
    assert "pass it again" not in page
    change_materially(quiz)
    page = learner_client.get(reverse("home")).content.decode()
    assert "Updated: please review" in page and "pass it again" in page
    detail = learner_client.get(reverse("quizzes:quiz", args=[quiz.slug])).content.decode()
    assert "Your pass of" in detail and "no longer counts" in detail
    listing = learner_client.get(reverse("quizzes:quiz-list")).content.decode()
    assert "Updated: pass it again" in listing
    take_quiz(learner, quiz, "right")
    assert "pass it again" not in learner_client.get(reverse("home")).content.decode()
    detail = learner_client.get(reverse("quizzes:quiz", args=[quiz.slug])).content.decode()
    assert "no longer counts" not in detail
    listing = learner_client.get(reverse("quizzes:quiz-list")).content.decode()
    assert "Updated: pass it again" not in listing


def test_supervisors_see_the_first_completion_of_those_who_re_read(
    client, supervisor, learner, course
):
    one, _two = lessons_of(course)
    reading.mark_complete(learner=learner, lesson=one)
    long_ago = timezone.now() - timedelta(days=60)
    one.progress.update(completed_at=long_ago, first_completed_at=long_ago)
    change_materially(one)
    client.force_login(supervisor)
    rereads = reverse("progress:lesson-rereads", args=[one.slug])
    first = f"first completed {timezone.localdate(long_ago):%-d %b %Y}"
    page = client.get(rereads).content.decode()
    pending = page[page.index("Not yet re-read") : page.index("Re-read (")]
    assert "Nina Nurse" in pending and first in pending
    detail = client.get(reverse("progress:learner-detail", args=[learner.pk])).content.decode()
    assert "Needs review" in detail
    one.refresh_from_db()
    reading.mark_reviewed_after_update(learner=learner, lesson=one)
    page = client.get(rereads).content.decode()
    done = page[page.index("Re-read (") :]
    assert "Nina Nurse" in done and f"{first}, re-read {timezone.localdate():%-d %b %Y}" in done
    detail = client.get(reverse("progress:learner-detail", args=[learner.pk])).content.decode()
    assert f"(first completed {timezone.localdate(long_ago):%-d %b %Y})" in detail


@pytest.mark.parametrize("size", [3, 30])
def test_the_report_of_changed_lessons_and_quizzes_uses_a_fixed_number_of_queries(
    client, supervisor, make_user, team, course, size, django_assert_num_queries
):
    one, _two = lessons_of(course)
    quiz = make_quiz(one, slug="bones", questions=1)
    for n in range(size):
        person = make_user(f"l{n}", team=team)
        reading.mark_complete(learner=person, lesson=one)
        take_quiz(person, quiz, "right")
    change_materially(one)
    change_materially(quiz)
    client.force_login(supervisor)
    client.get(reverse("progress:team-report"))
    with django_assert_num_queries(14):  # as test_team_report's, with the quiz's scores
        page = client.get(reverse("progress:team-report"), {"status": "needs_review"})
    assert len(page.context["rows"]) == size
