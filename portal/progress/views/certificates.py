from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from portal.evaluations.services import evaluation_pending
from portal.progress.certificates import certificate_pdf
from portal.progress.models import CODE_ALPHABET, CourseCompletion


def certificate(request, course_slug):
    """The signed-in learner's own certificate for a course they completed: of its latest
    period, where they renewed it (the transcript keeps the earlier ones)."""
    completion = (
        CourseCompletion.objects.select_related("learner")
        .filter(learner=request.user, course__slug=course_slug)
        .order_by("-period")
        .first()
    )
    if completion is None:
        raise Http404
    # The course's evaluation comes first (CME); the transcript, the learner's own record, is
    # not held back by it.
    if evaluation_pending(completion):
        return redirect("evaluations:evaluate", code=completion.certificate_code)
    pdf = certificate_pdf(
        completion,
        verify_base_url=f"{request.scheme}://{request.get_host()}",
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{course_slug}.pdf"'
    return response


@login_not_required
@require_safe
def verify(request, code):
    """Public: is this certificate genuine? Says nothing about any other certificate."""
    wanted = code.strip().upper()[:16]
    # A code with a character no code has (a NUL, which PostgreSQL cannot even compare)
    # matches nothing: no query.
    completion = (
        CourseCompletion.objects.select_related("course", "learner")
        .filter(certificate_code=wanted)
        .first()
        if set(wanted) <= set(CODE_ALPHABET)
        else None
    )
    response = render(
        request,
        "progress/verify.html",
        {"completion": completion, "code": code[:16]},
        status=200 if completion else 404,
    )
    return response
