"""Marks for one answered question. Pure functions: the same input always grades the same."""

from decimal import ROUND_HALF_UP, Decimal

from quizzes.models import QuestionKind

TWO_PLACES = Decimal("0.01")


def mark_for(*, kind, points, correct_ids, selected_ids, partial_credit):
    points = Decimal(points)
    selected = set(selected_ids)
    if not selected:
        return Decimal(0).quantize(TWO_PLACES)
    if kind == QuestionKind.MULTIPLE and partial_credit and correct_ids:
        right = len(selected & correct_ids)
        wrong = len(selected - correct_ids)
        fraction = max(Decimal(0), Decimal(right - wrong) / Decimal(len(correct_ids)))
        return (points * fraction).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
    return (points if selected == correct_ids else Decimal(0)).quantize(TWO_PLACES)


def percent_of(score, maximum):
    if not maximum:
        return Decimal(0).quantize(TWO_PLACES)
    return (Decimal(100) * score / maximum).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
