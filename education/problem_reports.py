"""Learners' problem reports: one small write shared by lessons and quiz questions."""

from django import forms
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from education import signals
from education.models import ProblemReport, ReportStatus


class ProblemReportForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("What is wrong or unclear?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=gettext_lazy(
            "Editors read every report. Please do not include patient details."
        ),
    )


def file_report(*, reporter, obj, version_seen, text):
    report = ProblemReport.objects.create(
        reporter=reporter,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        object_repr=str(obj)[:300],
        version_seen=version_seen,
        text=text.strip(),
    )
    transaction.on_commit(
        lambda: signals.problem_reported.send(sender=ProblemReport, report=report)
    )
    return report


def resolve(report, *, user):
    """Mark a report resolved by `user` (its resolution note is already set) and tell the
    layers above, which let the reporter know."""
    report.status = ReportStatus.RESOLVED
    report.resolved_by = user
    report.resolved_at = timezone.now()
    report.save()
    transaction.on_commit(
        lambda: signals.problem_resolved.send(sender=ProblemReport, report=report)
    )


def report_from_form(request, *, obj, version_seen):
    """File the report posted in `request` about `obj`, telling the learner how it went:
    the one branch every "Report a problem" form shares."""
    form = ProblemReportForm(request.POST)
    if form.is_valid():
        file_report(
            reporter=request.user,
            obj=obj,
            version_seen=version_seen,
            text=form.cleaned_data["text"],
        )
        messages.success(request, _("Thank you: your report is with the editors."))
    else:
        messages.error(
            request,
            _("The report was not sent: %(problem)s")
            % {"problem": " ".join(form.errors.get("text", []))},
        )
