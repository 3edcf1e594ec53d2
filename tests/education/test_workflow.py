from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from education import reading, workflow
from education.models import (
    Course,
    Lesson,
    LessonProgress,
    ProblemReport,
    Status,
    WorkflowAction,
    WorkflowEvent,
)
from tests.education.factories import make_course, make_lesson

TODAY = date(2026, 11, 26)


@pytest.fixture
def course(db):
    return make_course("course")


@pytest.fixture
def draft(course):
    return make_lesson(course, "new-lesson", status=Status.DRAFT, body="First text.")


@pytest.fixture
def live(course):
    return make_lesson(course, "live-lesson", body="Live text.")


def publish(obj, reviewer, **kwargs):
    return workflow.publish(obj=obj, user=reviewer, reviewer=reviewer, reviewed_on=TODAY, **kwargs)


def lesson_page(client, lesson):
    return client.get(reverse("education:lesson", args=[lesson.slug]))


def course_page(client, course):
    return client.get(reverse("education:course", args=[course.slug])).content.decode()


def course_draft(course, editor, **changes):
    draft = workflow.start_draft(live=course, user=editor)
    for name, value in changes.items():
        setattr(draft, name, value)
    draft.save()
    return draft


def test_an_editor_submits_and_a_reviewer_publishes_with_sign_off(editor, reviewer, draft):
    workflow.submit_for_review(obj=draft, user=editor)
    assert draft.status == Status.IN_REVIEW
    publish(draft, reviewer)
    draft.refresh_from_db()
    assert (draft.status, draft.clinical_reviewer, draft.reviewed_on) == (
        Status.PUBLISHED,
        reviewer,
        TODAY,
    )
    assert draft.next_review_due == date(2027, 11, 26)
    actions = list(WorkflowEvent.objects.order_by("id").values_list("action", "actor__username"))
    assert actions == [("submitted", "edith"), ("published", "dr_rivera")]


@pytest.mark.parametrize("step", ["return", "publish", "archive"])
def test_editors_may_not_return_publish_or_archive(editor, draft, step):
    draft.status = Status.IN_REVIEW if step != "archive" else Status.PUBLISHED
    draft.save()
    with pytest.raises(PermissionDenied):
        if step == "return":
            workflow.return_to_draft(obj=draft, user=editor, comment="no")
        elif step == "publish":
            workflow.publish(obj=draft, user=editor, reviewer=editor, reviewed_on=TODAY)
        else:
            workflow.archive(obj=draft, user=editor)
    assert Lesson.objects.get(pk=draft.pk).status == draft.status


def test_learners_cannot_submit(learner, draft):
    with pytest.raises(PermissionDenied):
        workflow.submit_for_review(obj=draft, user=learner)


def test_illegal_transitions_are_refused_and_change_nothing(editor, reviewer, draft):
    with pytest.raises(workflow.WorkflowError, match="is draft"):
        publish(draft, reviewer)
    workflow.submit_for_review(obj=draft, user=editor)
    with pytest.raises(workflow.WorkflowError):
        workflow.submit_for_review(obj=draft, user=editor)
    assert WorkflowEvent.objects.count() == 1


def test_publishing_without_complete_sign_off_is_refused(editor, reviewer, draft):
    workflow.submit_for_review(obj=draft, user=editor)
    with pytest.raises(workflow.WorkflowError, match="named clinical reviewer"):
        workflow.publish(obj=draft, user=reviewer, reviewer=None, reviewed_on=TODAY)
    with pytest.raises(workflow.WorkflowError, match="not a clinical reviewer"):
        workflow.publish(obj=draft, user=reviewer, reviewer=editor, reviewed_on=TODAY)
    with pytest.raises(workflow.WorkflowError, match="after the review date"):
        publish(draft, reviewer, next_review_due=TODAY)
    assert Lesson.objects.get(pk=draft.pk).status == Status.IN_REVIEW


def test_a_reviewer_sends_a_draft_back_with_a_comment(editor, reviewer, draft):
    workflow.submit_for_review(obj=draft, user=editor)
    with pytest.raises(workflow.WorkflowError, match="Say what needs changing"):
        workflow.return_to_draft(obj=draft, user=reviewer, comment=" ")
    workflow.return_to_draft(obj=draft, user=reviewer, comment="Soften the second paragraph.")
    assert draft.status == Status.DRAFT
    assert WorkflowEvent.objects.get(action="returned").comment == "Soften the second paragraph."


