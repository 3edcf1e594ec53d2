"""Each kind of question is defined once (quizzes/kinds.py), and everything asks it."""

import pytest
from django.template.loader import get_template

from quizzes.kinds import KINDS, QuestionKind, answer_key_problems, kind_of


def choices(*correct):
    return [{"is_correct": value} for value in correct]


def test_every_kind_has_its_rules_and_its_answer_fragment():
    assert set(KINDS) == set(QuestionKind)
    for kind in QuestionKind:
        rules = kind_of(kind)
        assert get_template(rules.answers_template)
        assert rules.input_type == ("checkbox" if rules.allows_many else "radio")


@pytest.mark.parametrize(
    ("kind", "key", "problem"),
    [
        (QuestionKind.SINGLE, (True, False), None),
        (QuestionKind.SINGLE, (True, True), "exactly one correct choice, not 2"),
        (QuestionKind.TRUE_FALSE, (False, False), "exactly one correct choice, not 0"),
        (QuestionKind.MULTIPLE, (True, True, False), None),
        (QuestionKind.MULTIPLE, (False, False), "at least one correct choice"),
        (QuestionKind.MULTIPLE, (True,), "at least two choices"),
    ],
)
def test_the_answer_key_rules_of_each_kind(kind, key, problem):
    problems = [str(message) for message in answer_key_problems(kind, choices(*key))]
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problem in problems[0]


def test_only_a_kind_that_allows_several_answers_earns_partial_credit():
    from decimal import Decimal

    from quizzes.kinds import mark_for

    def mark(kind):
        return mark_for(
            kind=kind, points=2, correct_ids={1, 2}, selected_ids={1}, partial_credit=True
        )

    assert mark(QuestionKind.MULTIPLE) == Decimal("1.00")
    assert mark(QuestionKind.SINGLE) == Decimal("0.00")
    assert not kind_of(QuestionKind.TRUE_FALSE).shuffles_choices
