from decimal import Decimal

import pytest

from quizzes.grading import score_percent
from quizzes.kinds import mark_for
from quizzes.models import QuestionKind

RIGHT = {1, 2, 3}


def mark(kind, selected, partial=False, points=2, correct=RIGHT):
    return mark_for(
        kind=kind,
        points=points,
        correct_ids=correct,
        selected_ids=selected,
        partial_credit=partial,
    )


@pytest.mark.parametrize("kind", [QuestionKind.SINGLE, QuestionKind.TRUE_FALSE])
def test_single_answer_kinds_score_all_or_nothing(kind):
    assert mark(kind, [7], correct={7}) == Decimal("2.00")
    assert mark(kind, [8], correct={7}) == Decimal("0.00")
    assert mark(kind, [], correct={7}) == Decimal("0.00")


def test_multiple_response_is_all_or_nothing_by_default():
    assert mark(QuestionKind.MULTIPLE, [1, 2, 3]) == Decimal("2.00")
    assert mark(QuestionKind.MULTIPLE, [1, 2]) == Decimal("0.00")
    assert mark(QuestionKind.MULTIPLE, [1, 2, 3, 4]) == Decimal("0.00")


@pytest.mark.parametrize(
    "selected,expected",
    [
        ([1, 2, 3], "2.00"),
        ([1, 2], "1.33"),
        ([1], "0.67"),
        ([1, 2, 4], "0.67"),
        ([1, 4, 5], "0.00"),
        ([4], "0.00"),
    ],
)
def test_partial_credit_is_right_minus_wrong_never_below_zero(selected, expected):
    assert mark(QuestionKind.MULTIPLE, selected, partial=True) == Decimal(expected)


def test_percent_is_rounded_to_two_places_and_safe_for_an_empty_quiz():
    assert score_percent(Decimal(2), Decimal(3)) == Decimal("66.67")
    assert score_percent(Decimal(0), Decimal(0)) == Decimal("0.00")
