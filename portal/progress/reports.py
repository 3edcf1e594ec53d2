"""The team progress report: learners x courses, its filters and the words of its cells."""

from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property, lru_cache
from html import escape

from django import forms
from django.db.models import Q
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from education.models import Course
from portal.accounts.models import Profession
from portal.progress.models import Assignment
from portal.progress.queries import progress_by_learner
from portal.widgets import PlainSelect


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


SORTS = {
    "name": _("Name"),
    "-percent": _("Least progress first"),
    "percent": _("Most progress first"),
}


class ListedChoiceIterator(ModelChoiceIterator):
    """The choices of a short list in one plain query. Django's own iterator reads them
    through a server-side cursor on PostgreSQL: three round trips for a few rows."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class ListedModelChoiceField(forms.ModelChoiceField):
    # A class attribute, not set on the field afterwards: setting the queryset hands the
    # widget an iterator, so one set later never reaches the widget.
    iterator = ListedChoiceIterator


# Each field copies it (Django deep-copies a field's widget).
FILTER_SELECT = PlainSelect(attrs={"class": "form-select"})


class ReportFilterForm(forms.Form):
    team = ListedModelChoiceField(
        queryset=None,
        required=False,
        empty_label=_("All my teams"),
        label=_("Team"),
        widget=FILTER_SELECT,
    )
    profession = forms.ChoiceField(
        choices=[("", _("Any profession")), *Profession.choices],
        required=False,
        label=_("Profession"),
        widget=FILTER_SELECT,
    )
    course = forms.ModelChoiceField(
        queryset=Course.objects.published(),
        required=False,
        empty_label=_("All courses"),
        label=_("Course"),
        widget=FILTER_SELECT,
    )
    status = forms.ChoiceField(
        choices=ReportStatus.CHOICES, required=False, label=_("Status"), widget=FILTER_SELECT
    )
    sort = forms.ChoiceField(
        choices=list(SORTS.items()), required=False, label=_("Sort"), widget=FILTER_SELECT
    )

    def __init__(self, *args, teams, courses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        # The page has the published courses already: offer those, without a query.
        course = self.fields["course"]
        course.choices = [("", course.empty_label), *((c.pk, str(c)) for c in courses)]


@lru_cache(maxsize=16)
def _words(language):
    return {
        "status": {value: str(label) for value, label in ReportStatus.CHOICES},
        "profession": {value: str(label) for value, label in Profession.choices},
        "due": gettext("due %(date)s"),
    }


@lru_cache(maxsize=1024)
def _day_label(day, language):
    return date_format(day, "j M Y")


def words():
    """The report's labels in the active language. A page repeats the same few statuses,
    professions and due dates a hundred times; each is translated and formatted once."""
    return _words(get_language())


def day_label(day):
    return _day_label(day, get_language()) if day else ""


def status_of(completed_at, overdue, steps_done, quizzes_tried):
    if completed_at:
        return ReportStatus.COMPLETED
    if overdue:
        return ReportStatus.OVERDUE
    if steps_done or quizzes_tried:
        return ReportStatus.IN_PROGRESS
    return ReportStatus.NOT_STARTED


@dataclass
class ReportRow:
    """One learner's progress in one course, with the report's cells as text."""

    learner: object
    course: Course
    progress: object
    overdue: int
    due_on: object

    @cached_property
    def status(self):
        p = self.progress
        return status_of(p.completed_at, self.overdue, p.steps_done, p.quizzes_tried)

    @property
    def status_label(self):
        return words()["status"][self.status]

    @property
    def profession_label(self):
        profession = self.learner.profession
        return words()["profession"].get(profession, profession)

    @cached_property
    def mean_best(self):
        return self.progress.mean_best

    @property
    def due_label(self):
        return words()["due"] % {"date": day_label(self.due_on)} if self.due_on else ""

    @property
    def completed_label(self):
        completed_at = self.progress.completed_at
        return day_label(timezone.localdate(completed_at)) if completed_at else ""

    @property
    def percent_label(self):
        return f"{self.progress.percent}%"

    @property
    def quizzes_label(self):
        return f"{self.progress.quizzes_passed}/{self.progress.quizzes_total}"

    @property
    def mean_best_label(self):
        return "—" if self.mean_best is None else f"{self.mean_best}%"

    def as_table_row(self):
        """The team report's row, built in Python as the admin's change list builds its
        rows: a hundred rows of eight cells through the template engine took half the
        page's time, and Django's format_html a third of what was left (each argument goes
        through its lazy-string check). Every value is escaped here; the test of a learner
        and a team with markup in their names guards it. The learner needs `report_url`
        (the page sets it)."""
        status = escape(self.status_label)
        if self.status == ReportStatus.OVERDUE:
            status = f'<span class="badge text-bg-danger">{status}</span>'
        if self.due_on:
            status = f'{status}<div class="small">{escape(self.due_label)}</div>'
        learner = self.learner
        return mark_safe(  # every part is escaped above or below
            TABLE_ROW.format(
                escape(learner.report_url),
                escape(str(learner)),
                escape(self.profession_label),
                escape(str(learner.team or "—")),
                escape(self.course.title),
                escape(self.percent_label),
                status,
                escape(self.quizzes_label),
                escape(self.mean_best_label),
                escape(self.completed_label or "—"),
            )
        )


TABLE_ROW = (
    '<tr><td><a href="{}">{}</a><div class="small text-body-secondary">{}</div></td>'
    "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"
)


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
    """ReportRows for a list of learners (one page, or one chunk of the CSV)."""
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
