"""The learner's journeys through the portal, in a real browser (issue 7, journeys 1, 2, 6)."""

import re

import pytest
from playwright.sync_api import expect

from quizzes.models import Attempt, AttemptState
from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    QUIZ,
    QUIZ_TITLE,
    answer_with_the_mouse,
    choices_of,
    correct_choice_ids,
    open_attempt,
    tab_to,
    wait_for_save,
)
from tests.conftest import PASSWORD

COURSE_TITLE = "Five clinical takeaways for practice"

pytestmark = pytest.mark.browser


def expect_selected(page, position, wanted):
    inputs, values, _ = choices_of(page, position)
    for i, value in enumerate(values):
        if value in wanted:
            expect(inputs.nth(i)).to_be_checked()
        else:
            expect(inputs.nth(i)).not_to_be_checked()


def answer_with_the_keyboard(page, position, wanted):
    """Select the `wanted` choices of one question with Tab, Space and the arrow keys."""
    inputs, values, kind = choices_of(page, position)
    if kind == "radio":
        # Tab enters an unanswered group on its first radio; each arrow press moves and selects.
        tab_to(page, inputs.first)
        (target,) = (i for i, value in enumerate(values) if value in wanted)
        if target == 0:
            wait_for_save(page, lambda: page.keyboard.press("Space"))
        for _ in range(target):
            wait_for_save(page, lambda: page.keyboard.press("ArrowDown"))
    else:
        for i, value in enumerate(values):
            tab_to(page, inputs.nth(i))
            if value in wanted:
                wait_for_save(page, lambda: page.keyboard.press("Space"))
    expect_selected(page, position, wanted)
    expect(page.locator(f"#question-{position} .save-status")).to_have_text("Answer saved.")


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_learner_reads_a_lesson_and_passes_its_quiz_with_the_keyboard_alone(
    visitor, curriculum, learner, device
):
    me = visitor(**(DESKTOP if device == "desktop" else PHONE))
    page = me.page
    me.sign_in("nina")
    me.goto("/lessons/")
    page.get_by_role("link", name="Receptor re-biopsy", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Receptor re-biopsy")
    me.check_page()

    page.get_by_role("button", name="Mark as complete").click()
    expect(page.get_by_text("You have completed this lesson.")).to_be_visible()
    # Back at the same place, not the top: the focus is on the completion block, and its
    # message is what a screen reader reads with it.
    expect(page).to_have_url(re.compile(r"/lessons/receptor-rebiopsy/#lesson-completion$"))
    completion = page.locator("#lesson-completion")
    expect(completion).to_be_focused()
    expect(completion).to_have_accessible_description(re.compile(r"^Lesson marked as complete\."))
    expect(completion.get_by_text("Lesson marked as complete.")).to_be_in_viewport()
    me.check_page()

    page.get_by_role("link", name=f"Take the quiz: {QUIZ_TITLE}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(QUIZ_TITLE)
    me.check_page()

    # From here to the result, the keyboard alone.
    tab_to(page, page.get_by_role("button", name="Start the quiz"))
    open_attempt(page, lambda: page.keyboard.press("Enter"))
    expect(page.locator("fieldset.question")).to_have_count(8)
    me.check_page()
    correct = correct_choice_ids()
    for position in range(1, 9):
        _, values, _ = choices_of(page, position)
        answer_with_the_keyboard(page, position, correct & set(values))
    tab_to(page, page.get_by_role("button", name="Review and submit"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("You have answered every question.")).to_be_visible()
    me.check_page()
    tab_to(page, page.get_by_role("button", name="Submit for grading"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Your score")).to_have_text(
        "Your score: 100% (8 of 8)"
    )
    expect(page.get_by_text("Passed (pass mark 70%).")).to_be_visible()
    expect(page.get_by_role("heading", name="Review", exact=True)).to_be_visible()
    expect(page.locator("section.card h3 .badge")).to_have_text(["Correct"] * 8)
    # Passed: the way on, not only the way back.
    expect(page.get_by_role("link", name=re.compile(r"^Next lesson: "))).to_be_visible()
    me.check_page()

    # Home: the dashboard shows the lesson's course one step further and the passed attempt.
    page.locator("a.navbar-brand").click()  # the portal's name: home
    expect(page).to_have_url(f"{me.base_url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Nina Nurse")
    me.check_page()
    course = page.locator(".card", has=page.get_by_role("link", name=COURSE_TITLE, exact=True))
    expect(course).to_contain_text("1 of 6 lessons completed · 1 of 6 quizzes passed")
    attempts = page.get_by_role("region", name="Recent quiz attempts")
    expect(attempts.get_by_role("row")).to_have_count(2)  # the header and this attempt
    expect(attempts.get_by_role("row").nth(1).get_by_role("cell")).to_have_text(
        [QUIZ_TITLE, "100%", "Passed"]
    )


def test_a_learner_closes_the_browser_mid_quiz_and_resumes_with_every_answer_kept(
    visitor, curriculum, learner
):
    correct = correct_choice_ids()
    first = visitor()
    page = first.page
    first.sign_in("nina")
    first.goto(f"/quizzes/{QUIZ}/")
    open_attempt(page, page.get_by_role("button", name="Start the quiz").click)
    expect(page.locator("fieldset.question")).to_have_count(8)
    first.check_page()

    # Question 1 right; question 2 wrong; question 3 (select all that apply) one right and one
    # wrong choice (all or nothing: no mark).
    given = {}
    _, values, _ = choices_of(page, 1)
    given[1] = correct & set(values)
    _, values, _ = choices_of(page, 2)
    given[2] = {next(v for v in values if v not in correct)}
    _, values, kind = choices_of(page, 3)
    assert kind == "checkbox"
    given[3] = {
        next(v for v in values if v in correct),
        next(v for v in values if v not in correct),
    }
    for position, wanted in given.items():
        answer_with_the_mouse(page, position, wanted)
    first.check_page()
    first.close()  # the browser is gone, and its cookies with it

    again = visitor()
    page = again.page
    again.sign_in("nina")
    again.goto(f"/quizzes/{QUIZ}/")
    open_attempt(page, page.get_by_role("button", name="Resume your attempt").click)
    expect(page.locator("fieldset.question")).to_have_count(8)
    again.check_page()
    for position in range(1, 9):
        expect_selected(page, position, given.get(position, set()))
    for position in range(4, 9):
        _, values, _ = choices_of(page, position)
        answer_with_the_mouse(page, position, correct & set(values))

    page.get_by_role("button", name="Review and submit").click()
    expect(page.get_by_text("You have answered every question.")).to_be_visible()
    again.check_page()
    page.get_by_role("button", name="Submit for grading").click()
    expect(page.get_by_role("heading", name="Your score")).to_have_text("Your score: 75% (6 of 8)")
    again.check_page()
    attempt = Attempt.objects.get(learner=learner)  # resumed: still the one attempt
    assert attempt.state == AttemptState.SUBMITTED


def test_five_failed_sign_ins_lock_the_account_with_a_clear_message(visitor, learner):
    me = visitor()
    page = me.page
    me.goto("/accounts/login/")
    for attempt in range(1, 5):
        response = me.submit_sign_in("nina", f"wrong password {attempt}")
        assert response.status == 200
        expect(page.get_by_text("Please enter a correct username and password")).to_be_visible()
    # The fifth failure locks at once; the next try, with the right password, stays locked.
    assert me.submit_sign_in("nina", "wrong password 5").status == 429
    me.goto("/accounts/login/")
    assert me.submit_sign_in("nina", PASSWORD).status == 429
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many sign-in attempts")
    expect(page.get_by_role("alert")).to_contain_text("paused for 15 minutes")
    expect(page.get_by_role("link", name="Reset your password")).to_be_visible()
    me.screenshot("desktop-journey-locked-out")
    # Still signed out: a learner page sends the browser back to the sign-in form.
    me.goto("/lessons/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/lessons/$"))
