"""A score as a percentage. (How one answer is marked depends on its kind: quizzes/kinds.py.)"""

from decimal import ROUND_HALF_UP, Decimal

TWO_PLACES = Decimal("0.01")


def score_percent(score, maximum):
    if not maximum:
        return Decimal(0).quantize(TWO_PLACES)
    return (Decimal(100) * score / maximum).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
