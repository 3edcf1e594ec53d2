"""The shipped quizzes load, and follow the item-writing rules we can check by machine."""

import re
from collections import Counter

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

    from portal.content_transfer.curriculum import CURRICULUM_DIR
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


@pytest.fixture
def bank(db):
    """The shipped quiz files as the loader reads them, with each item's lesson text."""
    from portal.content_transfer.curriculum import CURRICULUM_DIR, parse_curriculum, read_facts
    from portal.content_transfer.curriculum_quizzes import parse_quizzes

    _courses, lessons = parse_curriculum(CURRICULUM_DIR)
    problems = []
    quizzes = parse_quizzes(lessons, problems, CURRICULUM_DIR)
    assert problems == []
    bodies = {lesson["slug"]: lesson["body"] for lesson in lessons}
    items = [(quiz, question) for quiz in quizzes for question in quiz["questions"]]
    return {"items": items, "bodies": bodies, "facts": read_facts(CURRICULUM_DIR)}


def correct_count(question):
    return sum(choice["is_correct"] for choice in question["choices"])


def test_the_bank_has_at_least_a_hundred_items_mostly_applied_to_new_cases(bank):
    from quizzes.item_checks import Item, check_item

    def applies_to_a_new_case(quiz, question):
        if not question["vignette"].strip():
            return False
        findings = check_item(Item.from_data(question), 1, bank["bodies"][quiz["lesson"]])
        return not any(finding.code == "lesson-case" for finding in findings)

    items = bank["items"]
    applied = [q for quiz, q in items if applies_to_a_new_case(quiz, q)]
    assert len(items) >= 100
    assert len(applied) >= 0.7 * len(items)


def test_every_fact_of_the_article_is_keyed_by_one_to_three_items(bank):
    keyed = Counter(question["fact"] for _quiz, question in bank["items"])
    assert "" not in keyed  # every item names the fact its key rests on
    assert {fact: keyed[fact] for fact in bank["facts"] if not 1 <= keyed[fact] <= 3} == {}


def test_select_all_items_vary_in_how_many_options_are_correct(bank):
    counts = Counter(
        correct_count(q) for _quiz, q in bank["items"] if q["kind"] == QuestionKind.MULTIPLE
    )
    assert set(counts) == {2, 3, 4}
    assert max(counts.values()) <= 0.5 * sum(counts.values())


def test_true_false_items_judge_a_case_and_are_keyed_both_ways(bank):
    true_false = [q for _quiz, q in bank["items"] if q["kind"] == QuestionKind.TRUE_FALSE]
    assert all(q["vignette"].strip() for q in true_false)  # never a bare sweeping statement
    keys = Counter(next(c["text"] for c in q["choices"] if c["is_correct"]) for q in true_false)
    assert abs(keys["True"] - keys["False"]) <= 1


def main_of(response):
    """The page's main landmark, without the CSRF tokens that are fresh on every request."""
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", main)


def test_after_a_revision_a_retake_shows_the_new_items_and_the_old_review_is_unchanged(
    db, client, learner, tmp_path
):
    import shutil

    from portal.content_transfer.curriculum import CURRICULUM_DIR
    from quizzes import services

    directory = tmp_path / "curriculum"
    shutil.copytree(CURRICULUM_DIR, directory)
    call_command("load_curriculum", directory=str(directory))
    quiz = Quiz.objects.get(slug="diagnosis-quiz")
    old = services.start_attempt(learner=learner, quiz=quiz)
    for row in old.questions.all():
        right = row.question.choices.filter(is_correct=True)
        services.save_answer(attempt=old, attempt_question=row, choice_ids=[c.pk for c in right])
    services.submit_attempt(attempt=old)
    client.force_login(learner)
    review = main_of(client.get(f"/attempts/{old.pk}/result/"))

    # Every stem of the quiz file is revised, as the curriculum revision replaced its items.
    path = directory / "quizzes" / "04-diagnosis.toml"
    path.write_text(path.read_text().replace('stem = """', 'stem = """Revised. '))
    call_command("load_curriculum", directory=str(directory))

    old.refresh_from_db()
    assert (old.score, old.max_score) == (8, 8)
    assert main_of(client.get(f"/attempts/{old.pk}/result/")) == review
    retake = services.start_attempt(learner=learner, quiz=quiz)
    stems = [row.question.stem for row in retake.questions.select_related("question")]
    assert len(stems) == 8 and all(stem.startswith("Revised. ") for stem in stems)
