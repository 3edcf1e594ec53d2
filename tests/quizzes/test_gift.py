"""Moodle GIFT import and export: each kind reads, unsupported ones are refused with their
line, and the shipped quizzes survive a round trip."""

from textwrap import dedent

import pytest
from django.core.management import CommandError, call_command

from quizzes.gift import GiftError, ParsedChoice, export_gift, parse_gift
from quizzes.models import Question, QuestionKind, Quiz
from tests.quizzes.factories import add_question, make_quiz


def gift(text):
    return dedent(text).lstrip("\n")


def keys(choices):
    return [(choice.text, choice.is_correct, choice.feedback) for choice in choices]


def problems_of(text):
    with pytest.raises(GiftError) as error:
        parse_gift(text)
    return error.value.problems


# Reading --------------------------------------------------------------------------------


def test_a_single_answer_question_reads_with_choice_feedback_and_rationale():
    [question] = parse_gift(
        "Which stage is distant spread? {=Stage IV#Correct. ~Stage I#Too early. ~Stage II "
        "####Distant spread is stage IV.}"
    )
    assert question.kind == QuestionKind.SINGLE
    assert question.stem == "Which stage is distant spread?"
    assert question.rationale == "Distant spread is stage IV."
    assert keys(question.choices) == [
        ("Stage IV", True, "Correct."),
        ("Stage I", False, "Too early."),
        ("Stage II", False, ""),
    ]


def test_a_multiple_response_question_marks_the_positively_weighted_choices_correct():
    [question] = parse_gift(
        "Common sites? Select all that apply. {~%50%Bone#Yes ~%50%Liver ~%-100%Skin#Less common}"
    )
    assert question.kind == QuestionKind.MULTIPLE
    assert keys(question.choices) == [
        ("Bone", True, "Yes"),
        ("Liver", True, ""),
        ("Skin", False, "Less common"),
    ]


def test_a_multiple_response_question_accepts_moodle_fractional_weights():
    [question] = parse_gift("Pick three. {~%33.33333%a ~%33.33333%b ~%33.33333%c ~%-100%d}")
    assert [choice.is_correct for choice in question.choices] == [True, True, True, False]


@pytest.mark.parametrize("answer", ["T", "TRUE", "true"])
def test_a_true_question_has_true_then_false_with_true_correct(answer):
    [question] = parse_gift(f"Bone is a common site. {{{answer}}}")
    assert question.kind == QuestionKind.TRUE_FALSE
    assert keys(question.choices) == [("True", True, ""), ("False", False, "")]


def test_true_false_feedback_goes_first_to_the_wrong_then_to_the_right_choice():
    [question] = parse_gift("Size sets the stage. {FALSE#Spread does.#Right.####Stage IV.}")
    assert keys(question.choices) == [("True", False, "Spread does."), ("False", True, "Right.")]
    assert question.rationale == "Stage IV."
    [question] = parse_gift("Spread sets the stage. {T#No.#Yes.}")
    assert keys(question.choices) == [("True", True, "Yes."), ("False", False, "No.")]


def test_escaped_characters_are_text_and_not_syntax():
    [question] = parse_gift(r"Ratio 1\:2 \{x\} a\=b \~c \#d? \\ line\nbreak {=a\=b#c\#d ~e\~f\}}")
    assert question.stem == "Ratio 1:2 {x} a=b ~c #d? \\ line\nbreak"
    assert keys(question.choices) == [("a=b", True, "c#d"), ("e~f}", False, "")]


def test_an_unknown_escape_such_as_markdown_keeps_its_backslash():
    [question] = parse_gift(r"Not \*bold\* {=a ~b}")
    assert question.stem == r"Not \*bold\*"


def test_comments_titles_categories_and_format_markers_are_dropped():
    questions = parse_gift(
        gift(
            """
            // question: 1  name: Switch category
            $CATEGORY: $course$/top/Imported

            // a comment line
            ::Q1::[markdown]First **question**? {=a ~b}

            ::Second::[plain]Second? {T}
            """
        )
    )
    assert [question.stem for question in questions] == ["First **question**?", "Second?"]
    assert [question.title for question in questions] == ["Q1", "Second"]
    assert [question.line for question in questions] == [5, 7]


def test_a_question_may_span_several_lines():
    [question] = parse_gift(
        gift(
            """
            A woman of 48.
            Which stage? {
                =IV#Right
                // Moodle allows comments among the answers
                ~I
                ####Because.
            }
            """
        )
    )
    assert question.stem == "A woman of 48.\nWhich stage?"
    assert keys(question.choices) == [("IV", True, "Right"), ("I", False, "")]
    assert question.rationale == "Because."


