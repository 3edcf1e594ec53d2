"""Learners' problem reports: one small write shared by lessons and quiz questions."""

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from education.models import ProblemReport


class ProblemReportForm(forms.Form):
    text = forms.CharField(
        label=_("What is wrong or unclear?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=_("Editors read every report. Please do not include patient details."),
    )


def file_report(*, reporter, obj, version_seen, text):
    return ProblemReport.objects.create(
        reporter=reporter,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        object_repr=str(obj)[:300],
        version_seen=version_seen,
        text=text.strip(),
    )
