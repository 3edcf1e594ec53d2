"""The rules an answer key must keep, in one place: the question admin's choice formset,
restoring old versions into a draft, and submitting or publishing a quiz all ask them."""

from django.utils.translation import gettext_lazy as _

from quizzes.models import QuestionKind


def _is_correct(choice):
    return bool(choice.get("is_correct") if isinstance(choice, dict) else choice.is_correct)


def answer_key_problems(kind, choices):
    """What is wrong with a question of `kind` with these `choices` (Choice objects or dicts
    with "is_correct", the deleted ones left out): a list of translatable messages, empty
    when the answer key makes sense."""
    choices = list(choices)
    correct = sum(1 for choice in choices if _is_correct(choice))
    problems = []
    if len(choices) < 2:
        problems.append(_("A question needs at least two choices."))
    if kind in {QuestionKind.SINGLE, QuestionKind.TRUE_FALSE} and correct != 1:
        problems.append(
            _("A single-answer or true/false question needs exactly one correct choice.")
        )
    if kind == QuestionKind.MULTIPLE and correct < 1:
        problems.append(_("A multiple-response question needs at least one correct choice."))
    return problems
