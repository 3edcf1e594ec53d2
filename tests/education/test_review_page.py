"""The review page (issue 21): what changes for learners when a draft is published, in words a
clinician reads, with the comments that travel between editor and reviewer."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from education import workflow
from education.comparison import changed_lines
from education.models import Lesson, Status, Tag, WorkflowEvent
from quizzes.models import Question
from tests.education.factories import make_course, make_lesson
from tests.quizzes.factories import add_question, make_quiz


def review_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_review", args=[obj.pk])


def transition_url(obj, name):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_transition", args=[obj.pk, name])


@pytest.fixture
def live_lesson(db):
    return make_lesson(
        make_course("course"),
        "rebiopsy",
        title="Re-biopsy",
        body="Receptor status can change.\n\nBiopsy a new lesion when it is safe.",
        key_points="Re-test receptors\nCompare with the original",
        objectives="Explain why",
    )


@pytest.fixture
def quiz(db):
    return make_quiz(questions=3)


def page_of(client, user, obj):
    client.force_login(user)
    response = client.get(review_url(obj))
    assert response.status_code == 200
    return response.content.decode()


def test_only_the_changed_lines_of_a_text_are_listed_with_the_changed_words_marked():
    lines = changed_lines("One.\nTwo apples.\nThree.", "One.\nTwo pears.\nThree.\nFour.")
    assert [line.kind for line in lines] == ["changed", "added"]
    assert "<del>apples</del>" in lines[0].old and "<ins>pears</ins>" in lines[0].new
    assert lines[1].new == "Four."


def test_the_review_page_shows_a_lessons_changed_paragraph_and_leaves_untouched_fields_out(
    client, editor, reviewer, live_lesson
):
    draft = workflow.start_draft(live=live_lesson, user=editor)
    draft.body = "Receptor status can change.\n\nBiopsy a new lesion when it is safe and feasible."
    draft.tags.add(Tag.objects.create(name="Pathology", slug="pathology"))
    draft.save()

    page = page_of(client, reviewer, draft)

    assert "What changes for learners when this draft is published" in page
    assert "<ins> and feasible</ins>" in page
    assert "Receptor status can change." not in page  # an untouched paragraph
    assert "Key points" not in page and "Learning objectives" not in page.split("Comments")[0]
    assert "Pathology" in page  # a tag by its name


def test_a_new_lesson_is_shown_whole_as_new(client, reviewer, db):
    lesson = make_lesson(make_course("c"), "new", status=Status.DRAFT, body="All new text.")
    page = page_of(client, reviewer, lesson)
    assert "never published, so all of it is new" in page
    assert "All new text." in page


def test_a_flipped_answer_key_is_spelled_out_on_the_quiz_review_page(
    client, editor, reviewer, quiz
):
    draft = workflow.start_draft(live=quiz, user=editor)
    question = draft.questions.order_by("position")[1]
    question.choices.filter(text="right").update(is_correct=False)
    question.choices.filter(text="wrong").update(is_correct=True)

    page = page_of(client, reviewer, draft)

    assert "Question 2" in page
    assert "Answer key changed: the correct answer was “right”, is now “wrong”." in page
    assert "Question 1" not in page and "Question 3" not in page  # unchanged: not listed


def test_an_added_removed_and_moved_question_are_each_named_on_the_quiz_review_page(
    client, editor, reviewer, quiz
):
    draft = workflow.start_draft(live=quiz, user=editor)
    one, two, three = draft.questions.order_by("position")
    one.delete()
    three.position, two.position = 1, 2
    three.save()
    two.save()
    new = add_question(draft, position=3, correct=("fresh key",), wrong=("a", "b"))
    new.stem = "A brand new question"
    new.save()

    page = page_of(client, reviewer, draft)

    assert "New question 3" in page and "A brand new question" in page
    assert "fresh key" in page and "(correct)" in page
    assert "Question 1 removed" in page and "Stem 1" in page
    assert "Moved from question 3 to question 1." in page


def test_the_review_page_says_when_nothing_learners_see_has_changed(
    client, editor, reviewer, quiz
):
    draft = workflow.start_draft(live=quiz, user=editor)
    assert "No change to what learners see." in page_of(client, reviewer, draft)


def test_the_submit_comment_is_kept_and_shown_to_the_reviewer_in_the_queue_and_on_the_review_page(
    client, editor, reviewer, live_lesson
):
    draft = workflow.start_draft(live=live_lesson, user=editor)
    client.force_login(editor)
    response = client.post(
        transition_url(draft, "submit"), {"comment": "Reworded the safety sentence."}
    )
    assert response.status_code == 302
    event = WorkflowEvent.objects.get(action="submitted", object_id=draft.pk)
    assert event.comment == "Reworded the safety sentence."

    assert "Reworded the safety sentence." in page_of(client, reviewer, draft)
    queue = client.get(reverse("progress:editorial")).content.decode()
    assert "Reworded the safety sentence." in queue and "submitted by" in queue


def test_the_send_back_comment_reaches_the_editor_on_the_draft_and_in_the_queue(
    client, editor, reviewer, live_lesson
):
    draft = workflow.start_draft(live=live_lesson, user=editor)
    workflow.submit_for_review(obj=draft, user=editor, comment="Please check.")
    workflow.return_to_draft(obj=draft, user=reviewer, comment="Say when it is not safe.")

    client.force_login(editor)
    change = client.get(reverse("admin:education_lesson_change", args=[draft.pk]))
    assert "Returned to you by" in change.content.decode()
    assert "Say when it is not safe." in change.content.decode()
    queue = client.get(reverse("progress:editorial")).content.decode()
    assert "Returned to the editor" in queue and "Say when it is not safe." in queue


def test_save_and_submit_for_review_keeps_the_unsaved_edit_then_asks_for_the_comment(
    client, editor, live_lesson
):
    from tests.education.test_editorial_admin import change_form

    draft = workflow.start_draft(live=live_lesson, user=editor)
    client.force_login(editor)
    response = client.post(
        reverse("admin:education_lesson_change", args=[draft.pk]),
        {**change_form(draft, body="The edit typed just now."), "_submit_for_review": "1"},
    )
    assert response.status_code == 302
    assert response.url == review_url(draft) + "#transition-submit"
    draft.refresh_from_db()
    assert draft.body == "The edit typed just now."
    assert draft.status == Status.DRAFT  # submitted only with the comment form


def test_a_refused_publication_shows_the_review_page_again_with_the_message(
    client, editor, reviewer, live_lesson
):
    draft = workflow.start_draft(live=live_lesson, user=editor)
    workflow.submit_for_review(obj=draft, user=editor)
    client.force_login(reviewer)
    response = client.post(transition_url(draft, "publish"), {"reviewer": reviewer.pk})
    assert response.status_code == 200
    assert "What changes for learners" in response.content.decode()
    assert "This field is required." in response.content.decode()
    assert Lesson.objects.get(pk=draft.pk).status == Status.IN_REVIEW


def test_a_live_lesson_offers_no_save_or_delete_only_edit_as_a_draft(client, editor, live_lesson):
    client.force_login(editor)
    page = client.get(reverse("admin:education_lesson_change", args=[live_lesson.pk]))
    html = page.content.decode()
    assert "Edit (starts a draft)" in html
    assert 'name="_save"' not in html and 'name="_continue"' not in html
    assert "deletelink" not in html
    workflow.start_draft(live=live_lesson, user=editor)
    html = client.get(reverse("admin:education_lesson_change", args=[live_lesson.pk])).content
    assert b"Continue the draft of the next version" in html


def test_a_scheduled_publication_is_listed_and_can_be_cancelled_back_into_review(
    client, editor, reviewer, live_lesson
):
    draft = workflow.start_draft(live=live_lesson, user=editor)
    workflow.submit_for_review(obj=draft, user=editor)
    workflow.publish(
        obj=draft,
        user=reviewer,
        reviewer=reviewer,
        reviewed_on=date.today(),
        publish_at=timezone.now() + timedelta(days=2),
    )
    client.force_login(reviewer)
    queue = client.get(reverse("progress:editorial")).content.decode()
    assert "Scheduled to go live" in queue and "Cancel the schedule" in queue

    response = client.post(transition_url(draft, "unschedule"), {"comment": "Wait for IT."})

    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.publish_at, draft.clinical_reviewer) == (
        Status.IN_REVIEW,
        None,
        None,
    )
    assert WorkflowEvent.objects.filter(action="unscheduled", comment="Wait for IT.").exists()


def test_a_question_kept_as_it_was_is_not_listed_even_when_saved_again(
    client, editor, reviewer, quiz
):
    draft = workflow.start_draft(live=quiz, user=editor)
    for question in Question.objects.filter(quiz=draft):
        question.save()
    assert "No change to what learners see." in page_of(client, reviewer, draft)


def versions_page(client, user, obj, **query):
    client.force_login(user)
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_versions", args=[obj.pk])
    response = client.get(url, query)
    assert response.status_code == 200
    return response.content.decode()


def test_a_published_answer_key_change_shows_in_the_quizs_versions(client, editor, reviewer, quiz):
    draft = workflow.start_draft(live=quiz, user=editor)
    question = draft.questions.order_by("position").first()
    for choice in question.choices.all():
        choice.is_correct = choice.text == "other"
        choice.save()
    workflow.submit_for_review(obj=draft, user=editor)
    workflow.publish(obj=draft, user=reviewer, reviewer=reviewer, reviewed_on=date.today())

    page = versions_page(client, reviewer, quiz)

    assert "Answer key changed: the correct answer was “right”, is now “other”." in page
    assert "No visible change" not in page
    assert reviewer.get_full_name() in page  # the reviewer by name, never an id


def test_a_questions_versions_spell_out_a_key_flip_saved_on_its_page(client, editor, quiz):
    draft = workflow.start_draft(live=quiz, user=editor)
    question = draft.questions.order_by("position").first()
    question.save()  # the admin saves the question, then its choices
    for choice in question.choices.all():
        choice.is_correct = choice.text == "wrong"
        choice.save()
    question.save()

    page = versions_page(client, editor, question)

    assert "Answer key changed: the correct answer was “right”, is now “wrong”." in page


def test_any_two_versions_can_be_compared(client, editor, live_lesson):
    for text in ("Second text.", "Third text."):
        live_lesson.body = text
        live_lesson.save()
    first, *_rest, last = live_lesson.history.order_by("history_date", "history_id")

    page = versions_page(
        client, editor, live_lesson, **{"from": first.history_id, "to": last.history_id}
    )

    assert "Compare any two versions" in page
    assert "<ins>Third</ins>" in page
