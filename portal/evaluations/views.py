from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from education.models import Course
from portal.evaluations.forms import EvaluationForm
from portal.evaluations.models import Evaluation, EvaluationQuestion
from portal.evaluations.results import results, results_csv, versions_evaluated
from portal.evaluations.services import AlreadyEvaluated, submit_evaluation
from portal.progress.models import CODE_ALPHABET, CourseCompletion

editors_only = permission_required("evaluations.view_evaluation", raise_exception=True)


def completion_for_user(request, code):
    """The signed-in learner's own completion, by its certificate code; anyone else's is a
    404. A character no code has (a NUL, which PostgreSQL cannot compare) matches nothing."""
    if not code or not set(code) <= set(CODE_ALPHABET):
        raise Http404
    return get_object_or_404(
        CourseCompletion.objects.select_related("course"),
        learner=request.user,
        certificate_code=code,
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def evaluate(request, code):
    """The course's evaluation for this completion; once answered, the certificate."""
    completion = completion_for_user(request, code)
    evaluated = Evaluation.objects.filter(completion=completion).exists()
    questions = (
        []
        if evaluated
        else list(EvaluationQuestion.objects.asked().filter(course_id=completion.course_id))
    )
    if evaluated or not questions:
        return render(request, "evaluations/done.html", {"completion": completion})
    form = EvaluationForm(request.POST if request.method == "POST" else None, questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            submit_evaluation(completion=completion, answers=form.answers())
        except AlreadyEvaluated:
            pass  # the other tab's answers stand
        else:
            messages.success(request, _("Thank you: your evaluation is recorded."))
        return redirect("evaluations:evaluate", code=completion.certificate_code)
    status = 400 if form.is_bound else 200
    return render(
        request,
        "evaluations/evaluate.html",
        {"completion": completion, "form": form},
        status=status,
    )


@editors_only
@require_safe
def results_index(request):
    return render(request, "evaluations/results_index.html", {"rows": list(versions_evaluated())})


def _course(slug):
    return get_object_or_404(Course.objects.live_rows(), slug=slug)


@editors_only
@require_safe
def course_results(request, slug, version):
    course = _course(slug)
    total, questions = results(course, version)
    versions = list(versions_evaluated(course))
    return render(
        request,
        "evaluations/results.html",
        {
            "course": course,
            "version": version,
            "total": total,
            "questions": questions,
            "versions": versions,
            "min_responses": settings.EVALUATION_MIN_RESPONSES,
        },
    )


@editors_only
@require_safe
def course_results_csv(request, slug, version):
    course = _course(slug)
    response = HttpResponse(results_csv(course, version), content_type="text/csv; charset=utf-8")
    filename = f"evaluation-{course.slug}-v{version}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
