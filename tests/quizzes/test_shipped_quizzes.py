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


def test_a_revised_quiz_file_keeps_attempts_with_the_questions_they_showed(db, learner, tmp_path):
    import shutil
    import tomllib

    from education.loader import CURRICULUM_DIR
    from quizzes import services
    from quizzes.models import AttemptQuestion

    directory = tmp_path / "curriculum"
    shutil.copytree(CURRICULUM_DIR, directory)
    call_command("load_curriculum", directory=str(directory))
    quiz = Quiz.objects.get(slug="bone-health-quiz")
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    shown = {row.question_id: row.stem_html for row in attempt.questions.all()}
    first, second = quiz.questions.order_by("position")[:2]

    path = directory / "quizzes" / "11-bone-health.toml"
    text = path.read_text()
    old_stem = tomllib.loads(text)["questions"][0]["stem"].strip()
    path.write_text(text.replace(old_stem, "A rewritten question about bone health?", 1))
    call_command("load_curriculum", directory=str(directory))

    first.refresh_from_db()
    second.refresh_from_db()
    assert not first.is_active and first.stem == old_stem  # retired, as the attempt showed it
    assert second.is_active and second.position == 1 + 1  # unchanged: the same row
    new = quiz.questions.get(is_active=True, position=1)
    assert new.stem == "A rewritten question about bone health?" and new.pk not in shown
    for row in AttemptQuestion.objects.filter(attempt=attempt):
        assert row.stem_html == shown[row.question_id]  # the review shows what was asked
    next_attempt_questions = {q.pk for q in quiz.questions.filter(is_active=True)}
    assert new.pk in next_attempt_questions and first.pk not in next_attempt_questions
