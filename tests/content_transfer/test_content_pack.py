"""Content packs: export from one installation, import into another, all or nothing."""

import copy
import json
from datetime import UTC, date, datetime

import pytest
from django.core.management import CommandError, call_command

from education.models import Course, Lesson, Status, Tag
from portal.content_transfer import content_pack
from portal.content_transfer.content_pack import FORMAT, ContentPackError, export_pack, import_pack
from quizzes.models import Choice, Question, QuestionKind, Quiz, ReviewMode


@pytest.fixture
def shipped(db):
    call_command("load_curriculum")


def content_counts():
    return {
        model.__name__: model.objects.count()
        for model in (Course, Lesson, Quiz, Question, Choice, Tag)
    }


def wipe_content():
    """Empty the content tables, children first (no attempts or progress exist)."""
    for model in (Choice, Question, Quiz, Lesson, Course, Tag):
        model.objects.all().delete()
    assert set(content_counts().values()) == {0}


def canonical(pack):
    return {key: value for key, value in pack.items() if key != "exported_at"}


def through_json(pack):
    """What the other installation reads: the pack as JSON text, parsed again."""
    return json.loads(json.dumps(pack, ensure_ascii=False))


def small_pack():
    """A minimal, valid pack, written out by hand as the format documents it."""
    sign_off = {
        "status": "draft",
        "publish_at": None,
        "clinical_reviewer": None,
        "reviewed_on": None,
        "next_review_due": None,
    }
    return {
        "format": FORMAT,
        "version": 1,
        "exported_at": "2026-01-05T09:00:00+00:00",
        "courses": [
            {
                "slug": "staging-course",
                "title": "Staging course",
                "summary": "",
                "audience": "Nurses",
                "objectives": "Know the basics",
                "position": 1,
                **sign_off,
            }
        ],
        "lessons": [
            {
                "slug": "staging-lesson",
                "course": "staging-course",
                "title": "Staging lesson",
                "summary": "",
                "objectives": "Know the basics",
                "body": "## Basics\n\nSome **text**.\n",
                "key_points": "",
                "references": "",
                "estimated_minutes": 5,
                "position": 1,
                "tags": ["Bone health"],
                "material_change_at": None,
                **sign_off,
            }
        ],
        "quizzes": [
            {
                "slug": "staging-quiz",
                "title": "Staging quiz",
                "lesson": "staging-lesson",
                "course": None,
                "introduction": "",
                "pass_mark": 70,
                "attempts_allowed": None,
                "time_limit_minutes": None,
                "shuffle_questions": False,
                "shuffle_choices": False,
                "draw_count": None,
                "partial_credit": False,
                "review_mode": "learning",
                "position": 0,
                **sign_off,
                "questions": [
                    {
                        "kind": "single",
                        "vignette": "",
                        "stem": "Which one?",
                        "rationale": "Because.",
                        "points": 1,
                        "position": 1,
                        "objective": "Know the basics",
                        "is_active": True,
                        "choices": [
                            {"text": "Right", "is_correct": True, "feedback": "", "position": 1},
                            {"text": "Wrong", "is_correct": False, "feedback": "", "position": 2},
                        ],
                    }
                ],
            }
        ],
    }


def problems_of(data):
    before = content_counts()
    with pytest.raises(ContentPackError) as error:
        import_pack(data)
    assert content_counts() == before, "a rejected pack must write nothing"
    return error.value.problems


# Round trip --------------------------------------------------------------------------------


