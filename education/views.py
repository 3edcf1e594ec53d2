from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from education import reading
from education.forms import LessonSearchForm
from education.models import Lesson
from education.problem_reports import ProblemReportForm, report_from_form
from portal.content_cache.outline import lesson_page, outline
from quizzes.models import Attempt, AttemptState

# The id of the lesson page's completion block (templates/education/lesson_detail.html), and
# the extra tag of the messages shown in it.
COMPLETION_BLOCK = "lesson-completion"


def published_lesson(slug):
    return get_object_or_404(Lesson.objects.published().select_related("course"), slug=slug)


def lesson_index(request):
    form = LessonSearchForm(request.GET)
    search = form.cleaned_data if form.is_valid() else {}
    query, tag = search.get("q", ""), search.get("tag", "")
    shared = outline()
    lessons = reading.with_progress(shared.lessons, request.user)
    for course in shared.courses:
        course.lesson_list = [lesson for lesson in lessons if lesson.course_id == course.pk]
    results = None
    if query or tag:
        found = Lesson.objects.published().outline()
        found = found.search(query) if query else found
        if tag:
            found = found.filter(tags__slug=tag)
        matching = set(found.values_list("pk", flat=True))
        results = [lesson for lesson in lessons if lesson.pk in matching]
    return render(
        request,
        "education/lesson_index.html",
        {
            "courses": shared.courses,
            "results": results,
            "tag": tag,
            "form": form,
            "tags": shared.tags,
        },
    )


def course_detail(request, slug):
    shared = outline()
    course = shared.course(slug)
    if course is None:
        raise Http404
    lessons = reading.with_progress(shared.lessons_of(course), request.user)
    completed = sum(1 for lesson in lessons if lesson.is_done)
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
    page = lesson_page(slug)
    if page is None:
        raise Http404
    # Reading the page writes nothing: the page itself tells lesson_opened (a POST) that it
    # was opened, once it has loaded.
    [lesson] = reading.with_progress([page.lesson], request.user)
    # The learner's passed and open attempts at the lesson's quizzes, in one query.
    attempts = []
    if page.quizzes:
        attempts = list(
            # Passes of a period being renewed do not count: the quiz is taken again.
            Attempt.objects.filter(
                learner=request.user, quiz__in=[quiz.pk for quiz in page.quizzes]
            )
            .filter(Q(passed=True) | Q(state=AttemptState.IN_PROGRESS))
            .of_current_period()
            .only("quiz_id", "state", "passed")
        )
    passed = {attempt.quiz_id for attempt in attempts if attempt.passed}
    still_open = {attempt.quiz_id for attempt in attempts if attempt.is_open}
    for quiz in page.quizzes:
        quiz.has_passed = quiz.pk in passed
        quiz.in_progress = quiz.pk in still_open
    return render(
        request,
        "education/lesson_detail.html",
        {
            "lesson": lesson,
            "article_html": page.article_html,
            "quizzes": page.quizzes,
            "previous": page.previous,
            "next": page.next,
            "needs_review": lesson.needs_review,
            "report_form": ProblemReportForm(),
        },
    )


@require_POST
def lesson_opened(request, slug):
    """The lesson page, once loaded, records the visit (static/js/lesson_opened.js)."""
    [lesson] = reading.with_progress([published_lesson(slug)], request.user)
    reading.record_opened(learner=request.user, lesson=lesson)
    return HttpResponse(status=204)


@require_POST
def lesson_completion(request, slug):
    lesson = published_lesson(slug)
    if request.POST.get("completed") == "1":
        reading.mark_complete(learner=request.user, lesson=lesson)
        messages.success(request, _("Lesson marked as complete."), extra_tags=COMPLETION_BLOCK)
    elif request.POST.get("completed") == "reviewed":
        reading.mark_reviewed_after_update(learner=request.user, lesson=lesson)
        messages.success(
            request, _("Thank you for reviewing the updated lesson."), extra_tags=COMPLETION_BLOCK
        )
    else:
        reading.mark_incomplete(learner=request.user, lesson=lesson)
        messages.info(request, _("Lesson marked as not complete."), extra_tags=COMPLETION_BLOCK)
    # Back to the same place, not the top of the page: the browser moves the focus to the
    # block the fragment names (it has tabindex="-1"), so the message there is read out.
    return redirect(f"{lesson.get_absolute_url()}#{COMPLETION_BLOCK}")


@require_POST
def report_problem(request, slug):
    lesson = published_lesson(slug)
    latest = lesson.history.order_by("-history_id").values_list("history_id", flat=True).first()
    report_from_form(request, obj=lesson, version_seen=f"history #{latest}" if latest else "")
    return redirect(lesson)
