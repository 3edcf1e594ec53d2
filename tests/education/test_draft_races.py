"""Two requests working on the same draft at once: promoting a due draft (every learner page
may try) and starting a draft (a double click). Correctness rests on constraints and
conditional updates, not on select_for_update, which SQLite ignores."""

import threading
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.db import connection, connections, transaction
from django.db.models.query import QuerySet
from django.utils import timezone

from education import workflow
from education.models import Course, Lesson, Status, Tag
from portal.accounts.roles import sync_roles
from quizzes.models import Question, Quiz
from tests.education.factories import make_course, make_lesson
from tests.quizzes.factories import make_quiz

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")


@pytest.fixture
def roles(db):
    """The roles' permissions, which a transactional test's flush takes away."""
    sync_roles(apps)


def race(work, arguments):
    """work(*args) for each args in `arguments`, each in its own thread, all released at the
    same moment; return the results and the exceptions raised."""
    barrier = threading.Barrier(len(arguments))
    results, errors = [], []

    def run(args):
        try:
            barrier.wait()
            results.append(work(*args))
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(args,)) for args in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def make_due(draft, editor, reviewer):
    """Review and schedule the draft, then let its time come (the job has not run yet)."""
    workflow.submit_for_review(obj=draft, user=editor)
    workflow.publish(
        obj=draft,
        user=reviewer,
        reviewer=reviewer,
        reviewed_on=date(2026, 11, 26),
        publish_at=timezone.now() + timedelta(hours=1),
    )
    type(draft).objects.filter(pk=draft.pk).update(
        publish_at=timezone.now() - timedelta(seconds=1)
    )
    return type(draft).objects.get(pk=draft.pk)


@pytest.fixture
def due_drafts(editor, reviewer):
    """A course, a lesson with tags and a quiz, each with a due draft of its next version."""
    course = make_course("course")
    lesson = make_lesson(course, "live-lesson")
    old, kept, new = (Tag.objects.create(name=slug, slug=slug) for slug in ("old", "kept", "new"))
    lesson.tags.set([old, kept])
    quiz = make_quiz(make_lesson(course, "quiz-lesson"), questions=3)

    course_draft = workflow.start_draft(live=course, user=editor, values={"title": "Course v2"})
    lesson_draft = workflow.start_draft(live=lesson, user=editor, values={"title": "Lesson v2"})
    lesson_draft.tags.set([kept, new])
    quiz_draft = workflow.start_draft(live=quiz, user=editor)
    quiz_draft.questions.filter(position=1).update(stem="Reworded stem")
    return {
        live: make_due(draft, editor, reviewer)
        for live, draft in ((course, course_draft), (lesson, lesson_draft), (quiz, quiz_draft))
    }


def promotions(live):
    return live.history.filter(history_change_reason__startswith="published from draft").count()


def assert_promoted_once(course, lesson, quiz):
    course.refresh_from_db()
    lesson.refresh_from_db()
    quiz.refresh_from_db()
    assert (course.title, course.version, promotions(course)) == ("Course v2", 2, 1)
    assert (lesson.title, lesson.version, promotions(lesson)) == ("Lesson v2", 2, 1)
    assert set(lesson.tags.values_list("slug", flat=True)) == {"kept", "new"}
    assert (quiz.version, promotions(quiz)) == (2, 1)
    assert list(quiz.questions.values_list("stem", "is_active")) == [
        ("Reworded stem", True),
        ("Stem 2", True),
        ("Stem 3", True),
    ]
    assert not Course.objects.filter(draft_of__isnull=False).exists()
    assert not Lesson.objects.filter(draft_of__isnull=False).exists()
    assert not Quiz.objects.filter(draft_of__isnull=False).exists()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_requests_promoting_the_same_due_drafts_promote_them_once(roles, due_drafts):
    # Each request holds its own copy of the drafts, read before either promoted them.
    copies = [[type(d).objects.get(pk=d.pk) for d in due_drafts.values()] for _ in range(2)]

    def promote_all(*due):
        promoted = []
        for draft in due:
            with transaction.atomic():  # as publish() and publish_due_drafts() do
                promoted.append(workflow.promote(draft).pk)
        return promoted

    results, errors = race(promote_all, copies)
    assert errors == []
    assert results == [[live.pk for live in due_drafts]] * 2
    assert_promoted_once(*due_drafts)