def test_a_pack_round_trips_into_an_empty_database(shipped, reviewer):
    lesson = Lesson.objects.get(slug="bone-health")
    lesson.clinical_reviewer = reviewer
    lesson.reviewed_on = date(2026, 3, 2)
    lesson.next_review_due = date(2027, 3, 2)
    lesson.publish_at = datetime(2026, 3, 9, 8, 30, tzinfo=UTC)
    lesson.material_change_at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    lesson.save()
    Course.objects.filter(slug="five-clinical-takeaways").update(status=Status.IN_REVIEW)
    quiz = Quiz.objects.get(slug="bone-health-quiz")
    quiz.review_mode, quiz.attempts_allowed, quiz.time_limit_minutes = ReviewMode.ASSESSMENT, 2, 15
    quiz.shuffle_choices, quiz.draw_count, quiz.retake_wait_hours = True, 3, 24
    quiz.material_change_at = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    quiz.save()
    Course.objects.filter(slug="mbc-foundations").update(
        valid_for_months=12, conflict_of_interest="No conflicts declared."
    )
    Question.objects.filter(pk=quiz.questions.last().pk).update(is_active=False)
    body_html = lesson.body_html
    before = export_pack()
    counts = content_counts()
    assert len(before["courses"]) == 2 and len(before["lessons"]) == 13
    assert len(before["quizzes"]) == 13
    assert sum(len(q["questions"]) for q in before["quizzes"]) == counts["Question"] >= 91

    wipe_content()
    summary = import_pack(through_json(before))

    assert (summary.courses, summary.lessons, summary.quizzes) == (2, 13, 13)
    assert (summary.questions, summary.choices) == (counts["Question"], counts["Choice"])
    assert content_counts() == counts
    assert canonical(export_pack()) == canonical(before)
    lesson = Lesson.objects.get(slug="bone-health")
    assert lesson.clinical_reviewer == reviewer and lesson.is_signed_off
    quiz = Quiz.objects.get(slug="bone-health-quiz")
    assert quiz.material_change_at == datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    assert lesson.body_html == body_html  # rendered again by Lesson.save()
    assert Question.objects.exclude(stem_html="").count() == counts["Question"]
    course = Course.objects.get(slug="mbc-foundations")
    assert (course.valid_for_months, course.conflict_of_interest) == (12, "No conflicts declared.")
    assert Quiz.objects.get(slug="bone-health-quiz").retake_wait_hours == 24


def test_the_pack_carries_sign_off_as_a_username_and_dates_as_iso_text(shipped, reviewer):
    Course.objects.filter(slug="mbc-foundations").update(
        clinical_reviewer=reviewer, reviewed_on=date(2026, 1, 2), next_review_due=date(2027, 1, 2)
    )
    course = next(c for c in export_pack()["courses"] if c["slug"] == "mbc-foundations")
    assert course["clinical_reviewer"] == "dr_rivera"
    assert (course["reviewed_on"], course["next_review_due"]) == ("2026-01-02", "2027-01-02")
    lesson = export_pack()["lessons"][0]
    assert "body" in lesson and "body_html" not in lesson


def test_drafts_of_live_lessons_stay_behind(shipped):
    live = Lesson.objects.get(slug="bone-health")
    Lesson.objects.create(
        course=live.course, slug=live.slug, title="Next version", body="New", draft_of=live
    )
    lessons = export_pack()["lessons"]
    assert len(lessons) == 13
    assert [lesson["title"] for lesson in lessons if lesson["slug"] == "bone-health"] == [
        live.title
    ]


def test_a_small_hand_written_pack_imports_with_markdown_rendered(db):
    summary = import_pack(small_pack())
    assert (summary.courses, summary.lessons, summary.quizzes, summary.questions) == (1, 1, 1, 1)
    assert (summary.choices, summary.tags_created) == (2, 1)
    lesson = Lesson.objects.get(slug="staging-lesson")
    assert "<strong>text</strong>" in lesson.body_html
    assert [tag.name for tag in lesson.tags.all()] == ["Bone health"]
    quiz = Quiz.objects.get(slug="staging-quiz")
    assert quiz.lesson == lesson and quiz.status == Status.DRAFT
    assert [c.is_correct for c in quiz.questions.get().choices.all()] == [True, False]
    assert lesson.history.first().history_change_reason == "imported from a content pack"


def test_a_lesson_may_join_a_course_that_already_exists_here(db):
    import_pack(small_pack())
    pack = small_pack()
    pack["courses"] = []
    pack["lessons"][0]["slug"] = "second-lesson"
    pack["quizzes"][0].update(slug="second-quiz", lesson="second-lesson")
    import_pack(pack)
    assert Lesson.objects.get(slug="second-lesson").course.slug == "staging-course"


