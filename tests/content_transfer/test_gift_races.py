"""Two GIFT imports into the same quiz at once (two editors, or a double click) number their
questions one after the other: the import writes the quiz's row first, which makes the second
wait, rather than relying on select_for_update (SQLite ignores it)."""

import pytest

from portal.content_transfer.gift import import_questions, parse_gift
from quizzes.models import Question
from tests.education.test_draft_races import postgresql_only, race
from tests.quizzes.factories import make_quiz

GIFT = """
::One:: Which is right? {=Right ~Wrong ~Other}

::Two:: Which is right? {=Right ~Wrong ~Other}
"""


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_imports_at_once_give_every_question_its_own_position():
    quiz = make_quiz(questions=2)
    results, errors = race(
        lambda: import_questions(quiz=quiz, questions=parse_gift(GIFT)), [(), (), ()]
    )
    assert errors == [] and len(results) == 3
    positions = list(Question.objects.filter(quiz=quiz).values_list("position", flat=True))
    assert sorted(positions) == list(range(1, 9))
