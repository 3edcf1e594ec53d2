"""Notices reach the person who needs them, once, on their dashboard and by queued e-mail
unless they turned that e-mail off."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from education import problem_reports, workflow
from education.models import Lesson, ProblemReport
from portal.notifications.models import EmailOptOut, NoticeKind, Notification
from portal.progress.models import Assignment
from tests.education.factories import make_course, make_lesson


def mail_to(user):
    # The test runner points every mailer, the portal's queue included, at its outbox.
    return [message for message in mail.outbox if user.email in message.to]


def home(client, user):
    client.force_login(user)
    return client.get(reverse("home")).content.decode()


@pytest.fixture
def course(db):
    return make_course("notices")


def test_a_submission_tells_the_reviewers_on_their_dashboard_and_by_e_mail(
    client, editor, reviewer, course, django_capture_on_commit_callbacks
):
    draft = make_lesson(course, "to-review", title="Bone Metastases", status="draft")

    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit_for_review(obj=draft, user=editor)

    notice = Notification.objects.get(recipient=reviewer)
    assert "submitted “Bone Metastases” for clinical review" in notice.text
    assert notice.url == reverse("admin:education_lesson_review", args=[draft.pk])
    assert "Bone Metastases" in home(client, reviewer)
    assert len(mail_to(reviewer)) == 1
    assert not Notification.objects.filter(recipient=editor).exists()


def test_a_problem_report_tells_editors_and_its_resolution_tells_the_reporter(
    client, editor, learner, course, django_capture_on_commit_callbacks
):
    lesson = make_lesson(course, "reported", title="Receptor Re-Biopsy")
    with django_capture_on_commit_callbacks(execute=True):
        report = problem_reports.file_report(
            reporter=learner, obj=lesson, version_seen="history #1", text="Typo"
        )
    assert Notification.objects.get(recipient=editor).kind == NoticeKind.PROBLEM_REPORTED

    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:education_problemreport_change", args=[report.pk]),
            {"status": "resolved", "resolution": "Typo fixed in the next version."},
        )

    assert ProblemReport.objects.get().resolved_by == editor
    told = Notification.objects.get(recipient=learner)
    assert "Typo fixed in the next version." in told.text
    assert "Receptor Re-Biopsy" in home(client, learner)


def test_the_daily_job_tells_reviewers_of_reviews_due_and_supervisors_of_overdue_staff_once(
    reviewer, supervisor, learner, team, course
):
    lesson = make_lesson(course, "due", title="Treatment Sequencing")
    Lesson.objects.filter(pk=lesson.pk).update(
        reviewed_on=date(2025, 1, 1), next_review_due=timezone.localdate() + timedelta(days=10)
    )
    Assignment.objects.create(
        course=course,
        team=team,
        due_on=timezone.localdate() - timedelta(days=1),
        assigned_by=supervisor,
    )

    call_command("send_notifications")
    call_command("send_notifications")

    assert (
        Notification.objects.filter(
            recipient=reviewer, kind=NoticeKind.REVIEW_DUE, text__contains="Treatment Sequencing"
        ).count()
        == 1
    )
    overdue = Notification.objects.get(recipient=supervisor, kind=NoticeKind.STAFF_OVERDUE)
    assert str(learner) in overdue.text
    assert overdue.url == reverse("progress:learner-detail", args=[learner.pk])
    assert len(mail_to(supervisor)) == 1


def test_turning_an_e_mail_off_keeps_the_notice_in_the_portal(
    client, editor, reviewer, course, django_capture_on_commit_callbacks
):
    client.force_login(reviewer)
    client.post(
        reverse("notifications:list"),
        {"emailed": [kind for kind in NoticeKind.values if kind != NoticeKind.SUBMITTED]},
    )
    assert EmailOptOut.objects.get(user=reviewer).kind == NoticeKind.SUBMITTED

    draft = make_lesson(course, "quiet", status="draft")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit_for_review(obj=draft, user=editor)

    assert Notification.objects.filter(recipient=reviewer).exists()
    assert mail_to(reviewer) == []
    page = client.get(reverse("notifications:list")).content.decode()
    assert f'value="{NoticeKind.SUBMITTED}"' in page


def test_reading_notifications_marks_nothing_and_mark_all_read_does(client, learner):
    Notification.objects.create(recipient=learner, kind=NoticeKind.REPORT_RESOLVED, key="k",
                                text="Your report was resolved")  # fmt: skip
    client.force_login(learner)

    assert "Your report was resolved" in client.get(reverse("notifications:list")).content.decode()
    assert "Your report was resolved" in client.get(reverse("home")).content.decode()
    assert Notification.objects.unread().count() == 1

    response = client.post(reverse("notifications:mark-all-read"), {"next": "home"})

    assert response.url == reverse("home")
    assert Notification.objects.unread().count() == 0
    assert "Your report was resolved" not in client.get(reverse("home")).content.decode()


def test_notifications_are_for_signed_in_people_only(client, db):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302 and "/accounts/login/" in response.url