def test_the_pack_carries_the_disclaimer_and_the_notes_for_the_clinical_reviewer(shipped):
    Course.objects.filter(slug="mbc-foundations").update(disclaimer="For staff education only.")
    question = Question.objects.filter(quiz__slug="bone-health-quiz").first()
    Question.objects.filter(pk=question.pk).update(reviewer_note="Beyond the article: check.")
    notes = Lesson.objects.get(slug="diagnosis").reviewer_notes
    assert notes  # the shipped lesson lists what goes beyond the article
    pack = through_json(export_pack())

    wipe_content()
    import_pack(pack)

    assert Course.objects.get(slug="mbc-foundations").disclaimer == "For staff education only."
    assert Lesson.objects.get(slug="diagnosis").reviewer_notes == notes
    imported = Question.objects.get(quiz__slug="bone-health-quiz", stem=question.stem)
    assert imported.reviewer_note == "Beyond the article: check."


def test_a_pack_written_before_disclaimers_and_reviewer_notes_still_imports(db):
    pack = small_pack()
    assert "disclaimer" not in pack["courses"][0] and "reviewer_note" not in str(pack)
    import_pack(pack)
    assert Course.objects.get(slug="staging-course").disclaimer == ""


def test_the_import_reports_item_writing_findings_with_the_question(db):
    pack = small_pack()
    pack["quizzes"][0]["questions"][0]["choices"][1]["text"] = "All of the above"
    summary = import_pack(pack)
    assert "quizzes[0] 'staging-quiz', error: Question 1: " in summary.findings[0]
    assert "all of the above" in summary.findings[0].lower()
    assert any("warning: Question 1:" in line for line in summary.findings)  # no feedback
    assert Quiz.objects.get(slug="staging-quiz").status == Status.DRAFT  # a draft may import


def test_a_published_quiz_with_an_item_writing_error_is_refused(db):
    pack = small_pack()
    pack["quizzes"][0]["status"] = "published"
    pack["quizzes"][0]["questions"][0]["choices"][1]["text"] = "None of the above"
    (problem,) = problems_of(pack)
    assert problem.startswith("quizzes[0]: Question 1: ")
    assert "import the quiz as a draft" in problem


def test_import_content_prints_the_findings(db, tmp_path, capsys):
    path = tmp_path / "pack.json"
    path.write_text(json.dumps(small_pack()), encoding="utf-8")
    call_command("import_content", str(path))
    assert "quizzes[0] 'staging-quiz', warning: Question 1: " in capsys.readouterr().err


# Broken packs write nothing ----------------------------------------------------------------


def test_a_pack_of_another_format_is_refused(db):
    pack = small_pack()
    pack["format"] = "something-else"
    assert problems_of(pack) == [
        "format: this is not a content pack: expected 'mbc-portal-content-pack', "
        "found 'something-else'"
    ]


def test_a_pack_of_another_version_is_refused(db):
    pack = small_pack()
    pack["version"] = 2
    assert problems_of(pack) == ["version: this portal reads version 1 packs, not 2"]


def test_a_lesson_of_an_unknown_course_is_reported(db):
    pack = small_pack()
    pack["lessons"][0]["course"] = "no-such-course"
    assert problems_of(pack) == ["lessons[0].course: unknown course 'no-such-course'"]


def test_a_quiz_of_an_unknown_lesson_is_reported(db):
    pack = small_pack()
    pack["quizzes"][0]["lesson"] = "no-such-lesson"
    assert problems_of(pack) == ["quizzes[0].lesson: unknown lesson 'no-such-lesson'"]


def test_a_single_answer_question_with_two_correct_choices_is_reported(db):
    pack = small_pack()
    pack["quizzes"][0]["questions"][0]["choices"][1]["is_correct"] = True
    assert problems_of(pack) == [
        "quizzes[0].questions[0].choices: A single best answer question needs exactly one "
        "correct choice, not 2."
    ]


def test_unsound_answer_keys_are_reported(db):
    pack = small_pack()
    question = pack["quizzes"][0]["questions"][0]
    question["kind"] = QuestionKind.MULTIPLE
    question["choices"] = [{"text": "Only", "is_correct": False, "feedback": "", "position": 1}]
    assert problems_of(pack) == [
        "quizzes[0].questions[0].choices: A question needs at least two choices.",
        "quizzes[0].questions[0].choices: A multiple-response question needs at least one "
        "correct choice.",
    ]


