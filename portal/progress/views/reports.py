import csv
import io
from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from education.models import Course, Lesson, LessonProgress
from portal.progress.export import export_rows, export_values
from portal.progress.forms import AssignmentForm
from portal.progress.models import Assignment
from portal.progress.queries import Curriculum, mean_of, percent_of
from portal.progress.reports import (
    ReportFilterForm,
    filter_learners,
    keep_row,
    report_rows,
    sort_rows,
    status_of,
    words,
)
from portal.progress.scope import report_scope
from quizzes.models import Attempt

LEARNERS_PER_PAGE = 50
CSV_PIECE_ROWS = 2000


def _filtered(request, teams, learners):
    courses = list(Course.objects.published())
    form = ReportFilterForm(request.GET or None, teams=teams, courses=courses)
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("course"):
        courses = [data["course"]]
    return form, data, filter_learners(learners, data), courses


def assignments_in_scope(teams, learners):
    return Assignment.objects.filter(Q(team__in=teams) | Q(learner__in=learners))


@never_cache
def team_report(request):
    teams, scope = report_scope(request.user)
    form, data, learners, courses = _filtered(request, teams, scope)
    page = Paginator(learners, LEARNERS_PER_PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    people = {learner.pk: learner for learner in page.object_list}
    for learner in people.values():
        learner.report_url = reverse("progress:learner-detail", args=[learner.pk])
    rows = [
        row for row in export_rows(people, Curriculum.of(courses), today) if keep_row(row, data)
    ]
    query = request.GET.copy()
    query.pop("page", None)
    due = assignments_in_scope(teams, scope).aggregate(
        overdue=Count("id", filter=Q(due_on__lt=today)),
        soon=Count("id", filter=Q(due_on__gte=today, due_on__lte=today + timedelta(days=14))),
    )
    return render(
        request,
        "progress/team_report.html",
        {
            "updated_lessons": Lesson.objects.published()
            .outline()
            .filter(material_change_at__isnull=False)
            .order_by("-material_change_at")[:10],
            "due": due,
            "form": form,
            "rows": sort_rows(rows, data.get("sort")),
            "page": page,
            "query": query.urlencode(),
        },
    )


@never_cache
def learner_detail(request, pk):
    _teams, learners = report_scope(request.user)
    learner = get_object_or_404(learners.select_related("team"), pk=pk)
    lessons = (
        Lesson.objects.published()
        .with_progress_of(learner)
        .select_related("course")
        .order_by("course__position", "position")
    )
    attempts = (
        Attempt.objects.filter(learner=learner).select_related("quiz").order_by("-started_at")
    )
    rows = list(report_rows([learner], list(Course.objects.published()), timezone.localdate()))
    return render(
        request,
        "progress/learner_detail.html",
        {"learner": learner, "lessons": lessons, "attempts": attempts, "rows": rows},
    )


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Stop a spreadsheet from running a cell as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_lines(learners, courses, data, today):
    """The report as CSV text, streamed in pieces of CSV_PIECE_ROWS lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            _("Username"),
            _("Name"),
            _("Profession"),
            _("Team"),
            _("Course"),
            _("Percent complete"),
            _("Status"),
            _("Completed on"),
            _("Lessons completed"),
            _("Quizzes passed"),
            _("Mean best quiz score"),
            _("Overdue assignments"),
            _("Due on"),
        ]
    )
    curriculum = Curriculum.of(courses)
    labels = words()
    professions, statuses = labels["profession"], labels["status"]
    status_wanted = data.get("status")
    zone = timezone.get_current_timezone()  # the page's dates are local: so are the CSV's
    per_course = {
        course.pk: (
            curriculum.lessons_total.get(course.pk, 0),
            curriculum.quizzes_total.get(course.pk, 0),
            neutralise(course.title),
        )
        for course in courses
    }
    person_pk, person = None, ()
    # Ten thousand learners: plain values through the report's own rules (status_of,
    # percent_of, mean_of), without a ReportRow per line.
    for count, (pk, username, display_name, profession, team, course_id,
                done, passed, tried, best_sum, best_count, completed_at, overdue,
                due_on) in enumerate(export_values(learners, curriculum, today), start=1):  # fmt: skip
        status = status_of(completed_at, overdue, done + passed, tried)
        if status_wanted and status != status_wanted:
            continue
        if pk != person_pk:  # a learner's lines come together: their cells are made once
            # Only what people typed can start a formula; the rest is numbers and labels.
            person_pk, person = (
                pk,
                (
                    neutralise(username),
                    neutralise(display_name),
                    professions.get(profession, profession),
                    neutralise(team),
                ),
            )
        lessons_total, quizzes_total, title = per_course[course_id]
        mean = mean_of(best_sum, best_count)
        writer.writerow(
            (
                *person,
                title,
                percent_of(done + passed, lessons_total + quizzes_total),
                statuses[status],
                completed_at.astimezone(zone).date().isoformat() if completed_at else "",
                f"{done}/{lessons_total}",
                f"{passed}/{quizzes_total}",
                "" if mean is None else mean,
                overdue,
                due_on.isoformat() if due_on else "",
            )
        )
        if count % CSV_PIECE_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@never_cache
def export_csv(request):
    _form, data, learners, courses = _filtered(request, *report_scope(request.user))
    response = StreamingHttpResponse(
        csv_lines(learners, courses, data, timezone.localdate()),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="team-progress.csv"'
    return response


@never_cache
def assignments(request):
    """Supervisors (and admins) assign courses to their teams or people with a due date."""
    teams, learners = report_scope(request.user)
    form = AssignmentForm(request.POST or None, teams=teams, learners=learners)
    if request.method == "POST" and form.is_valid():
        assignment = form.save(commit=False)
        assignment.assigned_by = request.user
        assignment.save()
        messages.success(request, _("Assigned %(course)s.") % {"course": assignment.course})
        return redirect("progress:assignments")
    today = timezone.localdate()
    current = (
        assignments_in_scope(teams, learners)
        .select_related("course", "team", "learner")
        .order_by("due_on")
    )
    return render(
        request,
        "progress/assignments.html",
        {"form": form, "assignments": current, "today": today, "soon": today + timedelta(days=14)},
    )


@never_cache
def lesson_rereads(request, slug):
    """After a material change: which learners in scope have re-read the lesson, and who not."""
    _teams, learners = report_scope(request.user)
    lesson = get_object_or_404(
        Lesson.objects.published(), slug=slug, material_change_at__isnull=False
    )
    done = {
        row["learner"]: row["completed_at"]
        for row in LessonProgress.objects.filter(lesson=lesson, learner__in=learners)
        .completed()
        .values("learner", "completed_at")
    }
    reread, pending = [], []
    for learner in learners.filter(pk__in=list(done)).order_by("display_name", "username"):
        (reread if done[learner.pk] >= lesson.material_change_at else pending).append(learner)
    return render(
        request,
        "progress/lesson_rereads.html",
        {"lesson": lesson, "reread": reread, "pending": pending},
    )
