"""The team report's rows: one learner's progress in one course, and the report's rules
(status, due dates, filtering and sorting). The team page and the learner page draw these
rows; the CSV (csv_export.py) applies the same rules to the database's sums."""

from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from education.models import Course
from portal.progress.models import Assignment
from portal.progress.queries import progress_by_learner


class RowStatus(models.TextChoices):
    COMPLETED = "completed", _("Completed")
    EXPIRING = "expiring", _("Expires soon")
    EXPIRED = "expired", _("Expired")
    NEEDS_REVIEW = "needs_review", _("Needs review")
    IN_PROGRESS = "in_progress", _("In progress")
    NOT_STARTED = "not_started", _("Not started")
    OVERDUE = "overdue", _("Overdue")


def status_of(completed_at, overdue, steps_done, quizzes_tried, expiry=None, to_review=0):
    """`expiry`: the latest completion's (expires_on, renewal due) with `today`, where the
    course's completions expire. `to_review`: lessons and quizzes done in this period but
    before their material change (not counted until done again): "Needs review", for a
    learner who had completed the course too (the completion stays recorded), unless the
    course has expired or an assignment is overdue, which say more."""
    expires_on, renewal_due, today = expiry or (None, False, None)
    if completed_at and expiry and today > expires_on:
        return RowStatus.EXPIRED
    if to_review and not overdue:
        return RowStatus.NEEDS_REVIEW
    if completed_at and renewal_due:
        return RowStatus.EXPIRING
    if completed_at:
        return RowStatus.COMPLETED
    if overdue:
        return RowStatus.OVERDUE
    if steps_done or quizzes_tried:
        return RowStatus.IN_PROGRESS
    return RowStatus.NOT_STARTED


@dataclass
class ReportRow:
    """One learner's progress in one course, with their assignments' due dates."""

    learner: object
    course: Course
    progress: object
    overdue: int
    due_on: object
    today: object

    @cached_property
    def status(self):
        p = self.progress
        expiry = (p.expires_on, p.renewal_due, self.today) if p.expires_on else None
        return status_of(
            p.completed_at, self.overdue, p.steps_done, p.quizzes_tried, expiry, p.to_review
        )

    @property
    def expires_on(self):
        return self.progress.expires_on

    @property
    def status_label(self):
        return self.status.label

    @property
    def is_overdue(self):
        return self.status == RowStatus.OVERDUE

    @property
    def is_expired(self):
        return self.status == RowStatus.EXPIRED

    @property
    def badge(self):
        """The status's colour class, where it calls for someone to act."""
        return {
            RowStatus.OVERDUE: "text-bg-danger",
            RowStatus.EXPIRED: "text-bg-danger",
            RowStatus.EXPIRING: "text-bg-warning",
            RowStatus.NEEDS_REVIEW: "text-bg-warning",
        }.get(self.status)

    @property
    def mean_best(self):
        return self.progress.mean_best


# What the report and its CSV show of a person: loading the rest (password hash, dates,
# flags) for every row costs more than the queries.
REPORT_USER_FIELDS = ("username", "display_name", "first_name", "last_name", "profession", "team")


def filter_learners(learners, data):
    if data.get("team"):
        learners = learners.filter(team=data["team"])
    if data.get("profession"):
        learners = learners.filter(profession=data["profession"])
    return (
        learners.select_related("team")
        .only(*REPORT_USER_FIELDS, "team__name")
        .order_by("display_name", "username")
    )


def report_rows(learners, courses, today, curriculum=None):
    """ReportRows for a list of learners (a page of the report, or one learner)."""
    learners = list(learners)
    learner_ids = [learner.pk for learner in learners]
    progress = progress_by_learner(learner_ids, courses, curriculum)
    team_ids = {learner.team_id for learner in learners if learner.team_id}
    # An assignment is for a team or for one person (a database constraint): index both
    # ways, so each row looks up its due dates instead of scanning every assignment.
    for_team, for_learner = defaultdict(list), defaultdict(list)
    for course_id, team_id, learner_id, due_on in Assignment.objects.filter(
        Q(team_id__in=team_ids) | Q(learner__in=learner_ids)
    ).values_list("course_id", "team_id", "learner_id", "due_on"):
        if team_id:
            for_team[course_id, team_id].append(due_on)
        else:
            for_learner[course_id, learner_id].append(due_on)
    for learner in learners:
        for course in courses:
            course_progress = progress[learner.pk][course.pk]
            due = for_learner.get((course.pk, learner.pk), []) + for_team.get(
                (course.pk, learner.team_id), []
            )
            due_on, overdue = due_of(
                course_progress.completed_at,
                course_progress.expires_on,
                min(due) if due else None,
                sum(1 for day in due if day < today),
                today,
            )
            yield ReportRow(learner, course, course_progress, overdue, due_on, today)


def due_of(completed_at, expires_on, due_on, overdue, today):
    """(due on, overdue assignments) from a learner's first due date of a course and the
    number of its assignments past due: none overdue once completed, except that training
    whose completions expire is due again when the completion expires (the assignment renews
    itself for the next period), or by the assignment's own date if that is later (training
    assigned again after a completion had lapsed)."""
    if completed_at and expires_on and due_on:
        due_again = max(expires_on, due_on)
        return due_again, int(today > due_again)
    if completed_at:
        return due_on, 0
    return due_on, overdue


def keep_row(row, data):
    status = data.get("status")
    return not status or row.status == status


SORTS = {
    "name": _("Name"),
    "-percent": _("Least progress first"),
    "percent": _("Most progress first"),
}


def sort_rows(rows, sort):
    if sort == "percent":
        return sorted(rows, key=lambda row: -row.progress.percent)
    if sort == "-percent":
        return sorted(rows, key=lambda row: row.progress.percent)
    return rows
