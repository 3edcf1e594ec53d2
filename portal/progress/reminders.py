"""E-mail reminders for assigned training: 7 days and 1 day before the due date, and once
overdue; for training whose completions expire, the same again before each expiry (the
assignment's due date for the next period). Each reminder is sent at most once per period
(a unique row guards it). With SMTP configured,
a refused message is queued and retried by send_queued_mail; any other failure rolls its
row back, so the next run retries it, and never stops the other reminders."""

import logging
from datetime import timedelta

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from portal.progress.models import Assignment, ReminderKind, ReminderSent

logger = logging.getLogger(__name__)


def reminder_kind(due_on, today):
    if today > due_on:
        return ReminderKind.OVERDUE
    if today >= due_on - timedelta(days=1):
        return ReminderKind.DAY_BEFORE
    if today >= due_on - timedelta(days=7):
        return ReminderKind.WEEK_BEFORE
    return None


def _send(assignment, learner, kind, due_on, period):
    context = {
        "assignment": assignment,
        "learner": learner,
        "overdue": kind == ReminderKind.OVERDUE,
        "due_on": due_on,
        "renewal": period > 1,
    }
    send_mail(
        render_to_string("progress/email/reminder_subject.txt", context).strip(),
        render_to_string("progress/email/reminder.txt", context),
        None,
        [learner.email],
    )


def send_reminders(today=None):
    today = today or timezone.localdate()
    sent = 0
    # Training that expires can fall due again whatever its assignment's own date.
    assignments = Assignment.objects.filter(
        Q(due_on__lte=today + timedelta(days=7)) | Q(course__valid_for_months__isnull=False)
    ).select_related("course")
    for assignment in assignments:
        already = set(
            ReminderSent.objects.filter(assignment=assignment).values_list(
                "learner", "kind", "period"
            )
        )
        for learner, due_on, period in assignment.learners_due():
            kind = reminder_kind(due_on, today)
            if kind is None or not learner.email or (learner.pk, kind, period) in already:
                continue
            try:
                with transaction.atomic():
                    ReminderSent.objects.create(
                        assignment=assignment, learner=learner, kind=kind, period=period
                    )
                    _send(assignment, learner, kind, due_on, period)
            except IntegrityError:
                continue  # another run sent it
            except Exception:
                logger.exception("Reminder to %s failed; it will be retried", learner.email)
                continue
            sent += 1
    return sent
