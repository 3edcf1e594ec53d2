from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from portal.progress.forms import AttestationForm
from portal.progress.models import CODE_ALPHABET, CourseCompletion
from portal.progress.transcript import completions_of, transcript_csv, transcript_pdf


def _page(request, completions, failed=None):
    rows = [
        (
            c,
            failed
            if failed is not None and failed.instance.pk == c.pk
            else AttestationForm(instance=c),
        )
        for c in completions
    ]
    return render(
        request,
        "progress/transcript.html",
        {"rows": rows},
        status=400 if failed is not None else 200,
    )


@never_cache
@require_safe
def transcript(request):
    """The learner's CPD record: every completion as recorded at the time."""
    return _page(request, list(completions_of(request.user)))


@require_POST
def attest(request, code):
    # A character no code has (a NUL, which PostgreSQL cannot even compare) matches nothing.
    if not set(code) <= set(CODE_ALPHABET):
        raise Http404
    completion = get_object_or_404(CourseCompletion, learner=request.user, certificate_code=code)
    form = AttestationForm(request.POST, instance=completion)
    if not form.is_valid():
        return _page(request, list(completions_of(request.user)), failed=form)
    form.save()
    messages.success(
        request,
        _("Your time spent on “%(title)s” is recorded.") % {"title": completion.course_title},
    )
    return redirect("progress:transcript")


@never_cache
@require_safe
def transcript_csv_download(request):
    response = HttpResponse(
        transcript_csv(completions_of(request.user)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="cpd-transcript.csv"'
    return response


@never_cache
@require_safe
def transcript_pdf_download(request):
    pdf = transcript_pdf(
        request.user,
        list(completions_of(request.user)),
        verify_base_url=f"{request.scheme}://{request.get_host()}",
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="cpd-transcript.pdf"'
    return response
