from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from education.forms import LiveChoiceField
from education.models import Course
from portal.accounts.models import Profession, Team
from portal.progress.models import Assignment, CourseCompletion
from portal.progress.rows import SORTS, RowStatus


class AssignmentForm(forms.ModelForm):
    class Meta:
        model = Assignment
        fields = ("course", "team", "learner", "due_on")
        widgets = {"due_on": forms.DateInput(attrs={"type": "date"})}
        help_texts = {"learner": _("Leave empty to assign to the whole team.")}
        field_classes = {"course": LiveChoiceField}

    def __init__(self, *args, teams, learners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.published()
        self.fields["team"].queryset = teams
        self.fields["learner"].queryset = learners.order_by("display_name", "username")

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if due_on < timezone.localdate():
            raise forms.ValidationError(_("The due date cannot be in the past."))
        return due_on


class ReportFilterForm(forms.Form):
    """The team report's filters, offered from lists the page already has (the teams in the
    viewer's scope, the published courses)."""

    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("All my teams"),
        label=_("Team"),
    )
    profession = forms.ChoiceField(
        choices=[("", _("Any profession")), *Profession.choices],
        required=False,
        label=_("Profession"),
    )
    course = forms.ModelChoiceField(
        queryset=Course.objects.published(),
        required=False,
        empty_label=_("All courses"),
        label=_("Course"),
    )
    status = forms.ChoiceField(
        choices=[("", _("Any status")), *RowStatus.choices], required=False, label=_("Status")
    )
    sort = forms.ChoiceField(choices=list(SORTS.items()), required=False, label=_("Sort"))

    def __init__(self, *args, teams, courses, **kwargs):
        super().__init__(*args, **kwargs)
        team, course = self.fields["team"], self.fields["course"]
        team.queryset = teams
        # Options from plain lists: a queryset's choices would be read through a
        # server-side cursor on PostgreSQL, three round trips for a few rows.
        team.choices = [("", team.empty_label), *((t.pk, str(t)) for t in teams)]
        course.choices = [("", course.empty_label), *((c.pk, str(c)) for c in courses)]


class AttestationForm(forms.ModelForm):
    """The time the learner attests they spent on a completed course, in quarter hours, up
    to the credit frozen at completion."""

    class Meta:
        model = CourseCompletion
        fields = ("attested_hours",)
        labels = {"attested_hours": _("Time you spent (hours)")}
        help_texts = {"attested_hours": _("In quarter hours, up to the course's credit.")}
        widgets = {"attested_hours": forms.NumberInput(attrs={"step": "0.25", "min": "0"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["attested_hours"]
        field.required = True
        field.widget.attrs["max"] = str(self.instance.credit_hours)
        # Each completion's form on the transcript needs its own ids.
        self.prefix = f"c{self.instance.pk}"

    def clean_attested_hours(self):
        hours = self.cleaned_data["attested_hours"]
        if hours is not None and hours > self.instance.credit_hours:
            raise forms.ValidationError(
                _("The time you spent can be at most the course's credit of %(hours)s hours."),
                params={"hours": self.instance.credit_hours},
            )
        return hours