def test_existing_slugs_are_conflicts_not_merges(shipped):
    pack = through_json(export_pack())
    problems = problems_of(pack)
    assert len(problems) == 2 + 13 + 13
    assert (
        "courses[0].slug: conflict: course 'mbc-foundations' already exists in this database"
        in (problems)
    )
    assert any(p.startswith("quizzes[12].slug: conflict: quiz ") for p in problems)


def test_a_slug_twice_in_the_pack_is_reported(db):
    pack = small_pack()
    pack["courses"].append(copy.deepcopy(pack["courses"][0]))
    assert problems_of(pack) == ["courses[1].slug: course 'staging-course' is also in courses[0]"]


def test_an_unknown_reviewer_is_reported(db, reviewer):
    pack = small_pack()
    pack["courses"][0]["clinical_reviewer"] = "dr_rivera"
    pack["lessons"][0]["clinical_reviewer"] = "dr_ghost"
    assert problems_of(pack) == [
        "lessons[0].clinical_reviewer: unknown user 'dr_ghost': "
        "create the reviewer's account here first"
    ]


def test_every_problem_is_reported_at_once_with_its_path(db):
    pack = small_pack()
    pack["courses"][0].update(status="live", position=-1, title="")
    del pack["lessons"][0]["body"]
    pack["lessons"][0]["colour"] = "blue"
    pack["quizzes"][0].update(
        pass_mark=120, review_mode="exam", publish_at="2026-01-05T09:00:00", lesson=None
    )
    pack["quizzes"][0]["questions"][0]["choices"][0]["is_correct"] = "yes"
    assert problems_of(pack) == [
        "courses[0].title: must not be empty",
        "courses[0].position: must be a whole number from 0 to 2147483647",
        "courses[0].status: must be one of draft, in_review, published, archived, not 'live'",
        "lessons[0]: missing key(s): body",
        "lessons[0]: unknown key(s): colour",
        "quizzes[0].pass_mark: must be a whole number from 0 to 100",
        "quizzes[0].review_mode: must be one of learning, assessment, not 'exam'",
        "quizzes[0].publish_at: must include a time zone offset, e.g. +00:00",
        "quizzes[0]: a quiz belongs to a lesson or a course; both are null",
        "quizzes[0].questions[0].choices[0].is_correct: must be true or false",
        "quizzes[0].questions[0].choices: A single best answer question needs exactly one "
        "correct choice, not 0.",
    ]


def test_a_failure_while_writing_rolls_everything_back(db, monkeypatch):
    def fail(self, *args, **kwargs):
        raise Exception("disk full")

    monkeypatch.setattr(Choice, "save", fail)
    with pytest.raises(Exception, match="disk full"):
        import_pack(small_pack())
    assert set(content_counts().values()) == {0}


def test_a_conflict_appearing_between_check_and_write_rolls_everything_back(db, monkeypatch):
    import_pack(small_pack())
    counts = content_counts()
    pack = small_pack()
    pack["courses"][0]["slug"] = pack["lessons"][0]["course"] = "other-course"
    pack["lessons"][0]["slug"] = pack["quizzes"][0]["lesson"] = "other-lesson"
    # As if another import created the quiz after this one's check: the database refuses it.
    monkeypatch.setattr(content_pack, "_check_unique_and_new", lambda *args: None)
    with pytest.raises(ContentPackError, match="the database changed during the import"):
        import_pack(pack)
    assert content_counts() == counts


def test_export_runs_a_fixed_number_of_queries(db, django_assert_max_num_queries):
    import_pack(small_pack())  # 1 quiz, 1 question
    with django_assert_max_num_queries(6):
        assert len(export_pack()["quizzes"]) == 1
    call_command("load_curriculum")  # 13 more quizzes, over 90 more questions
    with django_assert_max_num_queries(6):
        assert len(export_pack()["quizzes"]) == 14


# Commands ----------------------------------------------------------------------------------