def test_learners_keep_the_published_text_while_a_new_draft_is_reviewed(
    learner_client, learner, editor, reviewer, live
):
    reading.mark_complete(learner=learner, lesson=live)
    new = workflow.start_draft(live=live, user=editor)
    new.body = "Revised text."
    new.save()
    workflow.submit_for_review(obj=new, user=editor)
    assert "Live text." in lesson_page(learner_client, live).content.decode()
    assert "Revised text." not in lesson_page(learner_client, live).content.decode()

    result = publish(new, reviewer)
    assert result.pk == live.pk
    page = lesson_page(learner_client, live).content.decode()
    assert "Revised text." in page
    assert "Clinically reviewed by Dr Ana Rivera on 26 November 2026" in page
    assert not Lesson.objects.filter(draft_of=live).exists()
    assert LessonProgress.objects.get(learner=learner).lesson_id == live.pk


def test_a_new_lesson_scheduled_for_later_is_hidden_until_then(
    learner_client, editor, reviewer, draft
):
    workflow.submit_for_review(obj=draft, user=editor)
    publish(draft, reviewer, publish_at=timezone.now() + timedelta(days=1))
    assert lesson_page(learner_client, draft).status_code == 404
    Lesson.objects.filter(pk=draft.pk).update(publish_at=timezone.now() - timedelta(minutes=1))
    assert lesson_page(learner_client, draft).status_code == 200


def test_a_scheduled_new_version_replaces_the_live_text_when_due(
    learner_client, editor, reviewer, live
):
    new = workflow.start_draft(live=live, user=editor)
    new.body = "Scheduled text."
    new.save()
    workflow.submit_for_review(obj=new, user=editor)
    publish(new, reviewer, publish_at=timezone.now() + timedelta(hours=2))
    assert "Live text." in lesson_page(learner_client, live).content.decode()
    Lesson.objects.filter(pk=new.pk).update(publish_at=timezone.now() - timedelta(seconds=1))
    assert "Live text." in lesson_page(learner_client, live).content.decode()  # no write on GET
    call_command("publish_due_drafts")
    assert "Scheduled text." in lesson_page(learner_client, live).content.decode()
    assert not Lesson.objects.filter(pk=new.pk).exists()


def test_learner_pages_never_publish_and_the_job_publishes_each_due_version_once(
    learner_client, editor, reviewer, live, capsys
):
    new = workflow.start_draft(live=live, user=editor)
    workflow.submit_for_review(obj=new, user=editor)
    publish(new, reviewer, publish_at=timezone.now() + timedelta(hours=1))
    Lesson.objects.filter(pk=new.pk).update(publish_at=timezone.now() - timedelta(seconds=1))
    with CaptureQueriesContext(connection) as queries:
        lesson_page(learner_client, live)
    lesson_writes = ('UPDATE "education_lesson" ', 'DELETE FROM "education_lesson" ')
    assert not [q["sql"] for q in queries if q["sql"].startswith(lesson_writes)]
    assert Lesson.objects.filter(pk=new.pk).exists()

    call_command("publish_due_drafts")
    call_command("publish_due_drafts")
    out = capsys.readouterr().out
    assert out.count("published lesson live-lesson") == 1
    assert "1 scheduled version(s) put live." in out and "0 scheduled version(s)" in out
    assert not Lesson.objects.filter(pk=new.pk).exists()


def test_a_material_change_flags_exactly_the_learners_who_had_completed(
    client, learner, other_learner, editor, reviewer, live
):
    reading.mark_complete(learner=learner, lesson=live)
    reading.record_opened(learner=other_learner, lesson=live)
    new = workflow.start_draft(live=live, user=editor)
    workflow.submit_for_review(obj=new, user=editor)
    publish(new, reviewer, material_change=True)
    client.force_login(learner)
    assert "Updated: please review" in client.get(reverse("home")).content.decode()
    assert "please review this lesson again" in lesson_page(client, live).content.decode()
    client.force_login(other_learner)
    assert "Updated: please review" not in client.get(reverse("home")).content.decode()
    client.force_login(learner)
    client.post(
        reverse("education:lesson-completion", args=[live.slug]), {"completed": "reviewed"}
    )
    assert "Updated: please review" not in client.get(reverse("home")).content.decode()


