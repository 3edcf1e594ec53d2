from datetime import date, timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from education import workflow
from education.models import Status
from quizzes import services
from quizzes.models import Attempt, Question, Quiz
from tests.education.factories import make_course, make_lesson
from tests.form_data import form_data
from tests.quizzes.factories import choice_id, make_quiz


@pytest.fixture
def quiz(db):
    return make_quiz(questions=2)


@pytest.fixture
def draft_quiz(db):
    return make_quiz(slug="draft-quiz", questions=2, status=Status.DRAFT)


def question_form(question, choices):
    """POST data for the question change page with the given (text, correct) choices."""
    data = {
        "quiz": question.quiz_id,
        "position": question.position,
        "kind": question.kind,
        "stem": question.stem,
        "rationale": question.rationale,
        "points": question.points,
        "is_active": "on",
        "seen_version": question.version,
        "choices-TOTAL_FORMS": len(choices),
        "choices-INITIAL_FORMS": 0,
        "choices-MIN_NUM_FORMS": 0,
        "choices-MAX_NUM_FORMS": 1000,
    }
    for index, (text, correct) in enumerate(choices):
        data[f"choices-{index}-text"] = text
        data[f"choices-{index}-position"] = index
        if correct:
            data[f"choices-{index}-is_correct"] = "on"
    return data


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def test_a_single_answer_question_with_two_correct_choices_is_refused(editor_client, draft_quiz):
    question = Question.objects.create(quiz=draft_quiz, stem="New", rationale="Why", position=9)
    url = reverse("admin:quizzes_question_change", args=[question.pk])
    response = editor_client.post(url, question_form(question, [("a", True), ("b", True)]))
    assert response.status_code == 200
    assert "exactly one correct choice" in response.content.decode()
    assert not question.choices.exists()


def test_a_question_needs_two_choices(editor_client, draft_quiz):
    question = Question.objects.create(quiz=draft_quiz, stem="New", rationale="Why", position=9)
    url = reverse("admin:quizzes_question_change", args=[question.pk])
    response = editor_client.post(url, question_form(question, [("a", True)]))
    assert "at least two choices" in response.content.decode()


def test_a_valid_answer_key_is_saved(editor_client, draft_quiz):
    question = Question.objects.create(quiz=draft_quiz, stem="New", rationale="Why", position=9)
    url = reverse("admin:quizzes_question_change", args=[question.pk])
    response = editor_client.post(url, question_form(question, [("a", True), ("b", False)]))
    assert response.status_code == 302
    assert list(question.choices.values_list("text", "is_correct")) == [("a", True), ("b", False)]


def test_a_draw_count_above_the_active_questions_is_refused(editor_client, quiz):
    from django.core.exceptions import ValidationError

    quiz.draw_count = 5
    with pytest.raises(ValidationError, match="only 2 active questions"):
        quiz.full_clean()


def test_a_pass_mark_above_100_is_refused_by_clean_and_by_the_database(quiz):
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError

    quiz.pass_mark = 101
    with pytest.raises(ValidationError, match="percentage from 0 to 100"):
        quiz.full_clean()
    with pytest.raises(IntegrityError):
        Quiz.objects.filter(pk=quiz.pk).update(pass_mark=101)


def test_the_preview_shows_the_quiz_and_creates_no_attempt(editor_client, quiz):
    response = editor_client.get(reverse("admin:quizzes_quiz_preview", args=[quiz.pk]))
    assert response.status_code == 200
    assert "Stem 1" in response.content.decode()
    assert not Attempt.objects.exists()
    editing = reverse("admin:quizzes_quiz_change", args=[quiz.pk])
    assert f'href="{editing}">Back to editing</a>' in response.content.decode()


def test_duplicating_a_quiz_makes_a_draft_copy_with_its_questions(editor_client, quiz):
    response = editor_client.post(
        reverse("admin:quizzes_quiz_changelist"),
        {"action": "duplicate", ACTION_CHECKBOX_NAME: [quiz.pk]},
    )
    assert response.status_code == 302
    copy = Quiz.objects.exclude(pk=quiz.pk).get()
    assert copy.status == Status.DRAFT
    assert copy.slug == f"{quiz.slug}-copy-1"
    assert copy.questions.count() == 2
    assert copy.questions.first().choices.filter(is_correct=True).count() == 1
    assert quiz.questions.count() == 2