def test_promoting_a_draft_that_was_already_promoted_changes_nothing(due_drafts):
    stale = [type(d).objects.get(pk=d.pk) for d in due_drafts.values()]
    for draft in due_drafts.values():
        workflow.promote(draft)
    assert_promoted_once(*due_drafts)
    for draft, live in zip(stale, due_drafts, strict=True):
        assert workflow.promote(draft) == live
    assert_promoted_once(*due_drafts)


def test_a_due_draft_already_promoted_by_another_request_is_skipped_by_the_job(
    due_drafts,
):
    for draft in due_drafts.values():
        workflow.promote(type(draft).objects.get(pk=draft.pk))
    assert workflow.publish_due_drafts() == []
    assert_promoted_once(*due_drafts)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_clicks_on_start_a_new_draft_make_one_draft(roles, editor):
    course = make_course("course")
    lesson = make_lesson(course, "live-lesson")
    quiz = make_quiz(make_lesson(course, "quiz-lesson"), questions=2)
    for live, start in (
        (course, lambda: workflow.start_draft(live=course, user=editor).pk),
        (lesson, lambda: workflow.start_draft(live=lesson, user=editor).pk),
        (quiz, lambda: workflow.start_draft(live=quiz, user=editor).pk),
    ):
        results, errors = race(start, [()] * 6)
        assert errors == []
        assert len(set(results)) == 1
        assert type(live).objects.filter(draft_of=live).count() == 1
    assert Question.objects.filter(quiz__draft_of=quiz).count() == 2


@pytest.fixture
def other_click_first(monkeypatch):
    """The other click's draft lands between this click's look-up and its insert: the
    look-up misses it (as it would on PostgreSQL before the other click commits)."""
    missed = []
    real_first = QuerySet.first

    def first(queryset):
        if not missed and queryset.model in (Course, Lesson, Quiz):
            missed.append(queryset.model)
            return None
        return real_first(queryset)

    monkeypatch.setattr(QuerySet, "first", first)
    return missed


@pytest.mark.parametrize("model", [Course, Lesson])
def test_a_second_click_on_start_a_new_draft_gets_the_first_clicks_draft(request, editor, model):
    course = make_course("course")
    live = course if model is Course else make_lesson(course, "live-lesson")
    draft = workflow.start_draft(live=live, user=editor)
    missed = request.getfixturevalue("other_click_first")
    assert workflow.start_draft(live=live, user=editor) == draft
    assert missed == [model]
    assert model.objects.filter(draft_of=live).count() == 1


def test_a_second_click_on_start_a_new_quiz_draft_gets_the_first_clicks_draft(request, editor):
    quiz = make_quiz(questions=2)
    draft = workflow.start_draft(live=quiz, user=editor)
    missed = request.getfixturevalue("other_click_first")
    assert workflow.start_draft(live=quiz, user=editor) == draft
    assert missed == [Quiz]
    assert Quiz.objects.filter(draft_of=quiz).count() == 1
    assert draft.questions.count() == 2


@pytest.mark.parametrize("status", [Status.DRAFT, Status.IN_REVIEW, Status.ARCHIVED])
def test_only_a_published_course_or_lesson_gets_a_new_draft(editor, status):
    course = make_course("course", status=status)
    lesson = make_lesson(make_course("other"), "lesson", status=status)
    for live in (course, lesson):
        with pytest.raises(workflow.WorkflowError, match="only a published one"):
            workflow.start_draft(live=live, user=editor)
        assert not type(live).objects.filter(draft_of=live).exists()


def test_a_draft_never_gets_a_draft_of_its_own(editor):
    course = make_course("course")
    draft = workflow.start_draft(live=course, user=editor)
    Course.objects.filter(pk=draft.pk).update(status=Status.PUBLISHED)  # scheduled, say
    draft.refresh_from_db()
    with pytest.raises(workflow.WorkflowError, match="already a draft"):
        workflow.start_draft(live=draft, user=editor)
    assert not Course.objects.filter(draft_of=draft).exists()
