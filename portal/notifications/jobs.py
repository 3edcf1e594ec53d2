"""The scheduled notices (manage.py send_notifications, daily): reviewers on clinical
reviews coming due, supervisors on their staff's overdue and expired training. Each once: a second run
tells nobody anything new."""

from datetime import timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from education.models import Course, Lesson, Status
from portal.notifications.models import NoticeKind
from portal.notifications.services import notify, with_permission
from portal.progress.models import Assignment
from quizzes.models import Quiz

REVIEW_NOTICE_DAYS = 30


def reviews_coming_due(today):
    soon = today + timedelta(days=REVIEW_NOTICE_DAYS)
    reviewers = list(with_permission("education.publish_content"))
    told = 0
    for model in (Course, Lesson, Quiz):
        due = model.objects.live_rows().filter(status=Status.PUBLISHED, next_review_due__lte=soon)
        for obj in due:
            opts = obj._meta
            told += notify(
                reviewers,
                kind=NoticeKind.REVIEW_DUE,
                key=f"review-due:{opts.label_lower}:{obj.pk}:{obj.next_review_due}",
                text=_("The clinical review of “%(item)s” is due on %(date)s.")
                % {"item": obj, "date": date_format(obj.next_review_due, "j M Y")},
                url=reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]),
            )
    return told


def staff_overdue(today):
    """Supervisors on each of their staff's assigned training past its due date: not
    completed by the assignment's date, or, where completions expire, expired and not
    renewed (once per period)."""
    told = 0
    assignments = Assignment.objects.filter(
        Q(due_on__lt=today) | Q(course__valid_for_months__isnull=False)
    ).select_related("course")
    for assignment in assignments:
        for learner, due_on, period in assignment.learners_due():
            if due_on >= today or learner.team is None:
                continue
            values = {
                "learner": learner,
                "course": assignment.course.title,
                "date": date_format(due_on, "j M Y"),
            }
            told += notify(
                learner.team.supervisors.exclude(pk=learner.pk),
                kind=NoticeKind.STAFF_OVERDUE,
                # The first period keeps the key notices had before renewals.
                key=f"overdue:{assignment.pk}:{learner.pk}" + (f":{period}" if period > 1 else ""),
                text=(
                    _("%(learner)s's “%(course)s” was valid until %(date)s and is not renewed.")
                    if period > 1
                    else _("%(learner)s has not completed “%(course)s”, due on %(date)s.")
                )
                % values,
                url=reverse("progress:learner-detail", args=[learner.pk]),
            )
    return told


def send_scheduled(today=None):
    today = today or timezone.localdate()
    return reviews_coming_due(today) + staff_overdue(today)
