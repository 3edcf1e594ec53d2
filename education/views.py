from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from education import reading
from education.forms import LessonSearchForm
from education.models import Course, Lesson, Tag
from education.problem_reports import ProblemReportForm, report_from_form


def published_lesson(slug):
    return get_object_or_404(Lesson.objects.published().select_related("course"), slug=slug)


def lesson_index(request):
    form = LessonSearchForm(request.GET)
    search = form.cleaned_data if form.is_valid() else {}
    query, tag = search.get("q", ""), search.get("tag", "")
    lessons = (
        Lesson.objects.published()
        .outline()
        .with_progress_of(request.user)
        .select_related("course")
    )
    results = None
    if query or tag:
        results = lessons.search(query) if query else lessons
        if tag:
            results = results.filter(tags__slug=tag)
    courses = Course.objects.published().prefetch_related(
        Prefetch("lessons", queryset=lessons.order_by("position", "id"), to_attr="lesson_list")
    )
    return render(
        request,
        "education/lesson_index.html",
        {
            "courses": courses,
            "results": results,
            "query": query,
            "tag": tag,
            "search_refused": bool(form.errors),
            "tags": Tag.objects.filter(lessons__in=Lesson.objects.published()).distinct(),
        },
    )


def course_detail(request, slug):
    course = get_object_or_404(Course.objects.published(), slug=slug)
    lessons = list(
        course.lessons.published()
        .outline()
        .with_progress_of(request.user)
        .order_by("position", "id")
    )
    completed = sum(1 for lesson in lessons if lesson.completed_at)
    return render(
        request,
        "education/course_detail.html",
        {
            "course": course,
            "lessons": lessons,
            "completed": completed,
            "percent": round(100 * completed / len(lessons)) if lessons else 0,
            "minutes": sum(lesson.estimated_minutes for lesson in lessons),
        },
    )


def lesson_detail(request, slug):
    lesson = get_object_or_404(
        Lesson.objects.published()
        .with_progress_of(request.user)
        .select_related("course", "clinical_reviewer")
        .defer("body"),  # the Markdown source: the page shows body_html
        slug=slug,
    )
    reading.record_opened(learner=request.user, lesson=lesson)
    siblings = list(
        lesson.course.lessons.published().order_by("position", "id").values("slug", "title")
    )
    index = next(i for i, sibling in enumerate(siblings) if sibling["slug"] == lesson.slug)
    return render(
        request,
        "education/lesson_detail.html",
        {
            "lesson": lesson,
            "previous": siblings[index - 1] if index > 0 else None,
            "next": siblings[index + 1] if index + 1 < len(siblings) else None,
            "needs_review": lesson.needs_review,
            "report_form": ProblemReportForm(),
        },
    )


@require_POST
def lesson_completion(request, slug):
    lesson = published_lesson(slug)
    if request.POST.get("completed") == "1":
        reading.mark_complete(learner=request.user, lesson=lesson)
        messages.success(request, _("Lesson marked as complete."))
    elif request.POST.get("completed") == "reviewed":
        reading.mark_reviewed_after_update(learner=request.user, lesson=lesson)
        messages.success(request, _("Thank you for reviewing the updated lesson."))
    else:
        reading.mark_incomplete(learner=request.user, lesson=lesson)
        messages.info(request, _("Lesson marked as not complete."))
    return redirect(lesson)


@require_POST
def report_problem(request, slug):
    lesson = published_lesson(slug)
    latest = lesson.history.order_by("-history_id").values_list("history_id", flat=True).first()
    report_from_form(request, obj=lesson, version_seen=f"history #{latest}" if latest else "")
    return redirect(lesson)
