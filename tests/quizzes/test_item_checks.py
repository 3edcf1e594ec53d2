"""The item-writing checker: each rule trips on an item that has the flaw, and stays quiet
on one that does not."""

import pytest
from django.core.management import CommandError, call_command

from quizzes.item_checks import Item, ItemChoice, check_item, check_quiz
from quizzes.models import QuestionKind


def item(*options, stem="What is the best next step?", kind=QuestionKind.SINGLE, vignette="",
         rationale="Because.", feedback="Why."):  # fmt: skip
    """`options`: texts, the first one correct unless given as (text, correct) pairs."""
    choices = []
    for number, option in enumerate(options):
        text, correct = option if isinstance(option, tuple) else (option, number == 0)
        choices.append(ItemChoice(text, correct, feedback))
    return Item(
        kind=kind, stem=stem, vignette=vignette, rationale=rationale, choices=tuple(choices)
    )


SOUND = item(
    "Arrange prompt assessment of the new pain",
    "Increase her usual pain relief and review next month",
    "Reassure her that bruising after a fall is expected",
    "Repeat the bone scan at her next planned visit",
)


def codes(findings):
    return {finding.code for finding in findings}


def test_a_sound_item_has_no_findings():
    assert check_item(SOUND) == []


def test_all_or_none_of_the_above_is_an_error():
    findings = check_item(item("A plan", "Another plan", "All of the above"))
    assert "all-or-none" in codes(findings)
    assert any(f.is_error for f in findings)


def test_absolute_words_in_distractors_but_not_in_the_key_are_flagged():
    flawed = item("Discuss a biopsy of the liver deposit", "Treat by the original result only")
    assert "absolute-words" in codes(check_item(flawed))
    both = item("Use only the newest result", "Treat by the original result only")
    assert "absolute-words" not in codes(check_item(both))


def test_a_key_much_longer_than_every_distractor_is_flagged():
    flawed = item(
        "Escalate the new back pain for prompt assessment and review her falls plan today",
        "Reassure her",
        "Repeat the scan",
    )
    assert "long-key" in codes(check_item(flawed))
    assert "long-key" not in codes(check_item(SOUND))


def test_a_negative_stem_needs_emphasis():
    plain = item("A", "B", stem="Which finding does not suggest bone spread?")
    assert "negative-stem" in codes(check_item(plain))
    for stem in ("Which finding does NOT suggest bone spread?", "Which is **not** a sign?"):
        assert "negative-stem" not in codes(check_item(item("A", "B", stem=stem)))


def test_duplicate_options_are_an_error_and_near_duplicates_a_warning():
    assert "duplicate-options" in codes(check_item(item("Order an MRI.", "order an MRI", "Wait")))
    near = item("Order an MRI of the brain", "Order an MRI of the brains", "Wait and see")
    assert codes(check_item(near)) >= {"near-duplicate-options"}
    assert not codes(check_item(SOUND)) & {"duplicate-options", "near-duplicate-options"}


def test_a_stem_word_echoed_only_in_the_key_is_a_verbal_cue():
    stem = "Which organ is most likely affected, given the jaundice?"
    flawed = item("Liver, given the jaundice", "Bone", "Lung", "Brain", stem=stem)
    assert "verbal-cue" in codes(check_item(flawed))
    fair = item("Liver", "Bone", "Lung", "Brain", stem=stem)
    assert "verbal-cue" not in codes(check_item(fair))


def test_a_missing_rationale_is_an_error_and_missing_feedback_a_warning():
    assert "missing-rationale" in codes(check_item(item("A", "B", rationale=" ")))
    assert "missing-feedback" in codes(check_item(item("A", "B", feedback="")))
    assert not codes(check_item(SOUND)) & {"missing-rationale", "missing-feedback"}


def multiple(correct):
    options = [
        (f"Option {letter} about a separate idea", n < correct) for n, letter in enumerate("vwxyz")
    ]
    return item(*options, kind=QuestionKind.MULTIPLE, stem="Which apply? Select all that apply.")


def test_select_all_items_of_a_quiz_with_one_number_of_correct_options_are_flagged():
    assert "same-correct-count" in codes(check_quiz([multiple(3), SOUND, multiple(3)]))
    assert "same-correct-count" not in codes(check_quiz([multiple(2), SOUND, multiple(3)]))


def true_false(key):
    return item(("True", key == "True"), ("False", key == "False"), kind=QuestionKind.TRUE_FALSE)


def test_a_quiz_whose_true_false_keys_all_go_one_way_is_flagged():
    assert "true-false-balance" in codes(check_quiz([true_false("False")] * 3))
    balanced = [true_false("False"), true_false("True"), true_false("False")]
    assert "true-false-balance" not in codes(check_quiz(balanced))


LESSON = """## A worked case
Grace, 54 (fictional), has bone metastases and has missed doses because she cannot afford
the travel to clinic, and she says she feels low most days since losing her job."""


def test_a_vignette_that_reuses_the_lessons_case_is_flagged():
    same_person = item("A", "B", vignette="Grace, 54, asks about her tablets.")
    assert "lesson-case" in codes(check_item(same_person, lesson_text=LESSON))
    copied = item(
        "A",
        "B",
        vignette="Nerys, 54, has bone metastases and has missed doses because she cannot "
        "afford the travel to clinic.",
    )
    assert "lesson-case" in codes(check_item(copied, lesson_text=LESSON))
    new = item("A", "B", vignette="Ida, 71 (fictional), has new headaches and is unsteady.")
    assert "lesson-case" not in codes(check_item(new, lesson_text=LESSON))


def test_findings_name_the_question_they_concern():
    findings = check_quiz([SOUND, item("A", "B", rationale="")])
    message = next(str(f) for f in findings if f.code == "missing-rationale")
    assert message.startswith("Question 2:")


def test_check_items_passes_on_the_shipped_curriculum(db, capsys):
    call_command("check_items", "--curriculum", "--summary")
    out = capsys.readouterr().out
    assert "Total" in out and "Errors" in out


def test_check_items_fails_on_a_quiz_with_an_error(db):
    from tests.quizzes.factories import make_quiz

    quiz = make_quiz()
    question = quiz.questions.first()
    choice = question.choices.filter(is_correct=False).first()
    choice.text = "None of the above"
    choice.save()
    with pytest.raises(CommandError, match="error"):
        call_command("check_items", quiz.slug)
