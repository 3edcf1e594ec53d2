"""Reading a lesson page writes nothing: the page, once loaded, tells the portal it was
opened (a POST from static/js/lesson_opened.js), so the course page shows it in progress."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import PHONE
from tests.education.factories import make_course, make_lesson

pytestmark = pytest.mark.browser


def test_opening_a_lesson_in_the_browser_marks_it_in_progress(visitor, learner):
    course = make_course("opened-course", title="Opening course")
    make_lesson(course, "opened-lesson", title="Receptors change", position=1)
    make_lesson(course, "unopened-lesson", title="Sequencing therapy", position=2)

    me = visitor(**PHONE)
    me.sign_in("nina")
    with me.page.expect_response(
        lambda r: r.url.endswith("/lessons/opened-lesson/opened/")
    ) as sent:
        me.goto("/lessons/opened-lesson/")
    assert sent.value.status == 204
    me.check_page()

    me.goto("/courses/opened-course/")
    rows = me.page.get_by_role("listitem")
    expect(rows.filter(has_text="Receptors change").get_by_text("In progress")).to_be_visible()
    expect(rows.filter(has_text="Sequencing therapy").get_by_text("Not started")).to_be_visible()
    me.check_page()
