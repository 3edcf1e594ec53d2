import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from portal.evaluations.defaults import DEFAULT_QUESTIONS, add_default_questions
from portal.evaluations.models import (
    Answer,
    AnswerKind,
    Evaluation,
    EvaluationQuestion,
    YesNo,
)
from portal.evaluations.services import AlreadyEvaluated, evaluation_pending, submit_evaluation
from tests.education.factories import make_course
from tests.evaluations.conftest import complete, questions_of


def an_answer(completion, question, **values):
    evaluation = Evaluation.objects.get_or_create(
        completion=completion, defaults={"course_version": completion.course_version}
    )[0]
    return Answer(
        evaluation=evaluation,
        question=question,
        question_text=question.text,
        kind=question.kind,
        **values,
    )


def rating_question(course):
    return course.evaluation_questions.filter(kind=AnswerKind.RATING).first()


def test_a_course_gets_the_default_questions_once(course):
    assert [(q.kind, q.text, q.required) for q in questions_of(course)] == list(DEFAULT_QUESTIONS)
    assert add_default_questions([course]) == 0
    assert course.evaluation_questions.count() == len(DEFAULT_QUESTIONS)


def test_a_course_with_its_own_questions_keeps_them(db):
    course = make_course("own")
    EvaluationQuestion.objects.create(course=course, kind=AnswerKind.TEXT, text="Anything?")
    assert add_default_questions([course]) == 0
    assert [q.text for q in questions_of(course)] == ["Anything?"]


@pytest.mark.parametrize("rating", [0, 6])
def test_a_rating_outside_1_to_5_is_refused(completion, rating):
    answer = an_answer(completion, rating_question(completion.course), rating=rating)
    with pytest.raises(ValidationError, match="A rating is from 1 to 5"):
        answer.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        answer.save()


def test_an_answer_must_fit_its_kind(completion):
    question = rating_question(completion.course)
    for values in ({"choice": YesNo.YES}, {"text": "Great"}, {}):
        answer = an_answer(completion, question, **values)
        with pytest.raises(ValidationError, match="does not fit the kind"):
            answer.full_clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            answer.save()
    an_answer(completion, question, rating=5).save()


def test_a_completion_is_evaluated_once(completion):
    Evaluation.objects.create(completion=completion, course_version=1)
    again = Evaluation(completion=completion, course_version=1)
    with pytest.raises(ValidationError, match="evaluated already"):
        again.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Evaluation.objects.create(completion=completion, course_version=1)


def test_a_question_once_answered_cannot_be_deleted(completion):
    question = rating_question(completion.course)
    an_answer(completion, question, rating=3).save()
    with pytest.raises(ProtectedError):
        question.delete()


def test_submitting_keeps_the_question_as_shown_and_the_version_completed(completion):
    course = completion.course
    questions = questions_of(course)
    values = {"rating": 5, "yes_no": YesNo.NOT_SURE, "text": ""}
    evaluation = submit_evaluation(
        completion=completion, answers={q: values[q.kind] for q in questions}
    )
    question = questions[0]
    question.text = "Reworded later"
    question.save()
    course.version = 7
    course.save()
    answers = list(evaluation.answers.all())
    assert evaluation.course_version == 1
    # Empty optional comments are not stored.
    assert len(answers) == len([q for q in questions if q.kind != AnswerKind.TEXT])
    assert answers[0].question_text == DEFAULT_QUESTIONS[0][1]
    assert answers[0].rating == 5


def test_a_second_submission_changes_nothing(completion):
    answers = {q: "Fine" for q in questions_of(completion.course) if q.kind == "text"}
    submit_evaluation(completion=completion, answers=answers)
    with pytest.raises(AlreadyEvaluated):
        submit_evaluation(completion=completion, answers=answers)
    assert Answer.objects.count() == len(answers)


def test_the_evaluation_is_pending_until_answered_and_only_if_questions_are_asked(
    learner, completion
):
    assert evaluation_pending(completion)
    submit_evaluation(completion=completion, answers={})
    assert not evaluation_pending(completion)
    silent = make_course("silent")
    assert not evaluation_pending(complete(learner, silent))


def test_a_certificate_issued_before_the_course_had_its_evaluation_is_not_held_back(learner):
    earlier = make_course("earlier")
    completion = complete(learner, earlier)
    add_default_questions([earlier])
    assert not evaluation_pending(completion)
    assert evaluation_pending(complete(learner, earlier, period=2))
