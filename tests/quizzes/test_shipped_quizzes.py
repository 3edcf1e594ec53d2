"""The shipped quizzes load, and follow the item-writing rules we can check by machine."""

import re

import pytest
from django.core.management import call_command

from education.models import Lesson
from quizzes.models import Question, QuestionKind, Quiz


@pytest.fixture
def shipped(db):
    call_command("load_curriculum")


def test_every_lesson_has_a_quiz_of_at_least_five_questions(shipped):
    for lesson in Lesson.objects.all():
        quiz = Quiz.objects.published().get(lesson=lesson)
        assert quiz.questions.filter(is_active=True).count() >= 5, lesson.slug
    assert Question.objects.count() >= 70


def test_every_question_has_a_rationale_an_objective_and_a_sound_key(shipped):
    for question in Question.objects.prefetch_related("choices"):
        correct = [c for c in question.choices.all() if c.is_correct]
        assert question.rationale_html.strip(), question.pk
        assert question.objective in question.quiz.lesson.objective_list
        if question.kind == QuestionKind.MULTIPLE:
            assert len(correct) >= 2 and "select all" in question.stem.lower()
        else:
            assert len(correct) == 1


def test_no_question_offers_all_or_none_of_the_above(shipped):
    pattern = re.compile(r"\b(all|none|both) of the above\b", re.IGNORECASE)
    for question in Question.objects.prefetch_related("choices"):
        assert not any(pattern.search(c.text) for c in question.choices.all()), question.pk


def test_rationales_point_to_a_real_section_of_the_lesson(shipped):
    for question in Question.objects.select_related("quiz__lesson"):
        for section in re.findall(r"See the lesson section '([^']+)'", question.rationale):
            assert f">{section}</h2>" in question.quiz.lesson.body_html, (question.pk, section)


def test_loading_twice_leaves_the_quizzes_alone(shipped, capsys):
    capsys.readouterr()
    call_command("load_curriculum")
    assert "0 created, 0 updated" in capsys.readouterr().out


def test_a_quiz_changed_in_the_admin_is_never_overwritten(shipped, capsys):
    question = Question.objects.filter(quiz__slug="bone-health-quiz").first()
    question.stem = "Edited by an editor"
    question.save()
    capsys.readouterr()
    call_command("load_curriculum")
    assert "skipped   quiz bone-health-quiz: edited in the admin" in capsys.readouterr().out
    question.refresh_from_db()
    assert question.stem == "Edited by an editor"