def test_archiving_hides_the_lesson_but_keeps_progress(learner_client, learner, reviewer, live):
    reading.mark_complete(learner=learner, lesson=live)
    workflow.archive(obj=live, user=reviewer)
    assert lesson_page(learner_client, live).status_code == 404
    assert LessonProgress.objects.filter(learner=learner, lesson=live).exists()


def test_restoring_an_old_version_makes_a_new_draft_and_keeps_history(editor, reviewer, draft):
    draft.body = "Second text."
    draft.save()
    first = draft.history.order_by("history_id").first()
    restored = workflow.restore_version(historical=first, user=editor)
    assert restored.body == "First text."
    assert restored.status == Status.DRAFT
    assert list(draft.history.order_by("history_id").values_list("body", flat=True)) == [
        "First text.",
        "Second text.",
        "First text.",
    ]


def test_restoring_a_version_of_a_live_lesson_leaves_the_live_text_alone(editor, live):
    live.body = "Live text, edited."
    live.save()
    oldest = live.history.order_by("history_id").first()
    draft = workflow.restore_version(historical=oldest, user=editor)
    assert draft.draft_of == live
    assert draft.body == "Live text."
    live.refresh_from_db()
    assert live.body == "Live text, edited."


def test_problem_reports_land_in_the_queue_with_the_version_seen(learner_client, learner, live):
    url = reverse("education:lesson-report", args=[live.slug])
    learner_client.post(url, {"text": "The table in section 2 contradicts the key points."})
    report = ProblemReport.objects.get()
    assert report.reporter == learner
    assert report.content_object == live
    assert report.version_seen.startswith("history #")
    response = learner_client.post(url, {"text": "   "}, follow=True)
    assert "The report was not sent" in response.content.decode()
    assert ProblemReport.objects.count() == 1


def test_supervisors_see_who_has_and_has_not_re_read_a_material_change(
    client, learner, make_user, team, supervisor, other_learner, editor, reviewer, live
):
    rita = make_user("rita", team=team, display_name="Rita Resident")
    for person in (learner, rita, other_learner):
        reading.mark_complete(learner=person, lesson=live)
    new = workflow.start_draft(live=live, user=editor)
    workflow.submit_for_review(obj=new, user=editor)
    publish(new, reviewer, material_change=True)
    live.refresh_from_db()
    reading.mark_reviewed_after_update(learner=rita, lesson=live)
    client.force_login(supervisor)
    assert "Live Lesson" in client.get(reverse("progress:team-report")).content.decode()
    page = client.get(reverse("progress:lesson-rereads", args=[live.slug])).content.decode()
    pending = page[page.index("Not yet re-read") : page.index("Re-read (")]
    assert "Nina Nurse" in pending and "Rita Resident" not in pending
    assert "Rita Resident" in page[page.index("Re-read (") :]
    assert "omar" not in page


def test_it_keeps_the_live_course_while_its_draft_is_edited(learner_client, editor, course, live):
    Course.objects.filter(pk=course.pk).update(summary="Live summary.")
    draft = course_draft(course, editor, summary="Revised summary.", audience="Nurses")
    assert (draft.draft_of, draft.slug, draft.status) == (course, course.slug, Status.DRAFT)
    assert list(Course.objects.published()) == [course]
    assert not draft.lessons.exists()
    page = course_page(learner_client, course)
    assert "Live summary." in page and "Live Lesson" in page
    assert "Revised summary." not in page
    event = WorkflowEvent.objects.get()
    assert (event.action, event.content_object) == (WorkflowAction.DRAFT_STARTED, course)
    assert workflow.start_draft(live=course, user=editor).summary == "Revised summary."
    assert Course.objects.filter(draft_of=course).count() == 1
    with pytest.raises(workflow.WorkflowError, match="already a draft"):
        workflow.start_draft(live=draft, user=editor)


