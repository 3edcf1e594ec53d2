"""Mandatory training that expires, as its people meet it (issue 20): a nurse on a phone
renews a course whose completion expires soon, and a supervisor finds who has let theirs
expire and downloads that list."""

import csv
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.progress.models import CourseCompletion
from portal.progress.services import record_completion_if_complete
from tests.browser.helpers import PHONE, page_width, serious_violations
from tests.education.factories import make_course, make_lesson
from tests.progress.test_completion import complete_lessons
from tests.progress.test_recertification import move_back, valid_until

pytestmark = pytest.mark.browser


@pytest.fixture
def yearly(transactional_db):
    course = make_course("yearly-update", title="Yearly MBC update", valid_for_months=12)
    make_lesson(course, "yearly-receptors", title="Receptors change", position=1)
    make_lesson(course, "yearly-sequencing", title="Sequencing therapy", position=2)
    return course


def completed_days_ago(learner, course, days):
    complete_lessons(learner, course)
    record_completion_if_complete(learner=learner, course=course)
    move_back(learner, days)


def test_a_learner_renews_training_that_expires_soon(visitor, learner, yearly):
    completed_days_ago(learner, yearly, 350)
    expires_on = CourseCompletion.objects.get(learner=learner).expires_on

    me = visitor(**PHONE)
    me.sign_in("nina")
    page = me.page
    card = page.locator(".card", has=page.get_by_role("heading", name="Yearly MBC update"))
    expect(card.get_by_text("Expires soon")).to_be_visible()
    expect(card).to_contain_text(f"Your completion is valid until {expires_on:%-d %B %Y}.")
    expect(card).to_contain_text("0 of 2 lessons completed")
    assert page_width(page) <= 360
    found = serious_violations(page)
    assert found == [], "\n".join(found)
    me.screenshot("phone-renewal-due")

    for title in ("Receptors change", "Sequencing therapy"):
        card.get_by_role("link", name=f"Renew: {title}").click()
        expect(page.get_by_text("read it again and mark it complete to renew")).to_be_visible()
        page.get_by_role("button", name="Mark as complete").click()
        expect(page.get_by_text("You have completed this lesson.")).to_be_visible()
        me.check_page()
        me.goto("/")

    renewed = valid_until(expires_on + timedelta(days=1))  # renewed early: follows on
    expect(card).to_contain_text(f"Valid until {renewed:%-d %B %Y}.")
    expect(card.get_by_text("Expires soon")).to_have_count(0)
    me.screenshot("phone-renewed")
    assert CourseCompletion.objects.filter(learner=learner, course=yearly).count() == 2

    page.get_by_role("link", name="Your CPD transcript").first.click()
    rows = page.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(2)  # the renewal and the period before it
    expect(rows.first).to_contain_text(f"{renewed:%-d %b %Y}")
    me.check_page()


def test_a_supervisor_filters_the_expired_and_downloads_them(
    visitor, make_user, team, learner, supervisor, yearly
):
    rhys = make_user("rhys", team=team, display_name="Rhys Resident")
    completed_days_ago(learner, yearly, 380)  # expired about two weeks ago
    completed_days_ago(rhys, yearly, 100)  # valid for months yet
    expired_on = CourseCompletion.objects.get(learner=learner).expires_on

    sue = visitor(**PHONE)
    page = sue.page
    sue.sign_in("sue")
    sue.goto("/team/")
    page.get_by_label("Status").select_option(label="Expired")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"[?&]status=expired(&|$)"))
    body_rows = page.get_by_role("table").locator("tbody tr")
    expect(body_rows).to_have_count(1)
    expect(body_rows.first).to_contain_text("Nina Nurse")
    expect(body_rows.first).to_contain_text(f"expired after {expired_on:%-d %b %Y}")
    expect(page.get_by_role("table")).not_to_contain_text("Rhys Resident")
    assert page_width(page) <= 360
    found = serious_violations(page)
    assert found == [], "\n".join(found)
    sue.screenshot("phone-team-report-expired")
    sue.check_page()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    with open(download.value.path(), newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert [(row["Username"], row["Status"]) for row in rows] == [("nina", "Expired")]
    assert rows[0]["Valid until"] == expired_on.isoformat()
