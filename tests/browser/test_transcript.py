"""A learner opens their CPD transcript on a phone, attests the time spent on a completed
course and downloads the record as CSV (issue 20)."""

import csv
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from portal.progress.services import record_completion_if_complete
from tests.browser.helpers import PHONE, page_width, serious_violations
from tests.education.factories import make_course, make_lesson
from tests.progress.test_completion import complete_lessons

pytestmark = pytest.mark.browser


def test_a_learner_attests_their_time_and_downloads_the_transcript_csv(visitor, learner):
    course = make_course("bones", title="Bone metastases", credit_hours=Decimal("1.5"))
    make_lesson(course, "bones-lesson")
    complete_lessons(learner, course)
    record_completion_if_complete(learner=learner, course=course)

    me = visitor(**PHONE)
    me.sign_in("nina")
    page = me.page
    page.get_by_role("link", name="Your CPD transcript").click()
    me.check_page()
    expect(page.get_by_role("heading", name="Your CPD transcript", level=1)).to_be_visible()
    assert page_width(page) <= 360
    found = serious_violations(page)
    assert found == [], "\n".join(found)

    page.get_by_label("Time you spent (hours)").fill("2")
    page.get_by_role("button", name="Record the time spent").click()
    expect(page.get_by_text("at most the course's credit of 1.50 hours")).to_be_visible()
    page.get_by_label("Time you spent (hours)").fill("1.25")
    page.get_by_role("button", name="Record the time spent").click()
    expect(page.get_by_text("Your time spent on “Bone metastases” is recorded.")).to_be_visible()
    me.check_page()
    me.screenshot("phone-cpd-transcript")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    assert download.value.suggested_filename == "cpd-transcript.csv"
    with open(download.value.path(), newline="", encoding="utf-8") as file:
        (row,) = csv.DictReader(file)
    assert row["Course"] == "Bone metastases"
    assert (row["Credit (hours)"], row["Time spent (hours)"]) == ("1.50", "1.25")
    me.check_page()
