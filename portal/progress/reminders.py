"""E-mail reminders for assigned training: 7 days and 1 day before the due date, and once
overdue. Each reminder is sent at most once (a unique row guards it). With SMTP configured,
a refused message is queued and retried by send_queued_mail; any other failure rolls its
row back, so the next run retries it, and never stops the other reminders."""

import logging
from datetime import timedelta

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from portal.accounts.models import User
from portal.progress.models import Assignment, CourseCompletion, ReminderKind, ReminderSent

logger = logging.getLogger(__name__)


def reminder_kind(due_on, today):
    if today > due_on:
        return ReminderKind.OVERDUE
    if today >= due_on - timedelta(days=1):
        return ReminderKind.DAY_BEFORE
    if today >= due_on - timedelta(days=7):
        return ReminderKind.WEEK_BEFORE
    return None


def _send(assignment, learner, kind):
    context = {"assignment": assignment, "learner": learner, "kind": kind}
    send_mail(
        render_to_string("progress/email/reminder_subject.txt", context).strip(),
        render_to_string("progress/email/reminder.txt", context),
        None,
        [learner.email],
    )


def send_reminders(today=None):
    today = today or timezone.localdate()
    sent = 0
    assignments = Assignment.objects.filter(due_on__lte=today + timedelta(days=7)).select_related(
        "course"
    )
    for assignment in assignments:
        kind = reminder_kind(assignment.due_on, today)
        if kind is None:
            continue
        learners = User.objects.filter(is_active=True).exclude(email="")
        learners = learners.filter(
            Q(pk=assignment.learner_id) if assignment.learner_id else Q(team=assignment.team_id)
        )
        done = CourseCompletion.objects.filter(course=assignment.course).values("learner")
        already = ReminderSent.objects.filter(assignment=assignment, kind=kind).values("learner")
        for learner in learners.exclude(pk__in=done).exclude(pk__in=already):
            try:
                with transaction.atomic():
                    ReminderSent.objects.create(assignment=assignment, learner=learner, kind=kind)
                    _send(assignment, learner, kind)
            except IntegrityError:
                continue  # another run sent it
            except Exception:
                logger.exception("Reminder to %s failed; it will be retried", learner.email)
                continue
            sent += 1
    return sent
