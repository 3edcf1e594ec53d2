"""A course shows who signed it off, when it was released and reviewed, when its next review
is due and its conflict-of-interest statement before a learner starts it; the editorial queue
lists live content nobody has signed off."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from education import workflow
from tests.education.factories import make_course, make_lesson


def course_page(client, course):
    return client.get(reverse("education:course", args=[course.slug])).content.decode()


def disclosures(page):
    start = page.index('id="disclosures-heading"')
    return page[start : page.index("</section>", start)]


@pytest.fixture
def signed_off_course(reviewer):
    reviewer.display_name = "Dr Ines Varga, consultant medical oncologist"
    reviewer.save()
    course = make_course(
        "signed",
        clinical_reviewer=reviewer,
        reviewed_on=date(2026, 3, 2),
        next_review_due=date(2099, 3, 2),
        released_on=date(2025, 11, 20),
        conflict_of_interest="The reviewer has received speaker fees from a device maker.",
    )
    make_lesson(course, "first")
    return course


def test_a_course_page_shows_its_sign_off_and_disclosures_before_starting(
    learner_client, signed_off_course
):
    shown = disclosures(course_page(learner_client, signed_off_course))

    assert "Dr Ines Varga, consultant medical oncologist" in shown
    assert "20 November 2025" in shown  # released
    assert "2 March 2026" in shown  # last review
    assert "2 March 2099" in shown  # next review
    assert "speaker fees from a device maker" in shown
    assert "Awaiting clinical sign-off" not in shown


def test_a_course_without_sign_off_or_statement_says_so(learner_client, db):
    course = make_course("unsigned")
    make_lesson(course, "first")

    shown = disclosures(course_page(learner_client, course))

    assert "Awaiting clinical sign-off" in shown
    assert "No statement has been recorded yet." in shown
    assert "Not yet reviewed" in shown


def test_a_course_past_its_next_review_date_is_flagged_to_learners(
    learner_client, signed_off_course
):
    type(signed_off_course).objects.filter(pk=signed_off_course.pk).update(
        next_review_due=timezone.localdate() - timedelta(days=1)
    )

    shown = disclosures(course_page(learner_client, signed_off_course))

    assert "may be out of date" in shown


def test_first_publication_records_the_release_date_and_a_new_version_keeps_it(
    editor, reviewer, db
):
    course = make_course("new-course", status="draft")
    workflow.submit_for_review(obj=course, user=editor)
    workflow.publish(obj=course, user=reviewer, reviewer=reviewer, reviewed_on=date(2026, 1, 5))
    course.refresh_from_db()
    assert course.released_on == timezone.localdate()

    type(course).objects.filter(pk=course.pk).update(released_on=date(2025, 1, 1))
    draft = workflow.start_draft(live=type(course).objects.get(pk=course.pk), user=editor)
    workflow.submit_for_review(obj=draft, user=editor)
    workflow.publish(obj=draft, user=reviewer, reviewer=reviewer, reviewed_on=date(2026, 2, 5))

    course.refresh_from_db()
    assert course.released_on == date(2025, 1, 1)


def test_the_queue_lists_live_content_never_signed_off(client, editor, signed_off_course):
    unsigned = make_course("shipped-unsigned", title="Shipped Without Sign Off")
    make_lesson(unsigned, "shipped-lesson", title="Shipped Lesson")
    make_course("a-draft", title="Only A Draft", status="draft")
    client.force_login(editor)

    page = client.get(reverse("progress:editorial")).content.decode()

    section = page[page.index('id="unsigned-heading"') : page.index('id="reports-heading"')]
    # The signed-off course's own lesson ("First") was never signed off.
    assert "Live without clinical sign-off (3)" in section
    assert "Shipped Without Sign Off" in section and "Shipped Lesson" in section
    assert ">First<" in section
    assert ">Signed<" not in section
    assert "Only A Draft" not in section
