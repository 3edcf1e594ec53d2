import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.db.models import ProtectedError
from django.utils import timezone

from quizzes import services
from quizzes.models import Attempt, AttemptQuestion, AttemptState, QuestionKind
from quizzes.services import QuizError
from tests.quizzes.factories import add_question, choice_id, make_quiz


@pytest.fixture
def quiz(db):
    return make_quiz(questions=3)


def answer(attempt, position, text, now=None):
    row = attempt.questions.get(position=position)
    return services.save_answer(
        attempt=attempt, attempt_question=row, choice_ids=[choice_id(row, text)], now=now
    )


def test_starting_freezes_the_questions_as_shown(learner, quiz):
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    assert attempt.number == 1
    assert attempt.state == AttemptState.IN_PROGRESS
    assert attempt.max_score == 3
    rows = list(attempt.questions.all())
    assert [row.stem_html for row in rows] == [
        "<p>Stem 1</p>\n",
        "<p>Stem 2</p>\n",
        "<p>Stem 3</p>\n",
    ]
    assert [c["text"] for c in rows[0].choices] == ["right", "wrong", "other"]


def test_starting_again_resumes_the_open_attempt(learner, quiz):
    first = services.start_attempt(learner=learner, quiz=quiz)
    assert services.start_attempt(learner=learner, quiz=quiz) == first
    assert Attempt.objects.count() == 1


def test_the_attempt_limit_is_enforced(learner, quiz):
    quiz.attempts_allowed = 1
    quiz.save()
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    services.submit_attempt(attempt=attempt)
    with pytest.raises(QuizError, match="used all the attempts"):
        services.start_attempt(learner=learner, quiz=quiz)
    assert Attempt.objects.count() == 1


def test_the_database_refuses_a_second_open_attempt(learner, quiz):
    services.start_attempt(learner=learner, quiz=quiz)
    with pytest.raises(IntegrityError):
        Attempt.objects.create(
            learner=learner, quiz=quiz, number=2, started_at=timezone.now(), pass_mark=70
        )


def test_the_database_refuses_a_repeated_attempt_number(learner, quiz):
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    services.submit_attempt(attempt=attempt)
    with pytest.raises(IntegrityError):
        Attempt.objects.create(
            learner=learner,
            quiz=quiz,
            number=1,
            started_at=timezone.now(),
            pass_mark=70,
            state="submitted",
        )


def test_the_database_refuses_a_score_above_the_maximum(learner, quiz):
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    with pytest.raises(IntegrityError):
        Attempt.objects.filter(pk=attempt.pk).update(score=Decimal(4))


def test_a_draw_count_picks_that_many_questions_and_shuffling_reorders(learner, quiz):
    for position in range(4, 11):
        add_question(quiz, position=position)
    quiz.draw_count = 4
    quiz.shuffle_questions = True
    quiz.save()
    attempt = services.start_attempt(learner=learner, quiz=quiz, rng=random.Random(3))
    rows = list(attempt.questions.all())
    assert len(rows) == 4
    assert [row.position for row in rows] == [1, 2, 3, 4]
    assert attempt.max_score == 4


def test_answers_are_stored_as_they_are_given(learner, quiz):
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    answer(attempt, 1, "wrong")
    answer(attempt, 1, "right")
    row = attempt.questions.get(position=1)
    assert row.selected == [choice_id(row, "right")]
    assert row.answered_at is not None


@pytest.mark.parametrize(
    "choice_ids,message",
    [
        (["999999"], "not one of the choices"),
        (["abc"], "not one of the choices"),
        ([None], "not one of the choices"),
        (["1"] * 21, "Too many choices"),
    ],
)
def test_malformed_or_foreign_choices_are_refused(learner, quiz, choice_ids, message):
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    row = attempt.questions.get(position=1)
    with pytest.raises(QuizError, match=message):
        services.save_answer(attempt=attempt, attempt_question=row, choice_ids=choice_ids)
    row.refresh_from_db()
    assert row.selected == []


def test_a_choice_from_another_question_is_refused(learner, quiz):
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    first, second = attempt.questions.all()[:2]
    with pytest.raises(QuizError, match="not one of the choices of this question"):
        services.save_answer(
            attempt=attempt, attempt_question=first, choice_ids=[choice_id(second, "right")]
        )


def test_a_question_of_another_attempt_is_refused(learner, other_learner, quiz):
    mine = services.start_attempt(learner=learner, quiz=quiz)
    theirs = services.start_attempt(learner=other_learner, quiz=quiz)
    row = theirs.questions.first()
    with pytest.raises(QuizError, match="not part of this attempt"):
        services.save_answer(
            attempt=mine, attempt_question=row, choice_ids=[choice_id(row, "right")]
        )


def test_two_choices_for_a_single_answer_question_are_refused(learner, quiz):
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    row = attempt.questions.first()
    with pytest.raises(QuizError, match="only one answer"):
        services.save_answer(
            attempt=attempt,
            attempt_question=row,
            choice_ids=[choice_id(row, "right"), choice_id(row, "wrong")],
        )


def test_submitting_grades_once_and_refuses_later_answers(learner, quiz):
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    answer(attempt, 1, "right")
    answer(attempt, 2, "right")
    answer(attempt, 3, "wrong")
    assert services.submit_attempt(attempt=attempt) is True
    attempt.refresh_from_db()
    assert (attempt.state, attempt.score, attempt.percent, attempt.passed) == (
        AttemptState.SUBMITTED,
        Decimal("2.00"),
        Decimal("66.67"),
        False,
    )
    assert services.submit_attempt(attempt=attempt) is False
    with pytest.raises(QuizError, match="closed"):
        answer(attempt, 3, "right")
    attempt.refresh_from_db()
    assert attempt.score == Decimal("2.00")


