"""A material change: the learner's first completion date is kept when they re-read, and
the publish form asks about it for lessons and quizzes, not courses."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from education import reading, workflow
from education.models import LessonProgress
from quizzes.models import Quiz
from tests.education.factories import make_course, make_lesson
from tests.quizzes.factories import make_quiz

TODAY = date(2026, 11, 26)


@pytest.fixture
def lesson(db):
    return make_lesson(make_course("course"), "changing", title="Changing Lesson")


def row(learner, lesson):
    return LessonProgress.objects.get(learner=learner, lesson=lesson)


def change_materially(lesson, when=None):
    lesson.material_change_at = when or timezone.now()
    lesson.save(update_fields=["material_change_at"])


def test_the_first_completion_is_kept_when_the_learner_re_reads(learner, lesson):
    reading.mark_complete(learner=learner, lesson=lesson)
    first = row(learner, lesson)
    assert first.first_completed_at == first.completed_at is not None
    change_materially(lesson)
    reading.mark_reviewed_after_update(learner=learner, lesson=lesson)
    again = row(learner, lesson)
    assert again.completed_at > lesson.material_change_at > first.completed_at
    assert again.first_completed_at == first.completed_at


def test_re_reading_before_any_change_or_twice_changes_nothing(learner, lesson):
    reading.mark_complete(learner=learner, lesson=lesson)
    change_materially(lesson, timezone.now() - timedelta(days=1))  # before the completion
    reading.mark_reviewed_after_update(learner=learner, lesson=lesson)
    reading.mark_complete(learner=learner, lesson=lesson)
    kept = row(learner, lesson)
    assert kept.completed_at == kept.first_completed_at


def test_completing_again_after_unmarking_keeps_the_first_date(learner, lesson):
    reading.mark_complete(learner=learner, lesson=lesson)
    first = row(learner, lesson).completed_at
    reading.mark_incomplete(learner=learner, lesson=lesson)
    reading.mark_complete(learner=learner, lesson=lesson)
    again = row(learner, lesson)
    assert again.completed_at > first and again.first_completed_at == first


def test_the_lesson_page_asks_for_a_review_then_shows_the_first_completion(
    learner_client, learner, lesson
):
    reading.mark_complete(learner=learner, lesson=lesson)
    LessonProgress.objects.filter(learner=learner).update(
        completed_at=timezone.now() - timedelta(days=40),
        first_completed_at=timezone.now() - timedelta(days=40),
    )
    change_materially(lesson)
    url = reverse("education:lesson", args=[lesson.slug])
    page = learner_client.get(url).content.decode()
    assert "please review this lesson again" in page
    course_page = learner_client.get(reverse("education:course", args=["course"]))
    assert course_page.context["completed"] == 0  # to re-read: not done
    assert "Needs review" in course_page.content.decode()
    learner_client.post(
        reverse("education:lesson-completion", args=[lesson.slug]), {"completed": "reviewed"}
    )
    page = learner_client.get(url).content.decode()
    first = timezone.localdate(row(learner, lesson).first_completed_at)
    assert f"You first completed it on {first:%-d %B %Y}." in page
    assert (
        learner_client.get(reverse("education:course", args=["course"])).context["completed"] == 1
    )


def test_publishing_a_quiz_with_a_material_change_stamps_the_live_quiz(editor, reviewer, db):
    quiz = make_quiz(questions=1)
    draft = workflow.start_draft(live=quiz, user=editor)
    workflow.submit_for_review(obj=draft, user=editor)
    before = timezone.now()
    live = workflow.publish(
        obj=draft, user=reviewer, reviewer=reviewer, reviewed_on=TODAY, material_change=True
    )
    assert live.pk == quiz.pk
    assert Quiz.objects.get(pk=quiz.pk).material_change_at >= before
    plain = workflow.start_draft(live=live, user=editor)
    workflow.submit_for_review(obj=plain, user=editor)
    stamped = Quiz.objects.get(pk=quiz.pk).material_change_at
    workflow.publish(obj=plain, user=reviewer, reviewer=reviewer, reviewed_on=TODAY)
    assert Quiz.objects.get(pk=quiz.pk).material_change_at == stamped  # not a material one


def test_the_publish_form_offers_the_tick_box_for_quizzes_not_courses(
    client, editor, reviewer, db
):
    quiz = make_quiz(questions=1)
    draft = workflow.start_draft(live=quiz, user=editor)
    workflow.submit_for_review(obj=draft, user=editor)
    course_draft = workflow.start_draft(live=make_course("other"), user=editor)
    workflow.submit_for_review(obj=course_draft, user=editor)
    client.force_login(reviewer)
    quiz_url = reverse("admin:quizzes_quiz_transition", args=[draft.pk, "publish"])
    course_url = reverse("admin:education_course_transition", args=[course_draft.pk, "publish"])
    assert 'name="material_change"' in client.get(quiz_url, follow=True).content.decode()
    assert 'name="material_change"' not in client.get(course_url, follow=True).content.decode()
    client.post(
        quiz_url, {"reviewer": reviewer.pk, "reviewed_on": "2026-11-26", "material_change": "on"}
    )
    assert Quiz.objects.get(pk=quiz.pk).material_change_at is not None
    assert not Quiz.objects.filter(draft_of=quiz).exists()


@pytest.mark.django_db(transaction=True)
def test_the_migration_copies_each_completion_as_the_first(learner):
    lesson = make_lesson(make_course("course"), "old")
    reading.mark_complete(learner=learner, lesson=lesson)
    completed = row(learner, lesson).completed_at
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate([("education", "0012_course_valid_for_months")])
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)
    assert row(learner, lesson).first_completed_at == completed
