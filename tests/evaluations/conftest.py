from decimal import Decimal

import pytest
from django.utils import timezone

from portal.evaluations.defaults import add_default_questions
from portal.progress.models import CourseCompletion
from tests.education.factories import make_course


def complete(learner, course, **fields):
    return CourseCompletion.objects.create(
        learner=learner,
        course=course,
        completed_at=timezone.now(),
        course_title=course.title,
        course_version=fields.pop("course_version", course.version),
        credit_hours=Decimal("1.50"),
        **fields,
    )


@pytest.fixture
def course(db):
    course = make_course("bones", title="Bone metastases")
    add_default_questions([course])
    return course


@pytest.fixture
def completion(learner, course):
    return complete(learner, course)


def questions_of(course):
    return list(course.evaluation_questions.asked())


def filled_in(course, **overrides):
    """Form data answering every question of the course: ratings 4, "no" to every yes/no
    question, a comment in each free-text box."""
    data = {}
    for question in questions_of(course):
        data[f"q{question.pk}"] = {"rating": "4", "yes_no": "no", "text": "Useful."}[question.kind]
    data.update(overrides)
    return data
