from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from education import workflow
from education.models import (
    Course,
    Lesson,
    LessonProgress,
    ProblemReport,
    Status,
    WorkflowEvent,
)
from education.problem_reports import file_report
from tests.education.factories import make_course, make_lesson


@pytest.fixture
def course(db):
    return make_course("course")


@pytest.fixture
def draft(course):
    return make_lesson(course, "new-lesson", status=Status.DRAFT, body="First text.")


def transition_url(lesson, name):
    return reverse("admin:education_lesson_transition", args=[lesson.pk, name])


def change_form(lesson, **changes):
    data = {
        "course": lesson.course_id,
        "title": lesson.title,
        "slug": lesson.slug,
        "position": lesson.position,
        "summary": lesson.summary,
        "objectives": lesson.objectives,
        "body": lesson.body,
        "key_points": lesson.key_points,
        "references": lesson.references,
        "estimated_minutes": lesson.estimated_minutes,
        "seen_version": lesson.version,
    }
    return {**data, **changes}


def test_an_editor_submits_from_the_admin_and_cannot_publish(client, editor, draft):
    client.force_login(editor)
    response = client.post(transition_url(draft, "submit"), {"comment": ""})
    assert response.status_code == 302
    assert Lesson.objects.get(pk=draft.pk).status == Status.IN_REVIEW
    assert (
        client.post(
            transition_url(draft, "publish"), {"reviewer": editor.pk, "reviewed_on": "2026-11-26"}
        ).status_code
        == 403
    )
    assert Lesson.objects.get(pk=draft.pk).status == Status.IN_REVIEW


def test_a_reviewer_publishes_from_the_admin_with_the_sign_off_form(
    client, editor, reviewer, draft
):
    workflow.submit_for_review(obj=draft, user=editor)
    client.force_login(reviewer)
    page = client.get(transition_url(draft, "publish"), follow=True).content.decode()
    assert "Clinical reviewer" in page and "Next review due" in page
    client.post(
        transition_url(draft, "publish"), {"reviewer": reviewer.pk, "reviewed_on": "2026-11-26"}
    )
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED
    assert draft.clinical_reviewer == reviewer


def test_the_publish_form_refuses_a_missing_review_date(client, editor, reviewer, draft):
    workflow.submit_for_review(obj=draft, user=editor)
    client.force_login(reviewer)
    response = client.post(transition_url(draft, "publish"), {"reviewer": reviewer.pk})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert Lesson.objects.get(pk=draft.pk).status == Status.IN_REVIEW


def test_the_second_of_two_concurrent_edits_is_refused(client, editor, reviewer, draft):
    url = reverse("admin:education_lesson_change", args=[draft.pk])
    opened = change_form(draft)
    client.force_login(reviewer)
    assert client.post(url, change_form(draft, body="Reviewer's edit.")).status_code == 302
    client.force_login(editor)
    response = client.post(url, {**opened, "body": "Editor's edit."})
    assert response.status_code == 200
    assert "Changed by Dr Ana Rivera at" in response.content.decode()
    assert Lesson.objects.get(pk=draft.pk).body == "Reviewer's edit."


def test_a_live_lesson_cannot_be_edited_in_place(client, editor, course):
    live = make_lesson(course, "live", body="Live text.")
    client.force_login(editor)
    client.post(
        reverse("admin:education_lesson_change", args=[live.pk]), change_form(live, body="Sneaky.")
    )
    assert Lesson.objects.get(pk=live.pk).body == "Live text."
    response = client.post(reverse("admin:education_lesson_new_draft", args=[live.pk]))
    new = Lesson.objects.get(draft_of=live)
    assert response.url == reverse("admin:education_lesson_change", args=[new.pk])


def course_form(course, **changes):
    data = {
        "title": course.title,
        "slug": course.slug,
        "position": course.position,
        "summary": course.summary,
        "audience": course.audience,
        "objectives": course.objectives,
        "seen_version": course.version,
    }
    return {**data, **changes}


