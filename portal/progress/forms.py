from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from education.forms import LiveChoiceField
from education.models import Course
from portal.progress.models import Assignment


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

    def clean(self):
        data = super().clean()
        if bool(data.get("team")) == bool(data.get("learner")):
            raise forms.ValidationError(_("Choose either a team or one person, not both."))
        return data
