"""Load the shipped quizzes (education/curriculum/quizzes/*.toml), with the same rules as
the lesson loader: all or nothing, and never overwrite a quiz an editor changed."""

import tomllib

from education.models import Lesson, Status, lines
from portal.content_transfer.curriculum import (
    CURRICULUM_DIR,
    SLUG_RE,
    check_model_rules,
    display_path,
    fingerprint,
    read_facts,
    without_empty_later_fields,
)
from quizzes.drafts import CHOICE_FIELDS, QUESTION_FIELDS, apply_question
from quizzes.kinds import QuestionKind, answer_key_problems, kind_of
from quizzes.models import Choice, Question, Quiz

QUIZ_FIELDS = ("title", "introduction", "pass_mark")


def _problem(problems, path, message):
    problems.append(f"{path}: {message}")


def _check_question(number, raw, objectives, problems, path, facts):
    where = f"question {number}"
    if not isinstance(raw, dict):
        _problem(problems, path, f"{where} must be a table")
        return None
    kind = raw.get("kind")
    if kind not in QuestionKind.values:
        _problem(
            problems, path, f"{where}: 'kind' must be one of {', '.join(QuestionKind.values)}"
        )
    for key in ("stem", "rationale"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            _problem(problems, path, f"{where}: '{key}' must be non-empty text")
    objective = raw.get("objective")
    if not isinstance(objective, int) or not 1 <= objective <= len(objectives):
        _problem(problems, path, f"{where}: 'objective' must be 1 to {len(objectives)}")
        objective = None
    fact = raw.get("fact", "")
    if fact and fact not in facts:
        _problem(problems, path, f"{where}: 'fact' {fact!r} is not in facts.toml")
    note = raw.get("reviewer_note", "")
    if not isinstance(note, str):
        _problem(problems, path, f"{where}: 'reviewer_note' must be text")
        note = ""
    points = raw.get("points", 1)
    if not isinstance(points, int) or isinstance(points, bool) or not 1 <= points <= 100:
        _problem(problems, path, f"{where}: 'points' must be a whole number from 1 to 100")
    choices = raw.get("choices", [])
    if not isinstance(choices, list) or len(choices) < 2:
        _problem(problems, path, f"{where}: needs at least two choices")
        choices = []
    clean_choices = []
    for choice in choices:
        if (
            not isinstance(choice, dict)
            or not isinstance(choice.get("text"), str)
            or not choice["text"].strip()
        ):
            _problem(problems, path, f"{where}: every choice needs a 'text'")
            continue
        clean_choices.append(
            {
                "text": choice["text"].strip(),
                "is_correct": choice.get("correct") is True,
                "feedback": str(choice.get("feedback", "")).strip(),
            }
        )
    if len(clean_choices) >= 2:  # fewer is reported above
        for message in answer_key_problems(kind, clean_choices):
            _problem(problems, path, f"{where}: {message}")
    fixed = kind_of(kind).fixed_choices if kind in QuestionKind.values else None
    if fixed and tuple(c["text"] for c in clean_choices) != fixed:
        _problem(problems, path, f"{where}: {kind} choices must be " + " then ".join(fixed))
    return {
        "kind": kind,
        "vignette": str(raw.get("vignette", "")).strip(),
        "stem": str(raw.get("stem", "")).strip(),
        "rationale": str(raw.get("rationale", "")).strip(),
        "points": points,
        "objective": objectives[objective - 1] if objective else "",
        "reviewer_note": note.strip(),
        "fact": fact,
        "choices": clean_choices,
    }


def parse_quizzes(lessons, problems, directory=CURRICULUM_DIR):
    """`lessons`: the parsed lesson files (portal.content_transfer.curriculum), to resolve objectives."""
    lessons_by_slug = {lesson["slug"]: lesson for lesson in lessons}
    facts = read_facts(directory)
    quizzes = []
    seen = {}
    for file in sorted((directory / "quizzes").glob("*.toml")):
        path = display_path(file)
        try:
            raw = tomllib.loads(file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            _problem(problems, path, str(error))
            continue
        slug = raw.get("slug")
        if not isinstance(slug, str) or not SLUG_RE.match(slug):
            _problem(problems, path, "'slug' must be lower-case words joined by hyphens")
        elif slug in seen:
            _problem(problems, path, f"quiz slug {slug!r} is also used by {seen[slug]}")
        seen[slug] = path
        lesson_slug = raw.get("lesson")
        lesson = lessons_by_slug.get(lesson_slug)
        if lesson is None:
            _problem(problems, path, f"unknown lesson {lesson_slug!r}")
            objectives = []
        else:
            objectives = lines(lesson["objectives"])
        if not isinstance(raw.get("title"), str) or not raw["title"].strip():
            _problem(problems, path, "'title' must be non-empty text")
        pass_mark = raw.get("pass_mark", 70)
        if not isinstance(pass_mark, int) or isinstance(pass_mark, bool):
            _problem(problems, path, "'pass_mark' must be a whole number")
        questions = raw.get("questions", [])
        if not isinstance(questions, list) or not questions:
            _problem(problems, path, "a quiz needs at least one [[questions]] entry")
            questions = []
        quizzes.append(
            {
                "path": path,
                "slug": slug,
                "lesson": lesson_slug,
                "title": str(raw.get("title", "")).strip(),
                "introduction": str(raw.get("introduction", "")).strip(),
                "pass_mark": pass_mark,
                "questions": [
                    _check_question(number, question, objectives, problems, path, facts)
                    for number, question in enumerate(questions, start=1)
                ],
            }
        )
    if not problems:
        _check_model_rules(quizzes, problems)
    return quizzes


def _check_model_rules(quizzes, problems):
    """The models' own rules (lengths, ranges) on every quiz, question and choice, once
    every file reads."""
    for quiz in quizzes:
        check_model_rules(Quiz, quiz, ("slug", *QUIZ_FIELDS), problems)
        for number, question in enumerate(quiz["questions"], start=1):
            values = {**question, "path": quiz["path"]}
            where = f"question {number}: "
            check_model_rules(Question, values, QUESTION_FIELDS, problems, where)
            for choice in question["choices"]:
                values = {**choice, "path": quiz["path"]}
                check_model_rules(Choice, values, CHOICE_FIELDS, problems, where)


def quiz_state(quiz):
    """Everything the loader writes, as it is in the database now. Retired questions are
    left out: the loader retires the questions a new file no longer has."""
    return {
        **{name: getattr(quiz, name) for name in QUIZ_FIELDS},
        "lesson": quiz.lesson.slug if quiz.lesson_id else None,
        "status": quiz.status,
        "questions": [
            without_empty_later_fields(
                {
                    **{name: getattr(question, name) for name in QUESTION_FIELDS},
                    "is_active": question.is_active,
                    "choices": [
                        {"text": c.text, "is_correct": c.is_correct, "feedback": c.feedback}
                        for c in question.choices.all()
                    ],
                }
            )
            for question in quiz.questions.all()
            if question.is_active
        ],
    }


def desired_state(data, status):
    return {
        **{name: data[name] for name in QUIZ_FIELDS},
        "lesson": data["lesson"],
        "status": status,
        "questions": [
            without_empty_later_fields(
                {
                    **{name: q[name] for name in QUESTION_FIELDS},
                    "is_active": True,
                    "choices": q["choices"],
                }
            )
            for q in data["questions"]
        ],
    }


def _identity(kind, vignette, stem, choices):
    """What a learner sees and is marked on: a question that keeps it is the same question,
    whatever its rationale or feedback say now."""
    return (
        kind,
        vignette.strip(),
        stem.strip(),
        tuple((choice["text"], choice["is_correct"]) for choice in choices),
    )


def load_questions(quiz, questions):
    """Make the quiz's active questions those of its file, in order, keeping each question's
    identity: one whose case, stem, options and key are unchanged keeps its row (attempts
    and item statistics stay with it) and is updated in place; any other is a new question.
    Questions the file no longer has are retired if an attempt has shown them (its review
    keeps the question as it was shown), deleted otherwise."""
    existing = {}
    for question in quiz.questions.prefetch_related("choices").order_by("position", "id"):
        choices = [{"text": c.text, "is_correct": c.is_correct} for c in question.choices.all()]
        existing.setdefault(
            _identity(question.kind, question.vignette, question.stem, choices), question
        )
    for position, data in enumerate(questions, start=1):
        key = _identity(data["kind"], data["vignette"], data["stem"], data["choices"])
        question = existing.pop(key, None) or Question(quiz=quiz)
        apply_question(question, {**data, "position": position, "is_active": True})
    leftover = list(existing.values())
    shown = set(
        Question.objects.filter(pk__in=[q.pk for q in leftover], attempt_questions__isnull=False)
        .values_list("pk", flat=True)
        .distinct()
    )
    for offset, question in enumerate(leftover, start=len(questions) + 1):
        if question.pk in shown:
            question.is_active = False
            question.position = offset
            question.save(update_fields=["is_active", "position"])
        else:
            question.delete()


def write_quizzes(quizzes, report):
    lessons = {
        lesson.slug: lesson
        for lesson in Lesson.objects.live_rows().filter(slug__in=[q["lesson"] for q in quizzes])
    }
    existing = {
        quiz.slug: quiz
        for quiz in Quiz.objects.live_rows()
        .filter(slug__in=[q["slug"] for q in quizzes])
        .select_related("lesson")
        .prefetch_related("questions__choices")
    }
    for data in quizzes:
        label = f"quiz {data['slug']}"
        quiz = existing.get(data["slug"])
        if quiz is None:
            quiz = Quiz(slug=data["slug"], status=Status.PUBLISHED)
        else:
            before = quiz_state(quiz)
            if quiz.loaded_fingerprint != fingerprint(before):
                report.skipped.append((label, "edited in the admin since the last load"))
                continue
            if fingerprint(desired_state(data, quiz.status)) == quiz.loaded_fingerprint:
                report.unchanged.append(label)
                continue
        created = quiz.pk is None
        for name in QUIZ_FIELDS:
            setattr(quiz, name, data[name])
        quiz.lesson = lessons[data["lesson"]]
        quiz.save()
        load_questions(quiz, data["questions"])
        quiz.loaded_fingerprint = fingerprint(desired_state(data, quiz.status))
        quiz.save(update_fields=["loaded_fingerprint"])
        (report.created if created else report.updated).append(label)