def test_learners_see_the_live_course_until_its_draft_is_published(
    learner_client, learner, editor, reviewer, course, live
):
    reading.mark_complete(learner=learner, lesson=live)
    draft = course_draft(course, editor, summary="Revised summary.", objectives="Know MBC")
    draft_pk = draft.pk
    workflow.submit_for_review(obj=draft, user=editor)
    assert "Revised summary." not in course_page(learner_client, course)

    result = publish(draft, reviewer)
    assert result.pk == course.pk
    course.refresh_from_db()
    assert (course.summary, course.objectives, course.version) == (
        "Revised summary.",
        "Know MBC",
        2,
    )
    assert (course.clinical_reviewer, course.reviewed_on, course.status) == (
        reviewer,
        TODAY,
        Status.PUBLISHED,
    )
    assert "Revised summary." in course_page(learner_client, course)
    assert not Course.objects.filter(pk=draft_pk).exists()
    assert list(course.lessons.all()) == [live]
    assert LessonProgress.objects.completed().get(learner=learner).lesson_id == live.pk
    assert course.history.first().history_change_reason == f"published from draft #{draft_pk}"
    assert list(WorkflowEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "draft_started",
        "submitted",
        "published",
    ]


def test_a_scheduled_course_draft_replaces_the_live_course_when_due(
    learner_client, editor, reviewer, course, live
):
    draft = course_draft(course, editor, summary="Scheduled summary.")
    workflow.submit_for_review(obj=draft, user=editor)
    publish(draft, reviewer, publish_at=timezone.now() + timedelta(hours=2))
    assert WorkflowEvent.objects.filter(action=WorkflowAction.SCHEDULED).exists()
    assert "Scheduled summary." not in course_page(learner_client, course)
    Course.objects.filter(pk=draft.pk).update(publish_at=timezone.now() - timedelta(seconds=1))
    # Due but not put live yet (the job has not run): still one course for learners.
    assert list(Course.objects.published()) == [course]

    call_command("publish_due_drafts")
    assert "Scheduled summary." in course_page(learner_client, course)
    assert not Course.objects.filter(pk=draft.pk).exists()
    course.refresh_from_db()
    assert (course.summary, course.publish_at, course.version) == ("Scheduled summary.", None, 2)


def test_an_editor_cannot_publish_a_course_draft_nor_a_learner_start_one(learner, editor, course):
    with pytest.raises(PermissionDenied):
        workflow.start_draft(live=course, user=learner)
    draft = course_draft(course, editor, summary="Unreviewed.")
    workflow.submit_for_review(obj=draft, user=editor)
    with pytest.raises(PermissionDenied):
        workflow.publish(obj=draft, user=editor, reviewer=editor, reviewed_on=TODAY)
    assert Course.objects.get(pk=draft.pk).status == Status.IN_REVIEW
    course.refresh_from_db()
    assert (course.summary, course.version) == ("", 1)


def test_only_the_live_course_owns_its_slug_and_it_has_one_draft_at_most(course):
    draft = Course.objects.create(slug=course.slug, title="Next version", draft_of=course)
    for twin in (
        Course(slug=course.slug, title="Second live course"),
        Course(slug=course.slug, title="Second draft", draft_of=course),
    ):
        with pytest.raises(ValidationError):
            twin.full_clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            twin.save()
    # Publishing deletes the draft, so nothing may hang off it.
    with pytest.raises(ValidationError) as error:
        Lesson(course=draft, slug="orphan", title="Orphan", body="Text").full_clean()
    assert set(error.value.message_dict) == {"course"}


def test_a_lesson_version_signed_off_and_scheduled_refuses_a_new_draft(editor, reviewer, live):
    new = workflow.start_draft(live=live, user=editor)
    new.body = "Scheduled text."
    new.save()
    workflow.submit_for_review(obj=new, user=editor)
    publish(new, reviewer, publish_at=timezone.now() + timedelta(hours=2))
    with pytest.raises(workflow.WorkflowError, match="scheduled to go live"):
        workflow.start_draft(live=live, user=editor)
    new.refresh_from_db()
    assert (new.status, new.body) == (Status.PUBLISHED, "Scheduled text.")