def test_a_published_course_is_read_only_and_offers_a_new_draft(client, editor, course):
    url = reverse("admin:education_course_change", args=[course.pk])
    client.force_login(editor)
    page = client.get(url).content.decode()
    assert "Edit (starts a draft)" in page and 'name="summary"' not in page
    client.post(url, course_form(course, summary="Sneaky."))
    assert Course.objects.get(pk=course.pk).summary == ""

    response = client.post(reverse("admin:education_course_new_draft", args=[course.pk]))
    draft = Course.objects.get(draft_of=course)
    assert response.url == reverse("admin:education_course_change", args=[draft.pk])
    page = client.get(response.url).content.decode()
    assert 'name="summary"' in page and 'name="slug"' not in page
    assert "Edit (starts a draft)" not in page


def test_a_course_draft_is_edited_reviewed_and_published_from_the_admin(
    client, editor, reviewer, course
):
    draft = workflow.start_draft(live=course, user=editor)
    client.force_login(editor)
    change_url = reverse("admin:education_course_change", args=[draft.pk])
    assert client.post(change_url, course_form(draft, summary="Revised.")).status_code == 302
    client.post(
        reverse("admin:education_course_transition", args=[draft.pk, "submit"]), {"comment": ""}
    )
    assert Course.objects.get(pk=draft.pk).status == Status.IN_REVIEW
    publish_url = reverse("admin:education_course_transition", args=[draft.pk, "publish"])
    sign_off = {"reviewer": reviewer.pk, "reviewed_on": "2026-11-26"}
    assert client.post(publish_url, sign_off).status_code == 403
    assert Course.objects.get(pk=course.pk).summary == ""

    client.force_login(reviewer)
    response = client.post(publish_url, sign_off)
    assert response.url == reverse("admin:education_course_change", args=[course.pk])
    course.refresh_from_db()
    assert (course.summary, course.clinical_reviewer, course.version) == ("Revised.", reviewer, 2)
    assert not Course.objects.filter(draft_of=course).exists()


def test_the_course_list_tells_drafts_apart_and_lessons_cannot_join_a_draft(
    client, editor, course
):
    draft = workflow.start_draft(live=course, user=editor)
    Course.objects.filter(pk=draft.pk).update(title="Next Course Version")
    client.force_login(editor)
    changelist = reverse("admin:education_course_changelist")
    page = client.get(changelist).content.decode()
    assert "new version of a live course" in page.lower()
    drafts_only = client.get(changelist, {"draft_of__isempty": "0"}).content.decode()
    assert "Next Course Version" in drafts_only
    assert reverse("admin:education_course_change", args=[course.pk]) not in drafts_only
    lesson_form = client.get(reverse("admin:education_lesson_add")).content.decode()
    assert f'value="{course.pk}"' in lesson_form
    assert "Next Course Version" not in lesson_form


def test_a_lesson_put_in_a_course_draft_is_refused_with_the_reason(client, editor, course):
    # Publishing the course draft deletes it, which the lesson's protected key would block.
    draft = workflow.start_draft(live=course, user=editor)
    client.force_login(editor)
    add_url = reverse("admin:education_lesson_add")
    lesson = Lesson(
        course=draft, title="New Lesson", slug="new-lesson", body="Text.", estimated_minutes=5
    )

    response = client.post(add_url, change_form(lesson))

    assert response.status_code == 200
    assert (
        "That is an unpublished new version of “Course”: publishing it replaces the published "
        "one, so nothing can be attached to it. Choose the published “Course” instead."
    ) in response.content.decode()
    assert not Lesson.objects.filter(slug="new-lesson").exists()
    lesson.course = course
    assert client.post(add_url, change_form(lesson)).status_code == 302
    assert Lesson.objects.get(slug="new-lesson").course == course


def test_the_preview_shows_the_draft_and_records_nothing(client, editor, draft):
    client.force_login(editor)
    page = client.get(reverse("admin:education_lesson_preview", args=[draft.pk])).content.decode()
    assert "First text." in page and "Preview" in page
    assert not LessonProgress.objects.exists()