def test_text_after_the_answers_stays_in_the_stem_with_a_blank_where_they_stood():
    [question] = parse_gift("Bone is {=the most ~the least} common site of spread.")
    assert question.stem == "Bone is _____ common site of spread."
    [question] = parse_gift("Which is true? {=a ~b}\n")
    assert question.stem == "Which is true?"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("How many? {#3:1}", "numeric questions"),
        ("Match. {=a -> 1 =b -> 2 =c -> 3}", "matching questions"),
        ("Capital? {=Paris =paris}", "short-answer questions"),
        ("Capital? {=Paris}", "short-answer questions"),
        ("Discuss. {}", "essay questions"),
        ("Two right? {=a =b ~c}", "more than one = answer"),
        ("Only one? {~%100%a}", "at least two choices"),
        ("Which? {~a ~b ~c}", "no right answer"),
        ("Which? {~%-50%a ~%0%b}", "no right answer"),
        ("Which? {=a ~%50%b ~c}", "partial credit"),
        ("Which? {~%150%a ~b}", "between -100% and 100%"),
        ("[html]<p>Which?</p> {=a ~b}", "HTML text"),
        ("Just a description.", "no answers in braces"),
        ("Which? {=a ~b", "never closed"),
        ("Which? =a ~b}", "closing brace } without an opening brace"),
        ("Which? {=a {~b}", "a second {"),
        ("Which? {=a ~b} and {=c ~d}", "only one set of answers"),
        ("::Unclosed title Which? {=a ~b}", "title opened with ::"),
        ("{=a ~b}", "no text"),
        ("Which? {~a ~b# ~}", "no text"),
        (f"Which? {{={'x' * 501} ~b}}", "at most 500 characters"),
    ],
)
def test_unsupported_or_broken_questions_are_refused_with_their_line(text, message):
    [problem] = problems_of(f"// header\n\n{text}\n")
    assert problem.startswith("line 3: ")
    assert message in problem


def test_every_problem_in_a_file_is_reported_with_the_line_it_is_on():
    text = gift(
        """
        // Our bank
        Fine? {=yes ~no}

        Also fine? {T}

        ::Q3:: Broken? {=a
        ~b

        ~c}

        Fine again? {=yes ~no}

        How many? {#3}
        """
    )
    assert problems_of(text) == [
        "line 6: the answers opened with { are never closed with } (a blank line ends a question)",
        "line 9: a closing brace } without an opening brace {; write \\} for a literal brace",
        "line 13: numeric questions ({#...}) are not supported",
    ]


def test_an_answer_on_a_later_line_is_reported_at_that_line():
    [problem] = problems_of("Which? {\n=a\n~%300%b\n}")
    assert problem.startswith("line 3: ")


def test_a_file_without_questions_is_refused():
    assert problems_of("// only a comment\n\n") == ["line 1: the file contains no questions"]


# Writing --------------------------------------------------------------------------------


@pytest.fixture
def quiz(db):
    return make_quiz(slug="bones", questions=0)


def test_multiple_response_choices_share_100_percent_and_wrong_ones_cost_100(quiz):
    add_question(quiz, kind=QuestionKind.MULTIPLE, correct=("a", "b", "c"), wrong=("d",))
    text = export_gift(quiz.questions.all())
    assert "~%33.33333%a#Secret feedback a" in text
    assert "~%-100%d#Secret feedback d" in text
    [question] = parse_gift(text)
    assert [choice.is_correct for choice in question.choices] == [True, True, True, False]


def test_a_true_false_question_is_written_as_true_or_false_with_both_feedbacks(quiz):
    add_question(quiz, kind=QuestionKind.TRUE_FALSE, correct=("True",), wrong=("False",))
    text = export_gift(quiz.questions.all())
    assert "\tTRUE#Secret feedback False#Secret feedback True\n\t####Secret rationale 1" in text
    [parsed] = parse_gift(text)
    assert parsed.choices == (
        ParsedChoice("True", True, "Secret feedback True"),
        ParsedChoice("False", False, "Secret feedback False"),
    )


def test_special_characters_and_line_breaks_survive_export_and_import(quiz):
    question = add_question(quiz, correct=("x = {1}",), wrong=("%5 ~ 6", "a\\b: #c"))
    question.vignette = "A case:\n\nwith a blank line and // not a comment"
    question.stem = "Which {one} ~ = # : \\*?"
    question.rationale = "Because #1.\n\nSee 'Where it spreads'."
    question.save()
    [parsed] = parse_gift(export_gift(quiz.questions.all()))
    assert parsed.stem == f"{question.vignette}\n\n{question.stem}"
    assert parsed.rationale == question.rationale
    assert keys(parsed.choices) == keys(question.choices.all())


def test_a_question_whose_key_does_not_fit_its_kind_is_written_as_a_comment(quiz):
    add_question(quiz, position=1)
    add_question(quiz, position=2, correct=("a", "b"))  # single answer with two keys
    text = export_gift(quiz.questions.all())
    assert "// Q2 was not exported: its answer key does not fit its kind." in text
    assert len(parse_gift(text)) == 1


@pytest.fixture
def shipped(db):
    call_command("load_curriculum")
    assert (Quiz.objects.count(), Question.objects.count()) == (13, 91)


