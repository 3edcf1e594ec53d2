"""A learner's CPD transcript lists every completion as it was recorded: the title, version and
credit of that day, kept when the course is renamed or archived; the learner attests the
time they spent, up to the credit, and downloads the record as CSV or PDF."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from education import workflow
from portal.progress.models import CourseCompletion
from portal.progress.services import record_completion_if_complete
from tests.education.factories import make_course, make_lesson
from tests.progress.test_certificate_frozen import pdf_text
from tests.progress.test_completion import complete_lessons


def completed_course(learner, slug, *, title=None, credit=None):
    course = make_course(slug, title=title or f"Course {slug}", credit_hours=credit)
    make_lesson(course, f"{slug}-lesson", estimated_minutes=45)
    complete_lessons(learner, course)
    record_completion_if_complete(learner=learner, course=course)
    return course, CourseCompletion.objects.get(learner=learner, course=course)


def transcript(client):
    return client.get(reverse("progress:transcript")).content.decode()


def attest(client, completion, hours):
    return client.post(
        reverse("progress:transcript-attest", args=[completion.certificate_code]),
        {f"c{completion.pk}-attested_hours": hours},
    )


def test_the_transcript_keeps_a_renamed_and_archived_course_under_its_old_title(
    learner, learner_client, reviewer
):
    course, completion = completed_course(learner, "bones", title="Bone metastases", credit=2)
    course.title = "Skeletal disease"
    course.save()
    workflow.archive(obj=course, user=reviewer)

    page = transcript(learner_client)
    assert "Bone metastases" in page and "Skeletal disease" not in page
    assert completion.certificate_code in page
    assert reverse("progress:certificate-verify", args=[completion.certificate_code]) in page


def test_a_learner_attests_the_time_spent_up_to_the_credit(learner, learner_client):
    _course, completion = completed_course(learner, "bones", credit=Decimal("1.5"))

    response = attest(learner_client, completion, "1.25")

    assert response.status_code == 302
    completion.refresh_from_db()
    assert completion.attested_hours == Decimal("1.25")


@pytest.mark.parametrize(
    "hours, message",
    [
        ("1.75", "at most the course&#x27;s credit of 1.50 hours"),
        ("1.1", "quarter-hour steps"),
        ("-0.25", "quarter-hour steps"),
        ("an hour", "Enter a number."),
    ],
)
def test_a_wrong_attestation_is_refused_in_words_and_changes_nothing(
    learner, learner_client, hours, message
):
    _course, completion = completed_course(learner, "bones", credit=Decimal("1.5"))

    response = attest(learner_client, completion, hours)

    assert response.status_code == 400
    assert message in response.content.decode()
    completion.refresh_from_db()
    assert completion.attested_hours is None


def test_an_attestation_is_refused_on_another_learners_completion(
    learner, learner_client, make_user
):
    other = make_user("other-learner")
    _course, completion = completed_course(other, "bones", credit=1)

    assert attest(learner_client, completion, "1").status_code == 404
    assert (
        learner_client.get(
            reverse("progress:transcript-attest", args=[completion.certificate_code])
        ).status_code
        == 405
    )


def test_the_csv_lists_each_completion_and_disarms_a_formula_in_a_title(learner, learner_client):
    _course, completion = completed_course(learner, "bones", title="=HYPERLINK(1)", credit=2)
    CourseCompletion.objects.filter(pk=completion.pk).update(attested_hours=Decimal("1.75"))

    response = learner_client.get(reverse("progress:transcript-csv"))

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "Course", "Version", "Completed on", "Credit (hours)", "Time spent (hours)",
        "Certificate code",
    ]  # fmt: skip
    assert rows[1] == [
        "'=HYPERLINK(1)",
        str(completion.course_version),
        completion.completed_at.date().isoformat(),
        "2.00",
        "1.75",
        completion.certificate_code,
    ]


def test_the_pdf_states_each_completion_as_recorded(learner, learner_client):
    course, completion = completed_course(learner, "bones", title="Bone metastases", credit=2)
    CourseCompletion.objects.filter(pk=completion.pk).update(attested_hours=Decimal("1.25"))
    course.title = "Skeletal disease"
    course.save()

    pdf = pdf_text(learner_client.get(reverse("progress:transcript-pdf")).content)

    assert "Bone metastases" in pdf and "Skeletal disease" not in pdf
    assert "credit 2.0 hours" in pdf and "time spent 1.25 hours" in pdf
    assert completion.certificate_code in pdf


def test_the_certificate_prints_the_attested_time_when_given(learner, learner_client):
    course, completion = completed_course(learner, "bones", credit=2)
    attest(learner_client, completion, "0.75")

    pdf = pdf_text(learner_client.get(reverse("progress:certificate", args=[course.slug])).content)

    assert "time spent 0.75 hours" in pdf


def test_the_dashboard_links_the_transcript(learner_client, db):
    assert reverse("progress:transcript") in learner_client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("count", [1, 6])
def test_the_transcript_uses_a_fixed_number_of_queries(
    learner, learner_client, count, django_assert_num_queries
):
    for n in range(count):
        completed_course(learner, f"course-{n}", credit=1)
    transcript(learner_client)
    # Session and user, the learner's completions.
    with django_assert_num_queries(3):
        assert learner_client.get(reverse("progress:transcript")).status_code == 200


def test_an_impossible_certificate_code_is_not_found_and_changes_nothing(learner, learner_client):
    response = learner_client.post(
        reverse("progress:transcript-attest", args=["BAD\x00CODE"]), {"c1-attested_hours": "1"}
    )
    assert response.status_code == 404
