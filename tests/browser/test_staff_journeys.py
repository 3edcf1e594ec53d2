"""The staff's journeys, in a real browser (issue 7, journeys 3, 4 and 5): editors and clinical
reviewers in the Django admin, supervisors on the team report; learners see the outcome."""

import csv
import re

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from education.models import Lesson, Status
from portal.accounts.models import Profession
from quizzes.models import Attempt, Question, QuestionKind, Quiz
from tests.browser.helpers import (
    PHONE,
    QUIZ,
    QUIZ_TITLE,
    answer_with_the_mouse,
    choices_of,
    correct_choice_ids,
    open_attempt,
    page_width,
    serious_violations,
)

pytestmark = pytest.mark.browser

LESSON = "/lessons/receptor-rebiopsy/"
LESSON_TITLE = "Receptor re-biopsy"
NEW_SENTENCE = "Ask the pathologist to compare the new result with the original one."


def expect_message(page, text):
    """The admin's confirmation (or error) message after a save or an action."""
    expect(page.locator("ul.messagelist")).to_contain_text(text)


def test_an_editor_changes_a_lesson_and_a_reviewer_publishes_it_with_sign_off(
    visitor, curriculum, learner, editor, reviewer
):
    today = timezone.localdate()
    nina = visitor()
    nina.sign_in("nina")
    nina.goto(LESSON)
    lesson_body = nina.page.locator(".lesson-body")
    expect(lesson_body).to_contain_text("Receptor status can change")
    expect(nina.page.get_by_text("Awaiting clinical sign-off")).to_be_visible()

    # The editor starts a new version of the published lesson, changes it and submits it.
    edith = visitor()
    page = edith.page
    edith.sign_in("edith")
    edith.goto("/admin/education/lesson/")
    page.get_by_role("link", name=LESSON_TITLE, exact=True).click()
    expect(page.locator("#content")).to_contain_text("Status: Published.")
    edith.check_page()
    page.get_by_role("button", name="Edit (starts a draft)").click()
    expect_message(page, "Learners keep seeing the published text until this draft is published.")
    expect(page.locator("#content")).to_contain_text("Status: Draft.")
    edith.check_page()
    assert serious_violations(page) == []  # the lesson draft's form, tags and inlines
    # The edit goes straight to review: "Save and submit" keeps it (nothing typed is lost).
    body = page.locator("#id_body")
    body.fill(body.input_value().rstrip() + f"\n\n{NEW_SENTENCE}\n")
    page.get_by_role("button", name="Save and submit for review").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Review: {LESSON_TITLE}")
    changes = page.get_by_role(
        "region", name="What changes for learners when this draft is published"
    )
    expect(changes.locator("ins")).to_contain_text(NEW_SENTENCE)
    expect(changes).not_to_contain_text("Key points")  # untouched fields are not listed
    edith.check_page()
    assert serious_violations(page) == []  # the review page
    edith.screenshot("admin-review-lesson")
    submit = page.locator("#transition-submit")
    submit.get_by_label("Comment").fill("Added the pathologist's comparison.")
    submit.get_by_role("button", name="Submit for review").click()
    expect_message(page, "Submitted for review.")
    expect(page.locator("#content")).to_contain_text("Status: In review.")
    edith.check_page()
    (draft,) = Lesson.objects.filter(slug="receptor-rebiopsy", draft_of__isnull=False)
    assert draft.status == Status.IN_REVIEW

    # Meanwhile the learner still reads the published text.
    nina.page.reload()
    nina.check_page()
    expect(lesson_body).to_contain_text("Receptor status can change")
    expect(lesson_body).not_to_contain_text(NEW_SENTENCE)

    # The reviewer finds the draft in the editorial queue and publishes it with sign-off.
    ana = visitor()
    page = ana.page
    ana.sign_in("dr_rivera")
    ana.goto("/editorial/")
    awaiting = page.get_by_role("region", name="Awaiting clinical review")
    expect(awaiting).to_contain_text("Added the pathologist's comparison.")
    expect(awaiting).to_contain_text("submitted by")
    assert serious_violations(page) == []  # the queue
    awaiting.get_by_role("link", name=LESSON_TITLE, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Review: {LESSON_TITLE}")
    expect(page.locator("ins").first).to_contain_text(NEW_SENTENCE)
    expect(page.get_by_role("region", name="Comments and steps so far")).to_contain_text(
        "Added the pathologist's comparison."
    )
    ana.check_page()
    publish = page.locator("#transition-publish")
    # The sign-off form names the reviewer who opened it and today's date; nothing to type.
    expect(publish.get_by_label("Clinical reviewer")).to_have_value(str(reviewer.pk))
    expect(publish.get_by_label("Clinical reviewer").locator("option:checked")).to_have_text(
        "Dr Ana Rivera"
    )
    expect(publish.get_by_label("Reviewed on")).to_have_value(today.isoformat())
    # Publishing, the step of a reviewer who agrees, comes before sending back.
    steps = page.locator("form.review-step legend").all_text_contents()
    assert steps == ["Publish", "Send back to draft"]
    ana.check_page()
    ana.screenshot("admin-review-lesson-reviewer")
    publish.get_by_role("button", name="Publish", exact=True).click()
    expect_message(page, "Published: learners see it now.")
    expect(page.locator("#content")).to_contain_text("Status: Published.")
    expect(page.locator("#content")).to_contain_text(
        f"Clinically reviewed by Dr Ana Rivera on {date_format(today, 'j M Y')}"
    )
    ana.check_page()
    # The draft became the live lesson: one row, at the address learners know.
    live = Lesson.objects.get(slug="receptor-rebiopsy")
    assert (live.draft_of_id, live.status, live.clinical_reviewer) == (
        None,
        Status.PUBLISHED,
        reviewer,
    )

    # The learner now reads the new text, with the clinical review line.
    nina.page.reload()
    nina.check_page()
    expect(lesson_body).to_contain_text(NEW_SENTENCE)
    expect(
        nina.page.get_by_text(
            f"Clinically reviewed by Dr Ana Rivera on {date_format(today, 'j F Y')}"
        )
    ).to_be_visible()


def review_badges(page):
    """Per reviewed question: its verdict and, per choice shown, whether it is marked as the
    correct answer."""
    return page.locator("section.card", has=page.locator(".review-choices")).evaluate_all(
        """sections => sections.map(section => [
          section.querySelector("h3 .badge").textContent.trim(),
          [...section.querySelectorAll(".review-choices li")].map(
            item => [...item.querySelectorAll(".badge")].some(
              badge => badge.textContent.trim() === "Correct answer")),
        ])"""
    )


def test_an_editor_fixes_an_answer_key_and_the_regrade_dry_run_lists_the_old_attempt(
    visitor, curriculum, learner, editor, reviewer
):
    """Applies the regrade too: the old attempt changes only then, through the audited action."""
    quiz = Quiz.objects.get(slug=QUIZ)
    question = (
        Question.objects.filter(quiz=quiz, kind=QuestionKind.SINGLE, is_active=True)
        .order_by("position")
        .first()
    )
    (old_key,) = question.choices.filter(is_correct=True)
    learners_choice = question.choices.filter(is_correct=False).first()

    # The learner answers that question with a choice the current key says is wrong.
    nina = visitor()
    page = nina.page
    nina.sign_in("nina")
    nina.goto(f"/quizzes/{QUIZ}/")
    open_attempt(page, page.get_by_role("button", name="Start the quiz").click)
    expect(page.locator("fieldset.question")).to_have_count(8)
    correct = correct_choice_ids()
    for position in range(1, 9):
        _, values, _ = choices_of(page, position)
        if str(learners_choice.pk) in values:
            wanted = {str(learners_choice.pk)}
        else:
            wanted = correct & set(values)
        answer_with_the_mouse(page, position, wanted)
    page.get_by_role("button", name="Review and submit").click()
    expect(page.get_by_text("You have answered every question.")).to_be_visible()
    page.get_by_role("button", name="Submit for grading").click()
    score = page.get_by_role("heading", name="Your score")
    expect(score).to_have_text("Your score: 88% (7 of 8)")
    nina.check_page()
    before = review_badges(page)
    assert [verdict for verdict, _ in before].count("Incorrect") == 1

    # A published quiz changes only through a reviewed draft: the editor starts one, fixes the
    # key on the draft's copy of the question (the learner's choice is right) and submits it.
    edith = visitor()
    admin = edith.page
    edith.sign_in("edith")
    edith.goto("/admin/quizzes/quiz/")
    admin.get_by_role("link", name=QUIZ_TITLE, exact=True).click()
    admin.get_by_role("button", name="Edit (starts a draft)").click()
    expect_message(admin, "Learners keep the published quiz until this draft is published.")
    expect(admin.locator("#content")).to_contain_text("Status: Draft.")
    edith.check_page()
    draft = Quiz.objects.get(draft_of=quiz)
    draft_question = draft.questions.get(position=question.position)
    # The key is fixed on the quiz's own page, where each question shows its choices.
    question_row = admin.locator(
        f'input[name^="questions-"][name$="-id"][value="{draft_question.pk}"]'
    )
    question_prefix = question_row.get_attribute("name").removesuffix("-id")
    for choice, right in [(learners_choice, True), (old_key, False)]:
        copy = draft_question.choices.get(text=choice.text)
        # The nested row of a choice: the one whose hidden id field holds its pk.
        row_id = admin.locator(
            f'input[name^="{question_prefix}-choices-"][name$="-id"][value="{copy.pk}"]'
        )
        prefix = row_id.get_attribute("name").removesuffix("-id")
        admin.locator(f"#id_{prefix}-is_correct").set_checked(right)
    # "Add another Question" gives a blank question with two blank choices; left empty, it
    # is not saved and stops nothing.
    admin.get_by_role("link", name="Add another Question", exact=True).click()
    added = f"questions-{draft.questions.count()}"
    expect(admin.locator(f'textarea[name="{added}-stem"]')).to_be_visible()
    expect(admin.locator(f'input[name^="{added}-choices-"][name$="-text"]:visible')).to_have_count(
        2
    )
    edith.screenshot("admin-quiz-draft")
    assert serious_violations(admin) == []  # the quiz's form, its questions and their choices
    admin.get_by_role("button", name="Save and submit for review").first.click()
    key_change = (
        f"Answer key changed: the correct answer was “{old_key.text}”, "
        f"is now “{learners_choice.text}”."
    )
    expect(admin.locator("#content")).to_contain_text(key_change)
    assert {c.text for c in draft_question.choices.filter(is_correct=True)} == {
        learners_choice.text
    }
    admin.locator("#transition-submit").get_by_label("Comment").fill("Fixed the key.")
    admin.get_by_role("button", name="Submit for review").click()
    expect_message(admin, "Submitted for review.")
    edith.check_page()
    # A question has its own page too, with the same choice rows.
    edith.goto(f"/admin/quizzes/question/{draft_question.pk}/change/")
    expect(admin.locator("#id_choices-TOTAL_FORMS")).to_be_attached()
    assert serious_violations(admin) == []  # the question's form and its choice rows
    edith.check_page()

    # A reviewer publishes the draft with sign-off: the live quiz takes the new key.
    ana = visitor()
    admin = ana.page
    ana.sign_in("dr_rivera")
    ana.goto("/editorial/")
    awaiting = admin.get_by_role("region", name="Awaiting clinical review")
    awaiting.get_by_role("link", name=QUIZ_TITLE, exact=True).click()
    expect(admin.locator("#content")).to_contain_text(key_change)  # the reviewer sees it
    expect(admin.locator("#content")).to_contain_text("Fixed the key.")
    ana.screenshot("admin-review-quiz")
    assert serious_violations(admin) == []
    admin.locator("#transition-publish").get_by_role("button", name="Publish", exact=True).click()
    expect_message(admin, "Published: learners see it now.")
    expect(admin.locator("#content")).to_contain_text("Status: Published.")
    ana.check_page()
    assert set(question.choices.filter(is_correct=True)) == {learners_choice}

    # The learner's finished attempt keeps the key it was marked with.
    page.reload()
    nina.check_page()
    expect(score).to_have_text("Your score: 88% (7 of 8)")
    assert review_badges(page) == before

    # The reviewer runs the regrade action on the quiz: the dry run lists the attempt.
    ana.goto("/admin/quizzes/quiz/")
    admin.get_by_role("checkbox", name=f"Select this object for an action - {QUIZ_TITLE}").check()
    admin.locator("div.actions").get_by_role("combobox").select_option(
        label="Regrade finished attempts with the current answer key"
    )
    admin.get_by_role("button", name="Run").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Regrade: dry run")
    expect(admin.locator("#content")).to_contain_text("Nothing has changed yet.")
    rows = admin.locator("#content table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.get_by_role("cell")).to_have_text(["Nina Nurse", "1", "7.00", "8.00"])
    ana.check_page()
    assert Attempt.objects.get(learner=learner).score == 7  # a dry run changes nothing

    # Applied, the attempt takes the new key, and the learner sees the new score.
    admin.get_by_role("button", name="Apply this regrade").click()
    expect_message(admin, "Regraded 1 attempt.")
    ana.check_page()
    page.reload()
    nina.check_page()
    expect(score).to_have_text("Your score: 100% (8 of 8)")
    expect(page.locator("section.card h3 .badge")).to_have_text(["Correct"] * 8)


def read_csv(download):
    with open(download.path(), newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_a_supervisor_filters_the_team_report_and_downloads_their_team_only(
    visitor, curriculum, make_user, team, learner, other_learner, supervisor
):
    """On a phone: the report fits the screen (its wide table scrolls in its own box)."""
    make_user("rhys", team=team, display_name="Rhys Resident", profession=Profession.RESIDENT)
    courses = ["Metastatic breast cancer: foundations", "Five clinical takeaways for practice"]
    # omar is a resident too, in another team: the profession filter alone would let him in.
    assert other_learner.team != team and other_learner.profession == Profession.RESIDENT

    sue = visitor(**PHONE)
    page = sue.page
    sue.sign_in("sue")
    sue.goto("/team/")
    table = page.get_by_role("table")
    expect(table.locator("caption")).to_have_text("3 learners")  # Nina, Rhys and Sue herself
    expect(table).not_to_contain_text("omar")

    page.get_by_label("Profession").select_option(label="Resident")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"[?&]profession=resident(&|$)"))
    expect(table.locator("caption")).to_have_text("1 learner")
    body_rows = table.locator("tbody tr")
    expect(body_rows).to_have_count(len(courses))
    for row in body_rows.all():
        expect(row.get_by_role("cell").first).to_contain_text("Rhys Resident")
    sue.check_page()
    assert page_width(page) <= 360
    # Words stay whole: a button's label on one line, a course title broken only at spaces.
    apply = page.get_by_role("button", name="Apply").bounding_box()
    download = page.get_by_role("link", name="Download CSV").bounding_box()
    assert abs(apply["height"] - download["height"]) < 1 and apply["height"] < 48
    title = body_rows.first.get_by_role("cell").nth(2)
    assert title.evaluate("cell => cell.scrollWidth <= cell.clientWidth")
    assert title.evaluate("cell => getComputedStyle(cell).overflowWrap") == "normal"
    sue.screenshot("phone-team-report-filtered")
    found = serious_violations(page)
    assert found == [], "\n".join(found)
    sue.check_page()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename == "team-progress.csv"
    rows = read_csv(download.value)
    assert sorted((row["Username"], row["Course"]) for row in rows) == sorted(
        ("rhys", course) for course in courses
    )
    assert {row["Team"] for row in rows} == {"Ward 7"}

    # Without the filter: every learner of Ward 7, nobody else.
    sue.goto("/team/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    rows = read_csv(download.value)
    assert sorted((row["Username"], row["Course"]) for row in rows) == sorted(
        (username, course) for username in ("nina", "rhys", "sue") for course in courses
    )
    sue.check_page()
