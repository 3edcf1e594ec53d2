"""Publishing a quiz draft matches its questions and choices to the live ones by identity,
never by position, so old attempts keep pointing at the questions they showed."""

from datetime import date

import pytest
from django.core.management import call_command
from django.db.models import F

from education import workflow
from quizzes import services
from quizzes.models import Choice, Question, Quiz
from tests.quizzes.factories import add_question, make_quiz, take_quiz


@pytest.fixture
def quiz(db):
    return make_quiz(questions=3)


def publish(draft, editor, reviewer):
    workflow.submit_for_review(obj=draft, user=editor)
    return workflow.publish(
        obj=draft, user=reviewer, reviewer=reviewer, reviewed_on=date(2026, 1, 5)
    )


def live_stems(quiz):
    return list(quiz.questions.filter(is_active=True).values_list("stem", flat=True))


def test_a_question_inserted_first_in_the_draft_becomes_a_new_live_question(
    quiz, learner, editor, reviewer
):
    attempt = take_quiz(learner, quiz, "right")
    before = {question.pk: question.stem for question in quiz.questions.all()}
    draft = workflow.start_draft(live=quiz, user=editor)
    draft.questions.update(position=F("position") + 1)
    new = add_question(draft, position=1, correct=("new right",), wrong=("new wrong", "x"))
    new.stem = "A new first question"
    new.save()

    publish(draft, editor, reviewer)

    for pk, stem in before.items():
        assert Question.objects.get(pk=pk).stem == stem  # every old row holds its question
    assert live_stems(quiz) == ["A new first question", "Stem 1", "Stem 2", "Stem 3"]
    assert services.regrade_preview(quiz)[0] == []  # no key changed: nothing to regrade
    attempt.refresh_from_db()
    assert attempt.score == 3


def test_a_question_removed_from_the_draft_is_retired_and_the_others_keep_their_rows(
    quiz, learner, editor, reviewer
):
    take_quiz(learner, quiz, "right")
    one, two, three = quiz.questions.order_by("position")
    draft = workflow.start_draft(live=quiz, user=editor)
    draft.questions.get(replaces=one).delete()

    publish(draft, editor, reviewer)

    one.refresh_from_db()
    assert not one.is_active and one.stem == "Stem 1"
    assert [q.pk for q in quiz.questions.filter(is_active=True)] == [two.pk, three.pk]
    assert live_stems(quiz) == ["Stem 2", "Stem 3"]
    assert services.regrade_preview(quiz)[0] == []


def test_questions_and_choices_reordered_in_the_draft_keep_their_rows(
    quiz, learner, editor, reviewer
):
    take_quiz(learner, quiz, "right")
    one, two, three = quiz.questions.order_by("position")
    right, wrong, other = one.choices.order_by("position")
    draft = workflow.start_draft(live=quiz, user=editor)
    draft.questions.filter(replaces=three).update(position=0)
    copy = draft.questions.get(replaces=one)
    copy.choices.filter(replaces=right).update(position=99)

    publish(draft, editor, reviewer)

    assert [q.pk for q in quiz.questions.filter(is_active=True)] == [three.pk, one.pk, two.pk]
    assert list(one.choices.values_list("pk", "text", "is_correct")) == [
        (wrong.pk, "wrong", False),
        (other.pk, "other", False),
        (right.pk, "right", True),
    ]
    assert services.regrade_preview(quiz)[0] == []


def test_a_key_changed_in_the_draft_is_what_the_regrade_offers(quiz, learner, editor, reviewer):
    attempt = take_quiz(learner, quiz, "wrong")
    first = quiz.questions.order_by("position").first()
    draft = workflow.start_draft(live=quiz, user=editor)
    add_question(draft, position=0)  # an insertion at the top changes no key
    copy = draft.questions.get(replaces=first)
    copy.choices.update(is_correct=False)
    copy.choices.filter(text="wrong").update(is_correct=True)

    publish(draft, editor, reviewer)

    assert services.regrade_preview(quiz)[0] == [(attempt, 0, 1)]


def test_a_draft_started_before_identities_were_recorded_publishes_by_rank(quiz, editor, reviewer):
    """Migration 0009 links the questions of drafts already open by rank, as they were made."""
    from importlib import import_module

    from django.apps import apps

    one = quiz.questions.order_by("position").first()
    draft = workflow.start_draft(live=quiz, user=editor)
    Question.objects.filter(quiz=draft).update(replaces=None)
    Choice.objects.filter(question__quiz=draft).update(replaces=None)
    draft.questions.filter(position=1).update(stem="Stem 1, reworded")

    migration = import_module("quizzes.migrations.0009_question_and_choice_replaces")
    migration.link_open_drafts_by_rank(apps, None)
    publish(draft, editor, reviewer)

    one.refresh_from_db()
    assert one.stem == "Stem 1, reworded" and one.is_active
    assert Question.objects.filter(quiz=quiz).count() == 3


def test_a_copy_of_a_quiz_replaces_nothing(quiz, editor):
    from quizzes.admin import copy_quiz

    copy = copy_quiz(quiz, editor)
    assert not copy.questions.filter(replaces__isnull=False).exists()
    assert not Choice.objects.filter(question__quiz=copy, replaces__isnull=False).exists()


def test_the_shipped_quizzes_publish_from_a_draft_unchanged(db, editor, reviewer):
    call_command("load_curriculum")
    quiz = Quiz.objects.get(slug="receptor-rebiopsy-quiz")
    rows = list(quiz.questions.values_list("pk", "stem", "position"))
    publish(workflow.start_draft(live=quiz, user=editor), editor, reviewer)
    assert list(quiz.questions.values_list("pk", "stem", "position")) == rows
