"""The team progress report: learners x courses, computed in grouped queries per page."""

from dataclasses import dataclass

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from education.models import Course
from portal.accounts.models import Profession
from portal.progress.models import Assignment
from portal.progress.queries import progress_by_learner


class ReportStatus:
    COMPLETED = "completed"
    IN_PROGRESS = "in_progress"
    NOT_STARTED = "not_started"
    OVERDUE = "overdue"
    CHOICES = [
        ("", _("Any status")),
        (COMPLETED, _("Completed")),
        (IN_PROGRESS, _("In progress")),
        (NOT_STARTED, _("Not started")),
        (OVERDUE, _("Overdue")),
    ]


STATUS_LABELS = dict(ReportStatus.CHOICES)

SORTS = {
    "name": _("Name"),
    "-percent": _("Least progress first"),
    "percent": _("Most progress first"),
}


class ReportFilterForm(forms.Form):
    team = forms.ModelChoiceField(
        queryset=None, required=False, empty_label=_("All my teams"), label=_("Team")
    )
    profession = forms.ChoiceField(
        choices=[("", _("Any profession")), *Profession.choices],
        required=False,
        label=_("Profession"),
    )
    course = forms.ModelChoiceField(
        queryset=Course.objects.published(),
        required=False,
        empty_label=_("All courses"),
        label=_("Course"),
    )
    status = forms.ChoiceField(choices=ReportStatus.CHOICES, required=False, label=_("Status"))
    sort = forms.ChoiceField(choices=list(SORTS.items()), required=False, label=_("Sort"))

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams


@dataclass
class ReportRow:
    learner: object
    course: Course
    progress: object
    overdue: int
    due_on: object

    @property
    def status(self):
        if self.progress.completed_at:
            return ReportStatus.COMPLETED
        if self.overdue:
            return ReportStatus.OVERDUE
        if self.progress.steps_done or self.progress.best_percent:
            return ReportStatus.IN_PROGRESS
        return ReportStatus.NOT_STARTED

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]

    @property
    def mean_best(self):
        scores = [float(v) for v in self.progress.best_percent.values() if v is not None]
        return round(sum(scores) / len(scores)) if scores else None


def filter_learners(learners, data):
    if data.get("team"):
        learners = learners.filter(team=data["team"])
    if data.get("profession"):
        learners = learners.filter(profession=data["profession"])
    return learners.select_related("team").order_by("display_name", "username")


def report_rows(learners, courses, today, curriculum=None):
    """ReportRows for a list of learners (one page, or one chunk of the CSV)."""
    learners = list(learners)
    progress = progress_by_learner([learner.pk for learner in learners], courses, curriculum)
    team_ids = {learner.team_id for learner in learners if learner.team_id}
    assignments = list(
        Assignment.objects.filter(
            Q(team_id__in=team_ids) | Q(learner__in=[learner.pk for learner in learners])
        ).values_list("course_id", "team_id", "learner_id", "due_on")
    )
    for learner in learners:
        for course in courses:
            course_progress = progress[learner.pk][course.pk]
            due = [
                due_on
                for course_id, team_id, learner_id, due_on in assignments
                if course_id == course.pk
                and (learner_id == learner.pk or (team_id and team_id == learner.team_id))
            ]
            overdue = 0 if course_progress.completed_at else sum(1 for d in due if d < today)
            yield ReportRow(learner, course, course_progress, overdue, min(due) if due else None)


def keep_row(row, data):
    status = data.get("status")
    return not status or row.status == status


def sort_rows(rows, sort):
    if sort == "percent":
        return sorted(rows, key=lambda row: -row.progress.percent)
    if sort == "-percent":
        return sorted(rows, key=lambda row: row.progress.percent)
    return rows