def test_the_preview_leads_back_to_editing_the_same_lesson(client, editor, draft):
    client.force_login(editor)
    page = client.get(reverse("admin:education_lesson_preview", args=[draft.pk])).content.decode()
    editing = reverse("admin:education_lesson_change", args=[draft.pk])
    assert f'href="{editing}">Back to editing</a>' in page


@pytest.mark.parametrize("seen_version", [None, "abc"])
def test_a_save_without_a_sound_version_is_refused_and_changes_nothing(
    client, editor, reviewer, draft, seen_version
):
    url = reverse("admin:education_lesson_change", args=[draft.pk])
    client.force_login(reviewer)
    assert client.post(url, change_form(draft, body="Reviewer's edit.")).status_code == 302
    client.force_login(editor)
    stale = change_form(draft, body="Editor's stale edit.")
    if seen_version is None:
        del stale["seen_version"]
    else:
        stale["seen_version"] = seen_version
    response = client.post(url, stale)
    assert response.status_code == 200
    assert Lesson.objects.get(pk=draft.pk).body == "Reviewer's edit."


def test_the_versions_page_shows_changes_and_restores_as_a_draft(client, editor, draft):
    draft.body = "Second text."
    draft.save()
    client.force_login(editor)
    url = reverse("admin:education_lesson_versions", args=[draft.pk])
    page = client.get(url).content.decode()
    assert "<del>First</del>" in page and "<ins>Second</ins>" in page
    assert "No visible change" not in page
    oldest = draft.history.order_by("history_id").first()
    client.post(url, {"history_id": oldest.history_id})
    assert Lesson.objects.get(pk=draft.pk).body == "First text."
    assert draft.history.count() == 3