def test_answers_are_accepted_in_the_grace_period_and_refused_after(learner, quiz):
    quiz.time_limit_minutes = 10
    quiz.save()
    start = timezone.now()
    attempt = services.start_attempt(learner=learner, quiz=quiz, now=start)
    assert attempt.deadline == start + timedelta(minutes=10)
    answer(attempt, 1, "right", now=start + timedelta(minutes=10, seconds=59))
    with pytest.raises(QuizError, match="closed"):
        answer(attempt, 2, "right", now=start + timedelta(minutes=11, seconds=1))


def test_overdue_attempts_expire_with_the_answers_saved_in_time_idempotently(learner, quiz):
    quiz.time_limit_minutes = 5
    quiz.save()
    start = timezone.now() - timedelta(hours=1)
    attempt = services.start_attempt(learner=learner, quiz=quiz, now=start)
    answer(attempt, 1, "right", now=start + timedelta(minutes=1))
    later = start + timedelta(minutes=30)
    assert services.close_overdue_attempts(now=later) == 1
    assert services.close_overdue_attempts(now=later) == 0
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.EXPIRED
    assert attempt.submitted_at == attempt.deadline
    assert attempt.score == Decimal("1.00")


def test_the_close_overdue_command_closes_abandoned_attempts(learner, quiz):
    from django.core.management import call_command

    quiz.time_limit_minutes = 1
    quiz.save()
    services.start_attempt(learner=learner, quiz=quiz, now=timezone.now() - timedelta(hours=2))
    call_command("close_overdue_attempts")
    assert Attempt.objects.get().state == AttemptState.EXPIRED


def test_editing_a_question_never_changes_a_finished_attempt(learner, quiz):
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    answer(attempt, 1, "right")
    services.submit_attempt(attempt=attempt)
    before = list(attempt.questions.values_list("stem_html", "choices", "mark"))
    question = quiz.questions.get(position=1)
    question.stem = "Rewritten stem"
    question.save()
    question.choices.filter(text="right").update(text="changed", is_correct=False)
    question.choices.filter(text="wrong").update(is_correct=True)
    quiz.questions.filter(position=2).update(is_active=False)
    quiz.questions.filter(position=3).update(position=0)
    assert list(attempt.questions.values_list("stem_html", "choices", "mark")) == before
    attempt.refresh_from_db()
    assert attempt.score == Decimal("1.00")


def test_editing_a_question_never_changes_an_in_progress_attempt(learner, quiz):
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    quiz.questions.filter(position=1).update(stem="Changed", stem_html="<p>Changed</p>")
    assert attempt.questions.get(position=1).stem_html == "<p>Stem 1</p>\n"


def test_a_retired_question_is_not_drawn_for_new_attempts(learner, quiz):
    quiz.questions.filter(position=2).update(is_active=False)
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    assert attempt.questions.count() == 2


def test_deleting_questions_or_quizzes_that_attempts_show_is_refused(learner, quiz):
    services.start_attempt(learner=learner, quiz=quiz)
    with pytest.raises(ProtectedError):
        quiz.questions.first().delete()
    with pytest.raises(ProtectedError):
        quiz.delete()


def test_regrade_lists_the_changed_attempts_then_applies_once(
    learner, other_learner, reviewer, quiz
):
    mine = services.start_attempt(learner=learner, quiz=quiz)
    answer(mine, 1, "wrong")
    services.submit_attempt(attempt=mine)
    theirs = services.start_attempt(learner=other_learner, quiz=quiz)
    answer(theirs, 2, "right")
    services.submit_attempt(attempt=theirs)
    question = quiz.questions.get(position=1)
    question.choices.update(is_correct=False)
    question.choices.filter(text="wrong").update(is_correct=True)

    changes, _ = services.regrade_preview(quiz)
    assert [(a.pk, old, new) for a, old, new in changes] == [
        (mine.pk, Decimal("0.00"), Decimal("1.00"))
    ]
    mine.refresh_from_db()
    assert mine.score == 0  # the dry run changed nothing

    services.apply_regrade(quiz=quiz, user=reviewer)
    mine.refresh_from_db()
    assert mine.score == Decimal("1.00")
    assert mine.regrades.get().regraded_by == reviewer
    review = mine.questions.get(position=1)
    assert review.correct_ids == {choice_id(review, "wrong")}
    assert services.apply_regrade(quiz=quiz, user=reviewer) == []
    assert mine.regrades.count() == 1


def test_multiple_response_partial_credit_through_a_whole_attempt(learner, db):
    quiz = make_quiz(questions=0, slug="multi", partial_credit=True)
    add_question(quiz, kind=QuestionKind.MULTIPLE, correct=("a", "b"), wrong=("c", "d"), points=2)
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    row = attempt.questions.get()
    services.save_answer(attempt=attempt, attempt_question=row, choice_ids=[choice_id(row, "a")])
    services.submit_attempt(attempt=attempt)
    attempt.refresh_from_db()
    assert attempt.score == Decimal("1.00")
    assert AttemptQuestion.objects.get().mark == Decimal("1.00")