def as_exported(question):
    text = "\n\n".join(part for part in (question.vignette, question.stem) if part)
    return (question.kind, text, question.rationale, keys(question.choices.all()))


def as_parsed(parsed):
    return (parsed.kind, parsed.stem, parsed.rationale, keys(parsed.choices))


def test_every_shipped_question_survives_a_round_trip_through_gift(shipped):
    for quiz in Quiz.objects.prefetch_related("questions__choices"):
        questions = list(quiz.questions.all())
        parsed = parse_gift(export_gift(questions))
        assert [as_parsed(p) for p in parsed] == [as_exported(q) for q in questions], quiz.slug


# Commands -------------------------------------------------------------------------------


def test_the_shipped_questions_import_into_an_empty_quiz_as_they_were(shipped, tmp_path):
    source = Quiz.objects.get(slug="bone-health-quiz")
    path = tmp_path / "bone.gift"
    call_command("export_gift", source.slug, output=str(path))
    target = make_quiz(slug="imported", questions=0)
    call_command("import_gift", target.slug, str(path))
    imported = list(target.questions.prefetch_related("choices"))
    assert [as_exported(q) for q in imported] == [as_exported(q) for q in source.questions.all()]
    assert all(q.is_active and q.points == 1 and q.stem_html for q in imported)


def test_imported_questions_come_after_the_existing_ones(db, tmp_path, capsys):
    quiz = make_quiz(slug="bones", questions=2)
    path = tmp_path / "new.gift"
    path.write_text("One? {=a ~b ####Why.}\n\nTwo? {T####Why.}\n\nThree? {~%100%a ~b}\n")
    call_command("import_gift", "bones", str(path))
    assert list(quiz.questions.values_list("position", "kind")) == [
        (1, "single"),
        (2, "single"),
        (3, "single"),
        (4, "true_false"),
        (5, "multiple"),
    ]
    out = capsys.readouterr().out
    assert (
        "3 questions for bones (1 single best answer, 1 multiple response, 1 true / false)" in out
    )


def test_a_question_without_general_feedback_is_imported_with_a_warning(quiz, tmp_path, capsys):
    path = tmp_path / "bare.gift"
    path.write_text("Which? {=a ~b}\n")
    call_command("import_gift", quiz.slug, str(path))
    assert quiz.questions.get().rationale == ""
    assert "line 1: no general feedback" in capsys.readouterr().err


def test_a_malformed_file_is_reported_with_its_lines_and_nothing_is_written(quiz, tmp_path):
    lines = ["// bank", "", "One? {=a ~b}", "", "Two? {T}", "", "Three? {=a ~b", "", "", ""]
    lines += ["", "Four? {#2:1}", "", "Five? {=a ~b}"]
    path = tmp_path / "broken.gift"
    path.write_text("\n".join(lines))
    with pytest.raises(CommandError) as error:
        call_command("import_gift", quiz.slug, str(path))
    assert "Nothing was imported" in str(error.value)
    assert "line 7: the answers opened with { are never closed" in str(error.value)
    assert "line 12: numeric questions" in str(error.value)
    assert not quiz.questions.exists()


def test_an_unknown_quiz_slug_is_refused(db, tmp_path):
    path = tmp_path / "one.gift"
    path.write_text("One? {=a ~b}\n")
    with pytest.raises(CommandError, match="no quiz with the slug nope"):
        call_command("import_gift", "nope", str(path))
    with pytest.raises(CommandError, match="no quiz with the slug nope"):
        call_command("export_gift", "nope")


def test_an_unreadable_file_is_refused(quiz, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_gift", quiz.slug, str(tmp_path / "missing.gift"))


def test_a_dry_run_reports_and_writes_nothing(quiz, tmp_path, capsys):
    path = tmp_path / "one.gift"
    path.write_text("One? {=a ~b####Why.}\n")
    call_command("import_gift", quiz.slug, str(path), dry_run=True)
    assert "Dry run, nothing written: 1 question for bones" in capsys.readouterr().out
    assert not quiz.questions.exists()


def test_the_export_leaves_out_retired_questions_unless_asked(quiz, capsys):
    add_question(quiz, position=1)
    retired = add_question(quiz, position=2)
    retired.is_active = False
    retired.save()
    capsys.readouterr()
    call_command("export_gift", quiz.slug)
    assert len(parse_gift(capsys.readouterr().out)) == 1
    call_command("export_gift", quiz.slug, include_retired=True)
    captured = capsys.readouterr()
    assert len(parse_gift(captured.out)) == 2
    assert "Exported 2 questions to standard output." in captured.err


@pytest.mark.parametrize("size", [2, 20])
def test_the_export_takes_the_same_few_queries_for_any_quiz_size(
    quiz, size, django_assert_max_num_queries
):
    for position in range(1, size + 1):
        add_question(quiz, position=position)
    with django_assert_max_num_queries(3):
        call_command("export_gift", quiz.slug)