def test_regrade_shows_a_dry_run_then_applies_on_confirmation(client, reviewer, learner, quiz):
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    row = attempt.questions.first()
    services.save_answer(
        attempt=attempt, attempt_question=row, choice_ids=[choice_id(row, "wrong")]
    )
    services.submit_attempt(attempt=attempt)
    question = quiz.questions.get(position=1)
    question.choices.update(is_correct=False)
    question.choices.filter(text="wrong").update(is_correct=True)

    client.force_login(reviewer)
    url = reverse("admin:quizzes_quiz_changelist")
    dry_run = client.post(url, {"action": "regrade", ACTION_CHECKBOX_NAME: [quiz.pk]})
    assert dry_run.status_code == 200
    assert "Apply this regrade" in dry_run.content.decode()
    attempt.refresh_from_db()
    assert attempt.score == 0

    client.post(url, {"action": "regrade", "apply": "yes", ACTION_CHECKBOX_NAME: [quiz.pk]})
    attempt.refresh_from_db()
    assert attempt.score == 1


def test_editors_cannot_regrade(editor_client, quiz):
    response = editor_client.get(reverse("admin:quizzes_quiz_changelist"))
    assert "regrade" not in response.content.decode().lower()


def test_attempts_cannot_be_changed_or_deleted_in_the_admin(admin_client, learner, quiz):
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    response = admin_client.post(
        reverse("admin:quizzes_attempt_delete", args=[attempt.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert Attempt.objects.filter(pk=attempt.pk).exists()


def test_a_published_quiz_changes_only_through_a_reviewed_draft(
    client, editor, reviewer, learner, quiz
):
    from education import workflow

    old_attempt = services.start_attempt(learner=learner, quiz=quiz)
    services.submit_attempt(attempt=old_attempt)
    question = quiz.questions.get(position=1)
    client.force_login(editor)
    change_url = reverse("admin:quizzes_question_change", args=[question.pk])
    client.post(change_url, question_form(question, [("a", True), ("b", False)]))
    assert question.choices.filter(text="a").exists() is False  # live: read-only

    client.post(reverse("admin:quizzes_quiz_new_draft", args=[quiz.pk]))
    draft = Quiz.objects.get(draft_of=quiz)
    draft_question = draft.questions.get(position=1)
    draft_question.stem = "Reworded stem"
    draft_question.save()
    assert services.start_attempt(learner=reviewer, quiz=quiz).questions.get(
        position=1
    ).stem_html == ("<p>Stem 1</p>\n")

    workflow.submit_for_review(obj=draft, user=editor)
    live = workflow.publish(
        obj=draft, user=reviewer, reviewer=reviewer, reviewed_on=date(2026, 11, 26)
    )
    assert live.pk == quiz.pk
    assert not Quiz.objects.filter(draft_of=quiz).exists()
    question.refresh_from_db()
    assert question.stem == "Reworded stem"  # same row: attempts and statistics follow it
    assert old_attempt.questions.get(position=1).stem_html == "<p>Stem 1</p>\n"
    assert live.clinical_reviewer == reviewer


def end_of_course_quiz_form(course):
    return {
        "title": "End of course",
        "slug": "end-of-course",
        "course": course.pk,
        "position": 0,
        "pass_mark": 70,
        "review_mode": "learning",
        "questions-TOTAL_FORMS": 0,
        "questions-INITIAL_FORMS": 0,
        "questions-MIN_NUM_FORMS": 0,
        "questions-MAX_NUM_FORMS": 1000,
    }


def test_an_end_of_course_quiz_cannot_hang_off_a_course_draft(editor_client, editor):
    # Publishing the draft deletes it, which the quiz's protected foreign key would block.
    course = make_course("foundations")
    draft = workflow.start_draft(live=course, user=editor)
    draft.title = "Foundations Next Version"
    draft.save()
    add_url = reverse("admin:quizzes_quiz_add")
    page = editor_client.get(add_url).content.decode()
    assert "Foundations Next Version" not in page

    response = editor_client.post(add_url, end_of_course_quiz_form(draft))
    assert response.status_code == 200
    assert (
        "That is an unpublished new version of “Foundations”: publishing it replaces the "
        "published one, so nothing can be attached to it. Choose the published "
        "“Foundations” instead."
    ) in response.content.decode()
    assert not Quiz.objects.exists()

    response = editor_client.post(add_url, end_of_course_quiz_form(course))
    assert response.status_code == 302
    assert Quiz.objects.get().course == course


def test_a_quiz_slug_clash_is_explained_in_words_in_the_admin(editor_client):
    course = make_course("foundations")
    make_quiz(slug="end-of-course", questions=1)
    response = editor_client.post(
        reverse("admin:quizzes_quiz_add"), end_of_course_quiz_form(course)
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "A quiz with this address already exists." in page
    assert "is violated" not in page
    assert Quiz.objects.count() == 1


def test_a_quiz_version_signed_off_for_later_cannot_be_edited(client, editor, reviewer, quiz):
    draft = workflow.start_draft(live=quiz, user=editor)
    workflow.submit_for_review(obj=draft, user=editor)
    workflow.publish(
        obj=draft,
        user=reviewer,
        reviewer=reviewer,
        reviewed_on=date(2026, 11, 26),
        publish_at=timezone.now() + timedelta(days=1),
    )
    question = draft.questions.get(position=1)
    client.force_login(editor)
    change_url = reverse("admin:quizzes_question_change", args=[question.pk])
    client.post(change_url, question_form(question, [("a", True), ("b", False)]))
    assert not question.choices.filter(text="a").exists()
    quiz_page = client.get(reverse("admin:quizzes_quiz_change", args=[draft.pk]))
    assert 'name="pass_mark"' not in quiz_page.content.decode()


def test_a_quiz_cannot_hang_off_a_lesson_draft(editor_client, editor):
    lesson = make_lesson(make_course("foundations"), "staging", title="Staging")
    draft = workflow.start_draft(live=lesson, user=editor)
    form = {**end_of_course_quiz_form(lesson.course), "course": "", "lesson": draft.pk}
    response = editor_client.post(reverse("admin:quizzes_quiz_add"), form)
    assert "That is an unpublished new version of “Staging”" in response.content.decode()
    assert not Quiz.objects.exists()
    form["lesson"] = lesson.pk
    assert editor_client.post(reverse("admin:quizzes_quiz_add"), form).status_code == 302
    assert Quiz.objects.get().lesson == lesson


def test_two_editors_on_one_draft_question_cannot_overwrite_each_other(client, editor, draft_quiz):
    question = draft_quiz.questions.first()
    url = reverse("admin:quizzes_question_change", args=[question.pk])
    client.force_login(editor)
    opened_by_both = question_form(question, [("first key", True), ("b", False)])
    assert client.post(url, opened_by_both).status_code == 302  # the first save wins

    second = {**opened_by_both, "choices-0-text": "second key"}
    response = client.post(url, second)

    assert response.status_code == 200
    assert "Nothing was saved" in response.content.decode()
    assert set(question.choices.values_list("text", flat=True)) >= {"first key"}
    assert not question.choices.filter(text="second key").exists()


def test_a_question_page_without_the_version_it_was_opened_at_is_refused(
    client, editor, draft_quiz
):
    question = draft_quiz.questions.first()
    data = question_form(question, [("a", True), ("b", False)])
    del data["seen_version"]
    client.force_login(editor)
    response = client.post(reverse("admin:quizzes_question_change", args=[question.pk]), data)
    assert response.status_code == 200
    assert "out of date or incomplete" in response.content.decode()


def quiz_page(client, quiz):
    """The quiz's change page as served, and the data its form would send unchanged."""
    url = reverse("admin:quizzes_quiz_change", args=[quiz.pk])
    return url, form_data(client.get(url).content.decode(), "quiz_form")


def key_of(question):
    return set(question.choices.filter(is_correct=True).values_list("text", flat=True))


def test_a_questions_answer_key_is_changed_on_its_quizs_page(editor_client, draft_quiz):
    question = draft_quiz.questions.get(position=1)
    url, data = quiz_page(editor_client, draft_quiz)
    del data["questions-0-choices-0-is_correct"]  # "right" is no longer the answer,
    data["questions-0-choices-1-is_correct"] = "on"  # "wrong" is
    response = editor_client.post(url, data)
    assert response.status_code == 302
    assert key_of(question) == {"wrong"}
    # A page of the question opened before this save is now out of date.
    question.refresh_from_db()
    assert question.version == 2


def test_a_question_left_without_its_answer_on_the_quizs_page_is_refused(
    editor_client, draft_quiz
):
    question = draft_quiz.questions.get(position=1)
    url, data = quiz_page(editor_client, draft_quiz)
    del data["questions-0-choices-0-is_correct"]
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert (
        "A single best answer question needs exactly one correct choice, not 0."
        in response.content.decode()
    )
    assert key_of(question) == {"right"}


def test_a_question_changed_on_its_own_page_meanwhile_is_not_overwritten_from_the_quiz(
    editor_client, draft_quiz
):
    first, second = draft_quiz.questions.order_by("position")
    url, opened_before = quiz_page(editor_client, draft_quiz)
    # Somebody fixes the first question's stem on its own page.
    question_url = reverse("admin:quizzes_question_change", args=[first.pk])
    own_page = form_data(editor_client.get(question_url).content.decode(), "question_form")
    own_page["stem"] = "A better stem"
    assert editor_client.post(question_url, own_page).status_code == 302

    # The quiz page opened before cannot overwrite it, nor its choices ...
    stale = {**opened_before, "questions-0-choices-1-feedback": "Stale feedback"}
    response = editor_client.post(url, stale)
    assert response.status_code == 200
    assert "since you opened it. Nothing was saved" in response.content.decode()
    first.refresh_from_db()
    assert first.stem == "A better stem"
    assert not first.choices.filter(feedback="Stale feedback").exists()

    # Opened again, the quiz page shows their change and saves the editor's.
    url, opened_again = quiz_page(editor_client, draft_quiz)
    assert opened_again["questions-0-stem"] == "A better stem"
    opened_again["questions-1-stem"] = "Second, reworded"
    assert editor_client.post(url, opened_again).status_code == 302
    second.refresh_from_db()
    first.refresh_from_db()
    assert (first.stem, second.stem) == ("A better stem", "Second, reworded")


def add_question_row(data, index, *, stem, choices):
    """A question added on the quiz page (a new row with its nested choice rows)."""
    data["questions-TOTAL_FORMS"] = str(index + 1)
    prefix = f"questions-{index}"
    data.update(
        {
            f"{prefix}-position": str(index + 1),
            f"{prefix}-kind": "single",
            f"{prefix}-stem": stem,
            f"{prefix}-points": "1",
            f"{prefix}-is_active": "on",
            f"{prefix}-choices-TOTAL_FORMS": str(len(choices)),
            f"{prefix}-choices-INITIAL_FORMS": "0",
            f"{prefix}-choices-MIN_NUM_FORMS": "2",
            f"{prefix}-choices-MAX_NUM_FORMS": "1000",
        }
    )
    for number, (text, correct) in enumerate(choices):
        data[f"{prefix}-choices-{number}-position"] = str(number)
        data[f"{prefix}-choices-{number}-text"] = text
        if correct:
            data[f"{prefix}-choices-{number}-is_correct"] = "on"


def test_a_question_added_on_the_quizs_page_needs_its_answer_key(editor_client, draft_quiz):
    url, data = quiz_page(editor_client, draft_quiz)
    add_question_row(data, 2, stem="Which is right?", choices=[("this", False), ("that", False)])
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "needs exactly one correct choice, not 0." in response.content.decode()
    assert draft_quiz.questions.count() == 2

    add_question_row(data, 2, stem="Which is right?", choices=[("this", True), ("that", False)])
    assert editor_client.post(url, data).status_code == 302
    added = draft_quiz.questions.get(stem="Which is right?")
    assert key_of(added) == {"this"}


def test_a_blank_question_row_left_empty_on_the_quizs_page_is_ignored(editor_client, draft_quiz):
    url, data = quiz_page(editor_client, draft_quiz)
    # "Add another Question" copies the page's blank row and its two blank choice rows.
    for name, value in list(data.items()):
        for blank, added in [
            ("questions-__prefix__-", "questions-2-"),
            ("questions-empty-", "questions-2-"),
        ]:
            if name.startswith(blank) and "__prefix__-" not in name.removeprefix(blank):
                data[name.replace(blank, added, 1)] = value
    data["questions-TOTAL_FORMS"] = "3"
    response = editor_client.post(url, data)
    assert response.status_code == 302
    assert draft_quiz.questions.count() == 2
