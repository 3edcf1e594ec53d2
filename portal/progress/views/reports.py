from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from education import reading
from education.models import Lesson, LessonProgress, changed_since
from portal.content_cache.outline import outline
from portal.progress.csv_export import csv_lines
from portal.progress.forms import AssignmentForm, ReportFilterForm
from portal.progress.models import Assignment
from portal.progress.rows import filter_learners, keep_row, report_rows, sort_rows
from portal.progress.scope import report_scope
from quizzes.models import Attempt

LEARNERS_PER_PAGE = 50


def _filtered(request, teams, learners):
    courses = outline().courses
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
    shared = outline()
    rows = [
        row
        for row in report_rows(page.object_list, courses, today, shared.curriculum(courses))
        if keep_row(row, data)
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
            "updated_lessons": shared.recently_changed(),
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
    shared = outline()
    lessons = reading.with_progress(shared.lessons, learner)
    attempts = (
        Attempt.objects.filter(learner=learner).select_related("quiz").order_by("-started_at")
    )
    rows = list(report_rows([learner], shared.courses, timezone.localdate(), shared.curriculum()))
    return render(
        request,
        "progress/learner_detail.html",
        {
            "learner": learner,
            "lessons": lessons,
            "attempts": attempts,
            "rows": rows,
            # Those with a limit to adjust.
            "quizzes": [
                quiz
                for quiz in shared.quizzes
                if quiz.attempts_allowed is not None or quiz.time_limit_minutes
            ],
        },
    )


@never_cache
def export_csv(request):
    _form, data, learners, courses = _filtered(request, *report_scope(request.user))
    response = StreamingHttpResponse(
        csv_lines(
            learners, outline().curriculum(courses), data.get("status"), timezone.localdate()
        ),
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
        row[0]: row[1:]
        for row in LessonProgress.objects.filter(lesson=lesson, learner__in=learners)
        .completed()
        .values_list("learner", "completed_at", "first_completed_at")
    }
    reread, pending = [], []
    for learner in learners.filter(pk__in=list(done)).order_by("display_name", "username"):
        learner.completed_at, learner.first_completed_at = done[learner.pk]
        (
            pending if changed_since(learner.completed_at, lesson.material_change_at) else reread
        ).append(learner)
    return render(
        request,
        "progress/lesson_rereads.html",
        {"lesson": lesson, "reread": reread, "pending": pending},
    )
