from django import forms
from django.utils.translation import gettext_lazy as _

from portal.evaluations.models import AnswerKind, YesNo, rating_choices

COMMENT_MAX = 4000


def _field(question):
    if question.kind == AnswerKind.RATING:
        return forms.TypedChoiceField(
            label=question.text,
            choices=rating_choices(),
            coerce=int,
            empty_value=None,
            widget=forms.RadioSelect,
            required=question.required,
            error_messages={"required": _("Please choose how far you agree.")},
        )
    if question.kind == AnswerKind.YES_NO:
        return forms.ChoiceField(
            label=question.text,
            choices=YesNo.choices,
            widget=forms.RadioSelect,
            required=question.required,
            error_messages={"required": _("Please choose yes, no or not sure.")},
        )
    return forms.CharField(
        label=question.text,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=COMMENT_MAX,
        required=question.required,
        strip=True,
        help_text=None if question.required else _("Optional."),
        error_messages={
            "required": _("Please write a few words."),
            "max_length": _("Please keep it under %(limit_value)d characters."),
        },
    )


class EvaluationForm(forms.Form):
    """One field for each question asked, in order (`q<id>`)."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            self.fields[f"q{question.pk}"] = _field(question)

    def answers(self):
        """Each question with its cleaned answer (None or "" when left empty)."""
        return {q: self.cleaned_data.get(f"q{q.pk}") for q in self.questions}
