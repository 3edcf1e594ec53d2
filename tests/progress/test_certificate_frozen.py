"""A certificate states what was completed, as it was then: a later edit of the course or its
lessons never changes a certificate already issued."""

import re
import zlib
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from portal.progress.models import CourseCompletion
from portal.progress.services import record_completion_if_complete
from tests.education.factories import make_lesson
from tests.progress.test_completion import complete_lessons, course  # noqa: F401


def pdf_text(pdf):
    """The text drawn in a PDF, its compressed content streams opened."""
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S)
    text = b""
    for stream in streams:
        try:
            text += zlib.decompress(stream)
        except zlib.error:
            text += stream
    return text.decode("latin-1")


@pytest.fixture
def completed(learner, course):  # noqa: F811
    complete_lessons(learner, course)
    record_completion_if_complete(learner=learner, course=course)
    return CourseCompletion.objects.get(learner=learner, course=course)


def test_a_completion_records_the_course_title_version_and_hours_of_that_day(completed, course):  # noqa: F811
    assert completed.course_title == course.title
    assert completed.course_version == course.version
    assert completed.credit_hours == Decimal("1.00")  # two lessons of 30 minutes


def test_editing_the_course_after_completion_leaves_the_certificate_as_issued(
    completed,
    course,  # noqa: F811
    learner_client,
    client,
):
    old_title = course.title
    make_lesson(course, "lesson-3", position=3, estimated_minutes=90)
    course.title = "A renamed course"
    course.save()

    pdf = pdf_text(learner_client.get(reverse("progress:certificate", args=[course.slug])).content)
    assert old_title in pdf and "A renamed course" not in pdf
    assert "1.0 hours" in pdf  # not the 2.5 hours the course has today

    page = client.get(reverse("progress:certificate-verify", args=[completed.certificate_code]))
    assert old_title in page.content.decode()
    assert "A renamed course" not in page.content.decode()


def test_negative_credit_hours_are_refused_in_words_and_by_the_database(completed):
    completed.credit_hours = Decimal("-1")
    with pytest.raises(ValidationError, match="0"):
        completed.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        CourseCompletion.objects.filter(pk=completed.pk).update(credit_hours=-1)


def test_a_designated_credit_is_frozen_at_completion_and_a_later_edit_leaves_it(
    learner,
    course,  # noqa: F811
    learner_client,
):
    course.credit_hours = Decimal("1.75")
    course.save()
    complete_lessons(learner, course)
    record_completion_if_complete(learner=learner, course=course)
    completion = CourseCompletion.objects.get(learner=learner, course=course)
    assert completion.credit_hours == Decimal("1.75")  # not the lessons' one hour

    course.credit_hours = Decimal("3")
    course.save()

    completion.refresh_from_db()
    assert completion.credit_hours == Decimal("1.75")
    pdf = pdf_text(learner_client.get(reverse("progress:certificate", args=[course.slug])).content)
    assert "1.75 hours" in pdf


def test_the_certificate_states_the_sign_off_and_disclosures_as_they_were_at_completion(
    learner,
    reviewer,
    course,  # noqa: F811
    learner_client,
):
    reviewer.credentials = "MD, consultant medical oncologist"
    reviewer.save()
    course.clinical_reviewer = reviewer
    course.reviewed_on = date(2026, 11, 2)
    course.conflict_of_interest = "The reviewer declares no conflicts of interest."
    course.save()
    complete_lessons(learner, course)
    record_completion_if_complete(learner=learner, course=course)

    # Later the course is signed off by someone else and its statement changes.
    course.clinical_reviewer = None
    course.reviewed_on = None
    course.conflict_of_interest = "A new statement."
    course.save()
    reviewer.credentials = "MD"
    reviewer.save()

    pdf = pdf_text(learner_client.get(reverse("progress:certificate", args=[course.slug])).content)
    assert "Clinical sign-off: Dr Ana Rivera, MD, consultant medical oncologist" in pdf
    assert "reviewed on 2 November 2026" in pdf
    assert "Conflicts of interest: The reviewer declares no conflicts of interest." in pdf
    assert "A new statement" not in pdf


def test_a_certificate_of_a_course_awaiting_sign_off_says_so(completed, learner_client, course):  # noqa: F811
    pdf = pdf_text(learner_client.get(reverse("progress:certificate", args=[course.slug])).content)
    assert "awaiting clinical sign-off when it was completed" in pdf
    assert "Conflicts of interest: no statement was recorded." in pdf


def test_the_course_page_names_the_reviewer_with_their_credentials(
    reviewer,
    course,  # noqa: F811
    learner_client,
):
    reviewer.credentials = "MD, consultant medical oncologist"
    reviewer.save()
    course.clinical_reviewer = reviewer
    course.reviewed_on = date(2026, 11, 2)
    course.save()
    page = learner_client.get(reverse("education:course", args=[course.slug])).content.decode()
    assert "Dr Ana Rivera, MD, consultant medical oncologist" in page
