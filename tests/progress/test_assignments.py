from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from education.models import Course, Status
from portal.progress.models import Assignment, CourseCompletion, ReminderSent, completion_facts
from portal.progress.reminders import send_reminders
from tests.education.factories import make_course


@pytest.fixture
def course(db):
    return make_course("foundations")


@pytest.fixture
def supervisor_client(client, supervisor):
    client.force_login(supervisor)
    return client


def test_a_supervisor_assigns_a_course_to_their_team(supervisor_client, supervisor, team, course):
    due = timezone.localdate() + timedelta(days=10)
    response = supervisor_client.post(
        reverse("progress:assignments"), {"course": course.pk, "team": team.pk, "due_on": due}
    )
    assert response.status_code == 302
    assignment = Assignment.objects.get()
    assert (assignment.team, assignment.assigned_by, assignment.due_on) == (team, supervisor, due)
    page = supervisor_client.get(reverse("progress:team-report")).content.decode()
    assert "0 overdue, 1 due in the next 14 days" in page


def test_a_supervisor_cannot_assign_to_another_team(supervisor_client, other_team, course):
    due = timezone.localdate() + timedelta(days=10)
    response = supervisor_client.post(
        reverse("progress:assignments"),
        {"course": course.pk, "team": other_team.pk, "due_on": due},
    )
    assert response.status_code == 200
    assert not Assignment.objects.exists()


@pytest.mark.parametrize(
    "data,message",
    [
        ({"due_on": "2000-01-01"}, "cannot be in the past"),
        ({"learner": "me"}, "Choose a team, or one person, not both."),
        ({"team": ""}, "Choose a team, or one person, not both."),
    ],
)
def test_bad_assignments_are_refused_with_a_message(
    supervisor_client, learner, team, course, data, message
):
    form = {
        "course": course.pk,
        "team": team.pk,
        "due_on": timezone.localdate() + timedelta(days=3),
    }
    if data.get("learner") == "me":
        data = {"learner": learner.pk}
    form.update(data)
    response = supervisor_client.post(reverse("progress:assignments"), form)
    assert message in response.content.decode()
    assert not Assignment.objects.exists()


def test_the_database_requires_a_team_or_a_person(course, supervisor, team, learner):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        Assignment.objects.create(
            course=course, team=team, learner=learner, due_on="2030-01-01", assigned_by=supervisor
        )


def test_learners_cannot_assign(learner_client, course):
    assert learner_client.get(reverse("progress:assignments")).status_code == 403


def test_reminders_go_out_once_at_each_step(learner, supervisor, team, course):
    today = timezone.localdate()
    Assignment.objects.create(
        course=course, team=team, due_on=today + timedelta(days=7), assigned_by=supervisor
    )
    assert send_reminders(today) == 2  # nina and the supervisor are both in the team
    assert send_reminders(today) == 0
    assert send_reminders(today + timedelta(days=6)) == 2
    assert send_reminders(today + timedelta(days=8)) == 2
    assert send_reminders(today + timedelta(days=9)) == 0
    assert ReminderSent.objects.count() == 6
    assert "Overdue training" in mail.outbox[-1].subject


def test_no_reminder_for_a_completed_course(learner, supervisor, course):
    today = timezone.localdate()
    Assignment.objects.create(course=course, learner=learner, due_on=today, assigned_by=supervisor)
    CourseCompletion.objects.create(
        learner=learner, course=course, completed_at=timezone.now(), **completion_facts(course)
    )
    assert send_reminders(today) == 0


def test_a_broken_mail_server_is_logged_and_retried_later(
    learner, supervisor, course, monkeypatch, caplog
):
    today = timezone.localdate()
    Assignment.objects.create(course=course, learner=learner, due_on=today, assigned_by=supervisor)

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("portal.progress.reminders.send_mail", refuse)
    assert send_reminders(today) == 0
    assert "will be retried" in caplog.text
    assert not ReminderSent.objects.exists()
    monkeypatch.undo()
    assert send_reminders(today) == 1


def test_the_command_reports_what_it_sent(learner, supervisor, course, capsys):
    Assignment.objects.create(
        course=course, learner=learner, due_on=timezone.localdate(), assigned_by=supervisor
    )
    call_command("send_reminders")
    assert "Sent 1 reminder(s)." in capsys.readouterr().out


DRAFT_REFUSED = (
    "That is an unpublished new version of “Foundations”: publishing it replaces the published "
    "one, so nothing can be attached to it. Choose the published “Foundations” instead."
)


@pytest.fixture
def course_draft(course):
    """A reviewed new version waiting for its publication time: "published", yet a draft."""
    return Course.objects.create(
        slug=course.slug,
        title="Foundations Next Version",
        draft_of=course,
        status=Status.PUBLISHED,
    )


def test_the_admin_refuses_to_assign_a_course_draft(admin_client, team, course, course_draft):
    # Publishing the draft deletes it, which the assignment's protected foreign key would block.
    add_url = reverse("admin:progress_assignment_add")
    assert "Foundations Next Version" not in admin_client.get(add_url).content.decode()
    form = {"team": team.pk, "due_on": timezone.localdate() + timedelta(days=10)}

    response = admin_client.post(add_url, {**form, "course": course_draft.pk})
    assert response.status_code == 200
    assert DRAFT_REFUSED in response.content.decode()
    assert not Assignment.objects.exists()

    assert admin_client.post(add_url, {**form, "course": course.pk}).status_code == 302
    assert Assignment.objects.get().course == course


def test_a_supervisor_is_never_offered_a_course_draft(
    supervisor_client, team, course, course_draft
):
    url = reverse("progress:assignments")
    assert "Foundations Next Version" not in supervisor_client.get(url).content.decode()
    report = supervisor_client.get(reverse("progress:team-report")).content.decode()
    assert "Foundations Next Version" not in report  # the course filter

    due = timezone.localdate() + timedelta(days=10)
    response = supervisor_client.post(
        url, {"course": course_draft.pk, "team": team.pk, "due_on": due}
    )
    assert DRAFT_REFUSED in response.content.decode()
    assert not Assignment.objects.exists()
