"""A course draft (`Course.draft_of`) is editorial work in progress: it never reaches a
learner page, a progress total, a report, the curriculum loader or a content pack, even in
the moment between its scheduled time and its promotion."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from education import reading, workflow
from education.models import Course, Lesson
from portal.content_transfer.content_pack import export_pack, import_pack
from portal.progress.queries import progress_by_learner
from tests.education.factories import make_course, make_lesson

NEXT_TITLE = "Next Course Version"


@pytest.fixture
def course(db):
    return make_course("course")


@pytest.fixture
def lesson(course):
    return make_lesson(course, "live-lesson")


@pytest.fixture
def due_draft(course, editor, reviewer):
    """A reviewed draft whose scheduled time has just come, not yet put live by the job."""
    draft = workflow.start_draft(live=course, user=editor)
    draft.title = NEXT_TITLE
    draft.save()
    workflow.submit_for_review(obj=draft, user=editor)
    workflow.publish(
        obj=draft,
        user=reviewer,
        reviewer=reviewer,
        reviewed_on=date(2026, 11, 26),
        publish_at=timezone.now() + timedelta(hours=1),
    )
    Course.objects.filter(pk=draft.pk).update(publish_at=timezone.now() - timedelta(seconds=1))
    return draft


def test_a_due_course_draft_never_doubles_a_course_in_progress_totals(
    learner, course, lesson, due_draft
):
    reading.mark_complete(learner=learner, lesson=lesson)
    by_course = progress_by_learner([learner.pk], Course.objects.published())[learner.pk]
    assert list(by_course) == [course.pk]
    assert (by_course[course.pk].lessons_total, by_course[course.pk].percent) == (1, 100)


def test_the_team_report_and_its_csv_show_only_the_live_course(
    client, supervisor, learner, course, lesson, due_draft
):
    client.force_login(supervisor)
    for url in (reverse("progress:team-report"), reverse("progress:team-export")):
        response = client.get(url)
        text = b"".join(response.streaming_content) if response.streaming else response.content
        assert course.title in text.decode()
        assert NEXT_TITLE not in text.decode(), url


def test_learner_pages_show_the_new_course_text_once_the_job_has_published_it(
    learner_client, course, lesson, due_draft
):
    Course.objects.filter(pk=course.pk).update(title="Current Course Version")
    urls = (reverse("education:lesson-index"), reverse("home"))
    for url in urls:  # due, but pages never publish: one link to the live course
        page = learner_client.get(url).content.decode()
        assert page.count(">Current Course Version</a>") == 1, url
        assert NEXT_TITLE not in page, url
    call_command("publish_due_drafts")
    for url in urls:
        page = learner_client.get(url).content.decode()
        assert page.count(f">{NEXT_TITLE}</a>") == 1, url  # one link to one course
        assert "Current Course Version" not in page, url
    assert Course.objects.filter(slug=course.slug).count() == 1


def test_the_curriculum_loader_updates_live_courses_and_leaves_their_drafts_alone(
    db, editor, capsys
):
    call_command("load_curriculum")
    live = Course.objects.get(slug="mbc-foundations")
    draft = workflow.start_draft(live=live, user=editor)
    capsys.readouterr()
    call_command("load_curriculum")
    assert "0 created, 0 updated, 28 unchanged, 0 skipped" in capsys.readouterr().out
    assert set(Lesson.objects.values_list("course", flat=True)) <= set(
        Course.objects.filter(draft_of__isnull=True).values_list("pk", flat=True)
    )
    assert Course.objects.get(pk=draft.pk).draft_of == live


def test_a_content_pack_leaves_course_drafts_behind_and_imports_onto_the_live_course(
    course, lesson, editor
):
    draft = workflow.start_draft(live=course, user=editor)
    Course.objects.filter(pk=draft.pk).update(title=NEXT_TITLE)
    pack = export_pack()
    assert [c["title"] for c in pack["courses"]] == [course.title]

    new_lesson = {**pack["lessons"][0], "slug": "imported-lesson"}
    import_pack({**pack, "courses": [], "lessons": [new_lesson], "quizzes": []})
    assert Lesson.objects.get(slug="imported-lesson").course == course
