from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.evaluations.models import Answer, AnswerKind, Evaluation, EvaluationQuestion


class AlreadyEvaluated(Exception):
    """The completion has its evaluation already (a second tab, a double click)."""


def evaluation_pending(completion):
    """Must the learner answer the course's evaluation before this certificate? Yes when the
    course asked questions when it was completed and this completion has no evaluation yet:
    a certificate issued before the course had its evaluation is never held back."""
    return (
        not Evaluation.objects.filter(completion=completion).exists()
        and EvaluationQuestion.objects.asked()
        .filter(course_id=completion.course_id, created_at__lte=completion.completed_at)
        .exists()
    )


def submit_evaluation(*, completion, answers):
    """Record the learner's answers for `completion`: `answers` maps each question shown to
    its cleaned value (None or "" when an optional question was left empty). Once only: a
    second submission raises AlreadyEvaluated and changes nothing."""
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(
                completion=completion,
                course_version=completion.course_version,
                submitted_at=timezone.now(),
            )
            Answer.objects.bulk_create(
                _answer(evaluation, question, value)
                for question, value in answers.items()
                if value not in (None, "")
            )
    except IntegrityError as error:
        if Evaluation.objects.filter(completion=completion).exists():
            raise AlreadyEvaluated from error
        raise
    return evaluation


def _answer(evaluation, question, value):
    answer = Answer(
        evaluation=evaluation,
        question=question,
        position=question.position,
        question_text=question.text,
        kind=question.kind,
    )
    if question.kind == AnswerKind.RATING:
        answer.rating = int(value)
    elif question.kind == AnswerKind.YES_NO:
        answer.choice = value
    else:
        answer.text = value
    return answer