def test_the_audit_log_cannot_be_changed_or_deleted_even_by_a_superuser(
    admin_client, editor, draft
):
    workflow.submit_for_review(obj=draft, user=editor)
    event = WorkflowEvent.objects.get()
    assert admin_client.get(reverse("admin:education_workflowevent_changelist")).status_code == 200
    assert (
        admin_client.post(
            reverse("admin:education_workflowevent_delete", args=[event.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    admin_client.post(
        reverse("admin:education_workflowevent_change", args=[event.pk]), {"comment": "x"}
    )
    assert WorkflowEvent.objects.get().comment == ""
    assert admin_client.get(reverse("admin:education_workflowevent_add")).status_code == 403


def test_resolving_a_problem_report_needs_a_note(client, editor, learner, draft):
    report = file_report(reporter=learner, obj=draft, version_seen="history #1", text="Typo")
    client.force_login(editor)
    url = reverse("admin:education_problemreport_change", args=[report.pk])
    response = client.post(url, {"status": "resolved", "resolution": ""})
    assert "Say how it was resolved" in response.content.decode()
    client.post(url, {"status": "resolved", "resolution": "Fixed the typo."})
    report.refresh_from_db()
    assert (report.status, report.resolved_by) == ("resolved", editor)
    assert ProblemReport.objects.count() == 1


def test_the_editorial_queue_lists_what_needs_attention(
    client, editor, reviewer, learner, draft, course
):
    from datetime import timedelta

    from django.utils import timezone

    workflow.submit_for_review(obj=draft, user=editor)
    due = make_lesson(course, "due-soon")
    Lesson.objects.filter(pk=due.pk).update(
        reviewed_on=timezone.localdate() - timedelta(days=360),
        next_review_due=timezone.localdate() + timedelta(days=5),
    )
    file_report(reporter=learner, obj=due, version_seen="history #1", text="Ambiguous wording")
    client.force_login(editor)
    page = client.get(reverse("progress:editorial")).content.decode()
    assert "New Lesson" in page
    assert "Due Soon" in page
    assert "Ambiguous wording" in page
    client.force_login(learner)
    assert client.get(reverse("progress:editorial")).status_code == 403


@pytest.mark.parametrize(
    "status", [Status.DRAFT, Status.IN_REVIEW, Status.PUBLISHED, Status.ARCHIVED]
)
def test_every_governed_change_page_opens_for_editors_and_reviewers(
    client, editor, reviewer, course, status
):
    from tests.quizzes.factories import make_quiz

    lesson = make_lesson(course, f"lesson-{status}", status=status)
    quiz = make_quiz(lesson, slug=f"quiz-{status}", status=status)
    course.status = status
    course.save()
    pages = [
        reverse("admin:education_lesson_change", args=[lesson.pk]),
        reverse("admin:education_course_change", args=[course.pk]),
        reverse("admin:quizzes_quiz_change", args=[quiz.pk]),
        reverse("admin:quizzes_question_change", args=[quiz.questions.first().pk]),
        reverse("admin:education_lesson_versions", args=[lesson.pk]),
        reverse("admin:quizzes_quiz_versions", args=[quiz.pk]),
        reverse("admin:education_lesson_preview", args=[lesson.pk]),
        reverse("admin:education_lesson_changelist"),
        reverse("admin:quizzes_quiz_changelist"),
        reverse("admin:education_problemreport_changelist"),
    ]
    for user in (editor, reviewer):
        client.force_login(user)
        for url in pages:
            assert client.get(url).status_code == 200, (user, url)


def test_the_markdown_preview_renders_and_sanitises_as_saving_would(client, editor, learner, db):
    url = reverse("admin:education_lesson_markdown_preview")
    client.force_login(editor)
    response = client.post(url, {"text": "## Bone\n\n<script>alert(1)</script> **bold**"})
    html = response.content.decode()
    assert '<h2 id="bone">Bone</h2>' in html and "<strong>bold</strong>" in html
    assert "<script>" not in html
    client.force_login(learner)
    assert client.post(url, {"text": "x"}).status_code == 302


def test_a_slug_clash_is_explained_in_words_in_the_admin(client, editor, course, draft):
    client.force_login(editor)
    forms = (
        ("admin:education_course_add", course_form(course, title="Another course")),
        ("admin:education_lesson_add", change_form(draft, title="Another lesson")),
    )
    for url_name, data in forms:
        response = client.post(reverse(url_name), {**data, "seen_version": 1})
        page = response.content.decode()
        assert response.status_code == 200, url_name
        noun = "course" if "course_add" in url_name else "lesson"
        assert f"A {noun} with this address already exists." in page
        assert "is violated" not in page
    assert Course.objects.count() == 1
    assert Lesson.objects.count() == 1


def test_a_new_version_signed_off_for_later_cannot_be_edited(client, editor, reviewer, course):
    live = make_lesson(course, "scheduled-lesson", body="Live text.")
    new = workflow.start_draft(live=live, user=editor)
    workflow.submit_for_review(obj=new, user=editor)
    workflow.publish(
        obj=new,
        user=reviewer,
        reviewer=reviewer,
        reviewed_on=timezone.localdate(),
        publish_at=timezone.now() + timedelta(days=1),
    )
    client.force_login(editor)
    url = reverse("admin:education_lesson_change", args=[new.pk])
    assert 'name="body"' not in client.get(url).content.decode()
    client.post(url, change_form(new, body="Changed after sign-off."))
    assert Lesson.objects.get(pk=new.pk).body == "Live text."


def test_an_old_version_of_a_live_course_is_restored_into_its_draft(client, editor, course):
    old_title = course.title
    course.title = "Renamed course"
    course.save()
    client.force_login(editor)
    url = reverse("admin:education_course_versions", args=[course.pk])
    assert "Restore" in client.get(url).content.decode()
    oldest = course.history.order_by("history_id").first()
    client.post(url, {"history_id": oldest.history_id})
    assert Course.objects.get(draft_of=course).title == old_title
    assert Course.objects.get(pk=course.pk).title == "Renamed course"
