"""What each kind of question is, in one place: how many answers a learner may give, whether
its choices may be shuffled, what its answer key must look like, how it is marked, and the
template fragment that draws its answers. The models, the admin, the curriculum loader, the
content pack, the services and the templates ask this module; adding a kind means adding it
here, with its fragment in templates/quizzes/answers/ and its tests (and a migration, since
the database checks the kind against QuestionKind). GIFT maps its own syntax onto these
kinds in portal/content_transfer/gift.py.

Nothing here touches the database, so every layer may import it.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

TWO_PLACES = Decimal("0.01")


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single best answer")
    MULTIPLE = "multiple", _("Multiple response")
    TRUE_FALSE = "true_false", _("True / false")


@dataclass(frozen=True)
class Kind:
    allows_many: bool  # several choices may be selected (checkboxes, not radio buttons)
    shuffles_choices: bool  # the quiz's "shuffle choices" setting applies
    partial_credit: bool  # the quiz's "partial credit" setting applies
    # The answer key: how many correct choices, and what to say when it is otherwise.
    correct_min: int
    correct_max: int | None
    key_rule: str
    # The choices' texts, in order, where the kind fixes them (the curriculum files and GIFT).
    fixed_choices: tuple | None = None
    answers_template: str = "quizzes/answers/choices.html"

    @property
    def input_type(self):
        return "checkbox" if self.allows_many else "radio"


KINDS = {
    QuestionKind.SINGLE: Kind(
        allows_many=False,
        shuffles_choices=True,
        partial_credit=False,
        correct_min=1,
        correct_max=1,
        key_rule=_(
            "A single best answer question needs exactly one correct choice, not %(count)d."
        ),
    ),
    QuestionKind.MULTIPLE: Kind(
        allows_many=True,
        shuffles_choices=True,
        partial_credit=True,
        correct_min=1,
        correct_max=None,
        key_rule=_("A multiple-response question needs at least one correct choice."),
    ),
    QuestionKind.TRUE_FALSE: Kind(
        allows_many=False,
        shuffles_choices=False,
        partial_credit=False,
        correct_min=1,
        correct_max=1,
        key_rule=_("A true/false question needs exactly one correct choice, not %(count)d."),
        fixed_choices=("True", "False"),
    ),
}


def kind_of(value):
    """The Kind of a QuestionKind value; KeyError for a value that is not one."""
    return KINDS[QuestionKind(value)]


def _is_correct(choice):
    return bool(choice.get("is_correct") if isinstance(choice, dict) else choice.is_correct)


def answer_key_problems(kind, choices):
    """What is wrong with a question of `kind` with these `choices` (Choice objects or dicts
    with "is_correct", the deleted ones left out): a list of translatable messages, empty
    when the answer key makes sense. The question admin, restoring versions, submitting and
    publishing a quiz, the curriculum loader and the content pack all ask it."""
    choices = list(choices)
    problems = []
    if len(choices) < 2:
        problems.append(_("A question needs at least two choices."))
    if kind not in QuestionKind.values:
        return problems
    rule = kind_of(kind)
    correct = sum(1 for choice in choices if _is_correct(choice))
    if correct < rule.correct_min or (rule.correct_max is not None and correct > rule.correct_max):
        problems.append(rule.key_rule % {"count": correct})
    return problems


def mark_for(*, kind, points, correct_ids, selected_ids, partial_credit):
    """The mark for one answered question. A pure function: the same input always grades
    the same. Partial credit (where the kind allows it): a point share per correct choice
    selected, less one per wrong choice, never below zero."""
    points = Decimal(points)
    selected = set(selected_ids)
    if not selected:
        return Decimal(0).quantize(TWO_PLACES)
    if partial_credit and kind_of(kind).partial_credit and correct_ids:
        right = len(selected & correct_ids)
        wrong = len(selected - correct_ids)
        fraction = max(Decimal(0), Decimal(right - wrong) / Decimal(len(correct_ids)))
        return (points * fraction).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
    return (points if selected == correct_ids else Decimal(0)).quantize(TWO_PLACES)
