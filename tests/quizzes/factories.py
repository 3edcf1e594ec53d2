from education.models import Status
from quizzes import services
from quizzes.models import Choice, Question, QuestionKind, Quiz
from tests.education.factories import make_course, make_lesson


def make_quiz(lesson=None, slug="quiz", questions=3, status=Status.PUBLISHED, **fields):
    """A quiz with `questions` single-answer questions; choice 'right' is the correct one."""
    if lesson is None:
        lesson = make_lesson(make_course(f"{slug}-course"), f"{slug}-lesson")
    fields.setdefault("title", slug.title())
    quiz = Quiz.objects.create(lesson=lesson, slug=slug, status=status, **fields)
    for position in range(1, questions + 1):
        add_question(quiz, position=position)
    return quiz


def add_question(
    quiz,
    position=1,
    kind=QuestionKind.SINGLE,
    correct=("right",),
    wrong=("wrong", "other"),
    points=1,
):
    question = Question.objects.create(
        quiz=quiz,
        kind=kind,
        position=position,
        stem=f"Stem {position}",
        rationale=f"Secret rationale {position}",
        points=points,
    )
    for index, text in enumerate([*correct, *wrong]):
        Choice.objects.create(
            question=question,
            text=text,
            is_correct=text in correct,
            feedback=f"Secret feedback {text}",
            position=index,
        )
    return question


def choice_id(attempt_question, text):
    return next(c["id"] for c in attempt_question.choices if c["text"] == text)


def take_quiz(learner, quiz, choice):
    """A finished attempt with `choice` ("right" or "wrong") chosen for every question."""
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    for row in attempt.questions.all():
        services.save_answer(
            attempt=attempt, attempt_question=row, choice_ids=[choice_id(row, choice)]
        )
    services.submit_attempt(attempt=attempt)
    return attempt
