from django import forms
from django.utils.translation import gettext_lazy as _

from quizzes import overrides
from quizzes.models import OverrideKind, QuizOverride


class QuizOverrideForm(forms.ModelForm):
    """One adjustment of a quiz for one learner; quizzes.overrides.grant applies it."""

    class Meta:
        model = QuizOverride
        fields = ("kind", "extra_minutes", "reason")
        widgets = {
            "kind": forms.RadioSelect,
            "reason": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "kind": _(
                "Past attempts always stay on record. A learner who has used every attempt "
                "may already have seen the answers of an assessment."
            ),
            "extra_minutes": _("Only for extra time: minutes added to the time limit."),
            "reason": _("Kept with the adjustment, e.g. an agreed accommodation."),
        }

    def __init__(self, *args, quiz, learner, **kwargs):
        super().__init__(*args, **kwargs)
        self.quiz, self.learner = quiz, learner
        offered = []
        if quiz.attempts_allowed is not None:
            offered += [OverrideKind.EXTRA_ATTEMPT, OverrideKind.RESET]
        if quiz.time_limit_minutes:
            offered.append(OverrideKind.EXTRA_TIME)
        self.fields["kind"].choices = [(kind.value, kind.label) for kind in offered]
        self.fields["extra_minutes"].required = False
        if not quiz.time_limit_minutes:
            del self.fields["extra_minutes"]

    def clean_extra_minutes(self):
        return self.cleaned_data.get("extra_minutes") or 0

    def clean(self):
        data = super().clean()
        quiz, learner = self.quiz or data.get("quiz"), self.learner or data.get("username")
        if quiz and learner and data.get("kind") and "reason" in data:
            problem = overrides.refusal(
                learner=learner,
                quiz=quiz,
                kind=data["kind"],
                reason=data["reason"],
                extra_minutes=data.get("extra_minutes") or 0,
            )
            if problem:
                raise forms.ValidationError(problem)
        return data
