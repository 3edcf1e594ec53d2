"""A learner completes a course, asks for the certificate, meets the course's evaluation
first (on a phone), answers it and gets the certificate; an editor then reads the anonymous
aggregate (issue 20)."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from portal.evaluations.defaults import add_default_questions
from portal.evaluations.services import submit_evaluation
from portal.progress.services import record_completion_if_complete
from tests.browser.helpers import PHONE, page_width, serious_violations
from tests.education.factories import make_course, make_lesson
from tests.evaluations.conftest import questions_of
from tests.progress.test_completion import complete_lessons

pytestmark = pytest.mark.browser

RELEVANT = "The course was relevant to my practice."
OBJECTIVES = "The course met its stated learning objectives."
INTEND = "I intend to change my practice as a result of this course."
BIAS = "I perceived commercial or other bias in the course."
CHANGE = "What will you change, or what stands in the way of a change?"


def test_the_evaluation_comes_before_the_certificate(visitor, learner, editor, make_user):
    course = make_course("bones", title="Bone metastases", credit_hours=Decimal("1.5"))
    make_lesson(course, "bones-lesson")
    add_default_questions([course])
    complete_lessons(learner, course)
    record_completion_if_complete(learner=learner, course=course)

    me = visitor(**PHONE)
    me.sign_in("nina")
    page = me.page
    page.get_by_role("link", name="Download your certificate (PDF)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Evaluate “Bone metastases”")
    me.check_page()
    assert page_width(page) <= 360
    found = serious_violations(page)
    assert found == [], "\n".join(found)

    # Two answers given, then sent with the others missing: said in words, nothing lost.
    page.get_by_role("group", name=RELEVANT).get_by_label("5 \u2013 Strongly agree").check()
    page.get_by_label(CHANGE).fill("Refer earlier for bone-protecting agents.")
    page.get_by_role("button", name="Send my evaluation and get the certificate").click()
    expect(page.get_by_role("alert")).to_contain_text("Some answers need your attention")
    expect(page.get_by_text("Please choose how far you agree.")).to_be_visible()
    expect(page.get_by_text("Please choose yes, no or not sure.").first).to_be_visible()
    expect(
        page.get_by_role("group", name=RELEVANT).get_by_label("5 \u2013 Strongly agree")
    ).to_be_checked()
    expect(page.get_by_label(CHANGE)).to_have_value("Refer earlier for bone-protecting agents.")
    me.check_page()
    assert page_width(page) <= 360
    me.screenshot("phone-evaluation-errors")

    page.get_by_role("group", name=OBJECTIVES).get_by_label("4 \u2013 Agree").check()
    page.get_by_role("group", name=INTEND).get_by_label("Yes").check()
    page.get_by_role("group", name=BIAS).get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Send my evaluation and get the certificate").click()
    expect(page.get_by_text("Thank you: your evaluation is recorded.")).to_be_visible()
    me.check_page()
    me.screenshot("phone-evaluation-done")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download your certificate (PDF)").click()
    assert download.value.suggested_filename == "certificate-bones.pdf"
    with open(download.value.path(), "rb") as file:
        assert file.read(5) == b"%PDF-"

    # Asked again from the dashboard, the certificate comes at once.
    me.goto("/")
    with page.expect_download() as again:
        page.get_by_role("link", name="Download your certificate (PDF)").click()
    assert again.value.suggested_filename == "certificate-bones.pdf"

    # Two colleagues evaluated it too: the answers are shown from three evaluations.
    for colleague in ("omar", "rhys"):
        other = make_user(colleague)
        complete_lessons(other, course)
        record_completion_if_complete(learner=other, course=course)
        submit_evaluation(
            completion=other.course_completions.get(),
            answers={
                q: {"rating": 5, "yes_no": "no", "text": ""}[q.kind] for q in questions_of(course)
            },
        )

    staff = visitor()
    staff.sign_in("edith")
    staff.goto("/editorial/")
    staff.page.get_by_role("link", name="Course evaluations").click()
    staff.page.get_by_role("link", name="Bone metastases").click()
    expect(staff.page.get_by_role("heading", level=1)).to_have_text(
        "Evaluations of “Bone metastases”, version 1"
    )
    expect(staff.page.get_by_text("3 learners evaluated this version.")).to_be_visible()
    expect(staff.page.get_by_text("mean rating 5.00 out of 5")).to_be_visible()
    expect(staff.page.get_by_text("Refer earlier for bone-protecting agents.")).to_be_visible()
    expect(staff.page.get_by_text(re.compile("Nina"))).to_have_count(0)
    staff.check_page()
    found = serious_violations(staff.page)
    assert found == [], "\n".join(found)
    staff.screenshot("desktop-evaluation-results")