def test_export_content_writes_the_pack_to_stdout(shipped, capsys):
    call_command("export_content")
    pack = json.loads(capsys.readouterr().out)
    assert pack["format"] == FORMAT and len(pack["lessons"]) == 13


def test_export_then_import_content_through_a_file(shipped, tmp_path, capsys):
    path = tmp_path / "pack.json"
    call_command("export_content", output=str(path))
    assert "Exported 2 course(s), 13 lesson(s) and 13 quiz(zes)" in capsys.readouterr().out
    counts = content_counts()
    wipe_content()

    call_command("import_content", str(path))

    questions = counts["Question"]
    assert f"Imported 2 course(s), 13 lesson(s), 13 quiz(zes), {questions} question(s)" in (
        capsys.readouterr().out
    )
    assert content_counts() == counts


def test_import_content_dry_run_checks_and_writes_nothing(db, tmp_path, capsys):
    path = tmp_path / "pack.json"
    path.write_text(json.dumps(small_pack()), encoding="utf-8")
    call_command("import_content", str(path), dry_run=True)
    out = capsys.readouterr().out
    assert "Dry run: the pack is sound and would import 1 course(s), 1 lesson(s)" in out
    assert "creating 1 new tag(s). Nothing was written." in out
    assert set(content_counts().values()) == {0}


def test_import_content_dry_run_reports_problems(db, tmp_path):
    pack = small_pack()
    pack["lessons"][0]["course"] = "elsewhere"
    path = tmp_path / "pack.json"
    path.write_text(json.dumps(pack), encoding="utf-8")
    with pytest.raises(CommandError, match=r"lessons\[0\]\.course: unknown course 'elsewhere'"):
        call_command("import_content", str(path), dry_run=True)


def test_import_content_lists_every_problem_and_writes_nothing(shipped, tmp_path):
    path = tmp_path / "pack.json"
    call_command("export_content", output=str(path))
    counts = content_counts()
    with pytest.raises(CommandError) as error:
        call_command("import_content", str(path))
    message = str(error.value)
    assert message.startswith(f"Nothing was imported from {path}; fix these problems first:")
    assert "lessons[12].slug: conflict: lesson " in message
    assert content_counts() == counts


def test_import_content_refuses_invalid_json_naming_the_file(db, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"format": "mbc-portal-content-pack",', encoding="utf-8")
    with pytest.raises(CommandError, match=rf"{path} is not valid JSON: .*line 1"):
        call_command("import_content", str(path))
    assert set(content_counts().values()) == {0}


def test_import_content_refuses_a_missing_file(db, tmp_path):
    path = tmp_path / "missing.json"
    with pytest.raises(CommandError, match=rf"Cannot read {path}: No such file"):
        call_command("import_content", str(path))


def test_a_nul_character_is_refused_with_its_path_and_nothing_is_written(db):
    pack = small_pack()
    pack["lessons"][0]["summary"] = "Bone\x00 health"
    assert problems_of(pack) == ["lessons[0].summary: Null characters are not allowed."]


def test_field_rules_are_the_models_own_with_the_pack_path(db):
    pack = small_pack()
    pack["courses"][0]["title"] = "x" * 201
    pack["quizzes"][0]["attempts_allowed"] = 0
    pack["quizzes"][0]["questions"][0]["stem"] = "   "
    pack["lessons"][0].update(reviewed_on="2026-03-02", next_review_due="2026-03-01")
    assert problems_of(pack) == [
        "courses[0].title: Ensure this value has at most 200 characters (it has 201).",
        "lessons[0]: The next review must be due after the review date.",
        "quizzes[0].attempts_allowed: must be a whole number from 1 to 32767",
        "quizzes[0].questions[0].stem: must not be empty",
    ]


def test_a_value_of_the_wrong_json_type_is_reported_before_the_model_sees_it(db):
    pack = small_pack()
    pack["courses"][0]["title"] = 3
    pack["lessons"][0]["estimated_minutes"] = True
    pack["quizzes"][0]["draw_count"] = "2"
    assert problems_of(pack) == [
        "courses[0].title: must be text",
        "lessons[0].estimated_minutes: must be a whole number",
        "quizzes[0].draw_count: must be a whole number or null",
    ]
