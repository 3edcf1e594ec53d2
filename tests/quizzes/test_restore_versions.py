import re
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from education import workflow
from education.models import Status, WorkflowAction, WorkflowEvent
from quizzes import drafts
from quizzes.models import Attempt, AttemptQuestion, Choice, Question, QuestionKind, Quiz
from tests.quizzes.factories import choice_id, make_quiz


@pytest.fixture
def quiz(db):
    return make_quiz(questions=3)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def edit(obj, **fields):
    """A later saved version of `obj`, as any save makes one."""
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.save()
    return obj


def first_version(obj):
    return obj.history.order_by("history_id").first()


def rows(obj):
    """Every history row of `obj`, to show restoring never rewrites them."""
    return list(type(obj).history.filter(id=obj.pk).order_by("history_id").values())


def choice_texts(question):
    return list(question.choices.values_list("text", "is_correct", "feedback"))


def publish(draft, editor, reviewer, **options):
    workflow.submit_for_review(obj=draft, user=editor)
    return workflow.publish(
        obj=draft, user=reviewer, reviewer=reviewer, reviewed_on=date(2026, 1, 5), **options
    )


def versions_url(obj):
    return reverse(f"admin:quizzes_{obj._meta.model_name}_versions", args=[obj.pk])


def restored_events():
    return WorkflowEvent.objects.filter(action=WorkflowAction.RESTORED)


def test_restoring_a_quiz_version_puts_its_settings_in_a_new_draft(editor, quiz):
    edit(quiz, title="Renamed", pass_mark=90, time_limit_minutes=20, shuffle_choices=True)
    history = rows(quiz)

    draft = workflow.restore_version(historical=first_version(quiz), user=editor)

    assert draft.draft_of == quiz
    assert draft.status == Status.DRAFT
    assert (draft.title, draft.pass_mark, draft.time_limit_minutes) == ("Quiz", 70, None)
    assert draft.shuffle_choices is False
    assert draft.questions.count() == 3
    quiz.refresh_from_db()
    assert (quiz.title, quiz.pass_mark, quiz.status) == ("Renamed", 90, Status.PUBLISHED)
    assert rows(quiz) == history
    event = restored_events().get()
    assert (event.object_id, event.actor) == (quiz.pk, editor)


def test_restoring_a_quiz_version_reuses_the_draft_already_started(editor, quiz):
    edit(quiz, pass_mark=90)
    started = workflow.start_draft(live=quiz, user=editor)
    edit(started.questions.get(position=1), stem="Work in progress")

    draft = workflow.restore_version(historical=first_version(quiz), user=editor)

    assert draft.pk == started.pk
    assert draft.pass_mark == 70
    assert draft.questions.get(position=1).stem == "Work in progress"
    assert Quiz.objects.filter(draft_of=quiz).count() == 1


def test_a_quiz_in_review_takes_the_restored_version_itself_back_as_a_draft(editor, db):
    quiz = make_quiz(slug="new-quiz", status=Status.DRAFT)
    edit(quiz, introduction="Second introduction")
    workflow.submit_for_review(obj=quiz, user=editor)

    restored = workflow.restore_version(historical=first_version(quiz), user=editor)

    assert restored.pk == quiz.pk
    quiz.refresh_from_db()
    assert (quiz.introduction, quiz.status) == ("", Status.DRAFT)
    assert not Quiz.objects.filter(draft_of=quiz).exists()


def test_the_live_quiz_takes_the_restored_version_only_when_the_draft_is_published(
    editor, reviewer, quiz
):
    edit(quiz, title="Renamed", pass_mark=90)
    draft = workflow.restore_version(historical=first_version(quiz), user=editor)
    quiz.refresh_from_db()
    assert (quiz.title, quiz.pass_mark) == ("Renamed", 90)

    live = publish(draft, editor, reviewer)

    assert live.pk == quiz.pk
    assert (live.title, live.pass_mark) == ("Quiz", 70)


def test_restoring_a_question_version_puts_it_in_the_quiz_draft(editor, quiz):
    question = quiz.questions.get(position=2)
    right = question.choices.get(text="right")
    # Saved as the admin saves: the question first, then its inline choices.
    edit(question, stem="Reworded stem", rationale="New rationale", points=2)
    edit(right, text="right, reworded", feedback="New feedback")
    question_history, choice_history = rows(question), rows(right)

    restored, with_choices = drafts.restore_question_version(
        historical=first_version(question), user=editor
    )

    draft = Quiz.objects.get(draft_of=quiz)
    assert with_choices
    assert restored.quiz == draft
    assert restored == draft.questions.order_by("position", "id")[1]
    assert (restored.stem, restored.rationale, restored.points) == (
        "Stem 2",
        "Secret rationale 2",
        1,
    )
    assert choice_texts(restored)[0] == ("right", True, "Secret feedback right")
    assert draft.status == Status.DRAFT
    question.refresh_from_db()
    assert question.stem == "Reworded stem"
    assert choice_texts(question)[0] == ("right, reworded", True, "New feedback")
    assert (rows(question), rows(right)) == (question_history, choice_history)
    event = restored_events().get()
    assert (event.content_object, event.actor) == (question, editor)


def test_a_question_missing_from_the_draft_is_added_back_with_its_choices(editor, quiz):
    draft = workflow.start_draft(live=quiz, user=editor)
    draft.questions.get(position=3).delete()
    question = quiz.questions.get(position=3)

    restored, with_choices = drafts.restore_question_version(
        historical=first_version(question), user=editor
    )

    assert with_choices
    assert restored.quiz == draft
    assert draft.questions.count() == 3
    assert restored.stem == "Stem 3"
    assert [text for text, *_ in choice_texts(restored)] == ["right", "wrong", "other"]


def test_only_the_question_is_restored_when_the_history_cannot_tell_its_choices(
    editor_client, editor, quiz
):
    question = Question.objects.create(quiz=quiz, stem="Old stem", rationale="Why", position=4)
    Choice.objects.bulk_create(  # no history rows, as older imports wrote them
        [
            Choice(question=question, text="yes", is_correct=True),
            Choice(question=question, text="no"),
        ]
    )
    edit(question, stem="New stem")
    edit(question.choices.get(text="yes"), text="yes, reworded")

    response = editor_client.post(
        versions_url(question), {"history_id": first_version(question).history_id}, follow=True
    )

    restored = Quiz.objects.get(draft_of=quiz).questions.get(position=4)
    assert restored.stem == "Old stem"
    assert [text for text, *_ in choice_texts(restored)] == ["yes, reworded", "no"]
    assert "Only the question&#x27;s own fields were restored" in response.content.decode()


def question_form(question, choices):
    """POST data for the question's change page, its existing choices renamed to `choices`."""
    current = list(question.choices.all())
    data = {
        "quiz": question.quiz_id,
        "position": question.position,
        "kind": question.kind,
        "stem": question.stem,
        "rationale": question.rationale,
        "points": question.points,
        "is_active": "on",
        "seen_version": Question.objects.get(pk=question.pk).version,
        "choices-TOTAL_FORMS": len(choices),
        "choices-INITIAL_FORMS": len(current),
        "choices-MIN_NUM_FORMS": 0,
        "choices-MAX_NUM_FORMS": 1000,
    }
    for index, (text, correct) in enumerate(choices):
        data[f"choices-{index}-text"] = text
        data[f"choices-{index}-position"] = index
        data[f"choices-{index}-question"] = question.pk
        if index < len(current):
            data[f"choices-{index}-id"] = current[index].pk
        if correct:
            data[f"choices-{index}-is_correct"] = "on"
    return data


def test_a_question_version_comes_back_with_the_choices_saved_with_it_in_the_admin(
    editor_client, db
):
    quiz = make_quiz(slug="draft-quiz", questions=0, status=Status.DRAFT)
    question = Question.objects.create(quiz=quiz, stem="First stem", rationale="Why", position=1)
    change_url = reverse("admin:quizzes_question_change", args=[question.pk])
    editor_client.post(change_url, question_form(question, [("a", True), ("b", False)]))
    first_save = question.history.order_by("-history_id").first()
    question.stem = "Second stem"
    editor_client.post(change_url, question_form(question, [("c", False), ("d", True)]))
    question.refresh_from_db()
    assert (question.stem, choice_texts(question)[0][0]) == ("Second stem", "c")

    editor_client.post(versions_url(question), {"history_id": first_save.history_id})

    question.refresh_from_db()
    assert question.stem == "First stem"
    assert [(text, correct) for text, correct, _ in choice_texts(question)] == [
        ("a", True),
        ("b", False),
    ]


def test_restoring_a_choice_version_puts_it_on_the_matching_draft_choice(editor, quiz):
    question = quiz.questions.get(position=1)
    wrong = question.choices.get(text="wrong")
    edit(wrong, text="wrong, reworded", feedback="New feedback")

    restored = drafts.restore_choice_version(historical=first_version(wrong), user=editor)

    draft = Quiz.objects.get(draft_of=quiz)
    assert restored == draft.questions.get(position=1)
    assert choice_texts(restored)[1] == ("wrong", False, "Secret feedback wrong")
    wrong.refresh_from_db()
    assert wrong.text == "wrong, reworded"
    assert restored_events().get().content_object == wrong


def test_an_archived_quiz_refuses_a_restore_and_says_why(editor_client, editor, reviewer, quiz):
    edit(quiz, pass_mark=90)
    workflow.archive(obj=quiz, user=reviewer)

    with pytest.raises(workflow.WorkflowError, match="archived"):
        workflow.restore_version(historical=first_version(quiz), user=editor)
    response = editor_client.post(
        versions_url(quiz), {"history_id": first_version(quiz).history_id}
    )

    assert response.url == versions_url(quiz)
    message = next(iter(get_messages(response.wsgi_request)))
    assert message.level_tag == "error" and "is archived" in message.message
    assert not Quiz.objects.filter(draft_of=quiz).exists()
    assert not restored_events().exists()


def test_a_new_version_scheduled_to_go_live_refuses_a_restore(editor, reviewer, quiz):
    question = quiz.questions.get(position=1)
    edit(question, stem="Reworded stem")
    draft = workflow.start_draft(live=quiz, user=editor)
    publish(draft, editor, reviewer, publish_at=timezone.now() + timedelta(days=3))

    with pytest.raises(workflow.WorkflowError, match="scheduled to go live"):
        drafts.restore_question_version(historical=first_version(question), user=editor)

    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED
    assert draft.questions.get(position=1).stem == "Reworded stem"


def result_page(client, attempt):
    page = client.get(reverse("quizzes:attempt-result", args=[attempt.pk])).content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)


def test_an_old_attempts_review_is_unchanged_after_restoring_and_publishing(
    client, learner, editor, reviewer, quiz
):
    question = quiz.questions.get(position=1)
    edit(question, stem="Revised stem one", rationale="Revised rationale")
    edit(question.choices.get(text="right"), feedback="Revised feedback")
    client.force_login(learner)
    client.post(reverse("quizzes:quiz-start", args=[quiz.slug]))
    attempt = Attempt.objects.get()
    row = attempt.questions.get(position=1)
    client.post(
        reverse("quizzes:attempt-answer", args=[attempt.pk, row.pk]),
        {"choice": choice_id(row, "right")},
    )
    client.post(reverse("quizzes:attempt-submit", args=[attempt.pk]))
    review, frozen = result_page(client, attempt), list(AttemptQuestion.objects.values())
    assert "Revised stem one" in review and "Revised feedback" in review

    draft, _ = drafts.restore_question_version(historical=first_version(question), user=editor)
    publish(draft.quiz, editor, reviewer)

    question.refresh_from_db()
    assert question.stem == "Stem 1"
    assert result_page(client, attempt) == review
    assert list(AttemptQuestion.objects.values()) == frozen


def test_the_versions_page_restores_a_quiz_version_and_links_to_the_draft(editor_client, quiz):
    edit(quiz, pass_mark=90)
    page = editor_client.get(versions_url(quiz)).content.decode()
    assert "Restore this version as a draft" in page

    response = editor_client.post(
        versions_url(quiz), {"history_id": first_version(quiz).history_id}
    )

    draft = Quiz.objects.get(draft_of=quiz)
    draft_url = reverse("admin:quizzes_quiz_change", args=[draft.pk])
    assert response.url == draft_url
    message = str(next(iter(get_messages(response.wsgi_request))))
    assert f'<a href="{draft_url}">' in message and "Nothing was lost" in message
    assert draft.pass_mark == 70


def test_a_live_questions_versions_page_offers_restore_to_editors(editor_client, quiz):
    question = quiz.questions.get(position=1)
    edit(question, stem="Reworded stem")

    page = editor_client.get(versions_url(question)).content.decode()

    assert "Restore this version as a draft" in page


def test_a_choice_versions_page_is_linked_from_its_question_page(editor_client, quiz):
    question = quiz.questions.get(position=1)
    choice = question.choices.first()
    edit(choice, text="Reworded")

    page = editor_client.get(
        reverse("admin:quizzes_question_change", args=[question.pk])
    ).content.decode()
    assert versions_url(choice) in page
    choice_page = reverse("admin:quizzes_choice_change", args=[choice.pk])
    assert versions_url(choice) in editor_client.get(choice_page).content.decode()
    assert (
        "Restore this version as a draft"
        in editor_client.get(versions_url(choice)).content.decode()
    )


def test_learners_and_staff_who_cannot_change_quizzes_cannot_restore(
    client, learner, make_user, quiz
):
    viewer = make_user("vic", is_staff=True)
    viewer.user_permissions.set(
        Permission.objects.filter(content_type__app_label="quizzes", codename__startswith="view_")
    )
    question = quiz.questions.get(position=1)
    edit(question, stem="Reworded stem")
    history_id = first_version(question).history_id

    client.force_login(learner)
    assert client.post(versions_url(question), {"history_id": history_id}).status_code == 302
    client.force_login(viewer)
    assert "Restore this version" not in client.get(versions_url(question)).content.decode()
    assert client.post(versions_url(question), {"history_id": history_id}).status_code == 403

    assert not Quiz.objects.filter(draft_of=quiz).exists()
    assert not restored_events().exists()
    with pytest.raises(PermissionDenied):
        drafts.restore_question_version(historical=first_version(question), user=learner)


def test_a_choice_version_that_would_give_a_single_answer_two_correct_choices_is_refused(
    editor_client, editor, quiz
):
    question = quiz.questions.get(position=1)
    right, wrong = question.choices.get(text="right"), question.choices.get(text="wrong")
    # The answer key moved from "right" to "wrong", both saved together in the admin.
    edit(right, is_correct=False)
    edit(wrong, is_correct=True)
    history = rows(right)

    with pytest.raises(workflow.WorkflowError, match="exactly one correct choice"):
        drafts.restore_choice_version(historical=first_version(right), user=editor)
    response = editor_client.post(
        versions_url(right), {"history_id": first_version(right).history_id}
    )

    assert response.url == versions_url(right)
    message = next(iter(get_messages(response.wsgi_request)))
    assert message.level_tag == "error"
    assert "That version was not restored" in message.message
    assert "needs exactly one correct choice" in message.message
    assert "Nothing was changed" in message.message
    assert not Quiz.objects.filter(draft_of=quiz).exists()
    assert not restored_events().exists()
    assert rows(right) == history
    assert choice_texts(question)[:2] == [
        ("right", False, "Secret feedback right"),
        ("wrong", True, "Secret feedback wrong"),
    ]


def test_a_choice_version_refused_leaves_an_existing_draft_as_it_was(editor, quiz):
    question = quiz.questions.get(position=1)
    right = question.choices.get(text="right")
    edit(right, is_correct=False)
    edit(question.choices.get(text="wrong"), is_correct=True)
    draft = workflow.start_draft(live=quiz, user=editor)
    version = draft.version
    before = choice_texts(draft.questions.get(position=1))

    with pytest.raises(workflow.WorkflowError):
        drafts.restore_choice_version(historical=first_version(right), user=editor)

    draft.refresh_from_db()
    assert draft.version == version
    assert choice_texts(draft.questions.get(position=1)) == before


def test_an_old_kind_that_does_not_fit_the_current_choices_is_refused(editor, db):
    quiz = make_quiz(slug="mixed", questions=0)
    question = Question.objects.create(
        quiz=quiz, kind=QuestionKind.SINGLE, stem="Which?", rationale="Why", position=1
    )
    Choice.objects.bulk_create(  # no history: the question's choices of that time are unknown
        [Choice(question=question, text="a", is_correct=True), Choice(question=question, text="b")]
    )
    edit(question, kind=QuestionKind.MULTIPLE)
    question.choices.update(is_correct=True)

    with pytest.raises(workflow.WorkflowError, match="exactly one correct choice"):
        drafts.restore_question_version(historical=first_version(question), user=editor)

    assert not Quiz.objects.filter(draft_of=quiz).exists()
    question.refresh_from_db()
    assert question.kind == QuestionKind.MULTIPLE


def test_a_quiz_draft_with_a_broken_answer_key_cannot_be_submitted_or_published(
    client, editor, reviewer, quiz
):
    draft = workflow.start_draft(live=quiz, user=editor)
    wrong = Choice.objects.get(question__quiz=draft, question__position=2, text="wrong")
    Choice.objects.filter(pk=wrong.pk).update(is_correct=True)

    with pytest.raises(workflow.WorkflowError, match=r"Question 2 \(“Stem 2”\): A single"):
        workflow.submit_for_review(obj=draft, user=editor)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT

    Choice.objects.filter(pk=wrong.pk).update(is_correct=False)
    workflow.submit_for_review(obj=draft, user=editor)
    Choice.objects.filter(pk=wrong.pk).update(is_correct=True)  # edited while in review
    with pytest.raises(workflow.WorkflowError, match="exactly one correct choice"):
        workflow.publish(obj=draft, user=reviewer, reviewer=reviewer, reviewed_on=date(2026, 1, 5))
    client.force_login(reviewer)
    response = client.post(
        reverse("admin:quizzes_quiz_transition", args=[draft.pk, "publish"]),
        {"reviewer": reviewer.pk, "reviewed_on": "2026-01-05"},
    )

    assert response.status_code == 200
    assert "cannot be submitted or published as it is" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Status.IN_REVIEW
    quiz.refresh_from_db()
    assert (quiz.version, quiz.clinical_reviewer) == (1, None)
    assert not quiz.questions.get(position=2).choices.get(text="wrong").is_correct


def test_restoring_a_question_version_keeps_its_rank_so_publishing_matches_it(
    editor, reviewer, quiz
):
    one, two, three = quiz.questions.order_by("position")
    edit(three, stem="Stem 3, reworded", position=0)  # now first in the live quiz

    restored, _ = drafts.restore_question_version(historical=first_version(three), user=editor)

    assert (restored.stem, restored.position) == ("Stem 3", 0)
    live = publish(restored.quiz, editor, reviewer)
    assert live.pk == quiz.pk
    for question, stem in ((three, "Stem 3"), (one, "Stem 1"), (two, "Stem 2")):
        question.refresh_from_db()
        assert question.stem == stem


def test_restoring_a_choice_version_keeps_its_rank_so_publishing_matches_it(
    editor, reviewer, quiz
):
    question = quiz.questions.get(position=1)
    right, wrong, other = question.choices.order_by("position")  # ranks 1, 2, 3
    edit(right, text="right, reworded", position=3)  # now last in the live question

    restored = drafts.restore_choice_version(historical=first_version(right), user=editor)

    assert [text for text, *_ in choice_texts(restored)] == ["wrong", "other", "right"]
    publish(restored.quiz, editor, reviewer)
    for choice, text, correct in (
        (right, "right", True),
        (wrong, "wrong", False),
        (other, "other", False),
    ):
        choice.refresh_from_db()
        assert (choice.text, choice.is_correct) == (text, correct)


@pytest.mark.parametrize("placement", ["lesson", "course"])
def test_a_quiz_version_on_a_lesson_or_course_draft_leaves_the_quiz_where_it_is(
    editor, quiz, placement
):
    lesson = quiz.lesson
    live = lesson if placement == "lesson" else lesson.course
    edit(quiz, **{placement: workflow.start_draft(live=live, user=editor)})
    edit(quiz, lesson=lesson, course=None)
    on_a_draft = quiz.history.order_by("history_id")[1]

    draft = workflow.restore_version(historical=on_a_draft, user=editor)

    assert (draft.lesson, draft.course) == (lesson, None)


def test_the_restore_message_does_not_ask_the_history_for_the_choices_again(
    editor_client, monkeypatch, quiz
):
    question = quiz.questions.get(position=1)
    edit(question, stem="Reworded stem")
    calls = []
    choices_at = drafts.choices_at
    monkeypatch.setattr(drafts, "choices_at", lambda h: calls.append(h) or choices_at(h))

    response = editor_client.post(
        versions_url(question), {"history_id": first_version(question).history_id}, follow=True
    )

    assert len(calls) == 1
    page = response.content.decode()
    assert "Nothing was lost" in page and "Only the question" not in page


def test_dates_in_restore_messages_use_the_languages_short_format(editor_client, quiz):
    edit(quiz, pass_mark=90)
    historical = first_version(quiz)

    response = editor_client.post(versions_url(quiz), {"history_id": historical.history_id})

    when = date_format(timezone.localtime(historical.history_date), "SHORT_DATETIME_FORMAT")
    assert f"The version of {when} is now in the draft" in str(
        next(iter(get_messages(response.wsgi_request)))
    )
    assert restored_events().get().comment.startswith(f"Version of {when} restored")
    assert when in editor_client.get(versions_url(quiz)).content.decode()


def test_the_choice_list_is_unreachable_but_each_choices_versions_are_not(
    editor_client, make_user, client, quiz
):
    choice = quiz.questions.get(position=1).choices.get(text="right")
    edit(choice, feedback="Reworded feedback")
    viewer = make_user("vic", is_staff=True)
    viewer.user_permissions.set(
        Permission.objects.filter(content_type__app_label="quizzes", codename__startswith="view_")
    )
    changelist = reverse("admin:quizzes_choice_changelist")

    for user_client in (editor_client, client):
        if user_client is client:
            client.force_login(viewer)
        response = user_client.get(changelist)
        assert response.status_code == 302
        assert response.url == reverse("admin:quizzes_question_changelist")
        assert "Secret feedback" not in user_client.get(changelist, follow=True).content.decode()
        assert user_client.get(versions_url(choice)).status_code == 200


@pytest.mark.parametrize("history_id", ["abc", "", "1.5", "99999999"])
def test_a_version_that_does_not_exist_is_reported_and_nothing_is_restored(
    editor_client, quiz, history_id
):
    response = editor_client.post(versions_url(quiz), {"history_id": history_id}, follow=True)
    assert response.status_code == 200
    assert "That version does not exist: nothing was restored." in response.content.decode()
    assert not Quiz.objects.filter(draft_of=quiz).exists()
    assert not restored_events().exists()


def test_the_quiz_versions_page_reads_question_history_once_however_many_versions(
    editor_client, quiz, django_assert_max_num_queries
):
    def queries_for_page():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert editor_client.get(versions_url(quiz)).status_code == 200
        return len(captured)

    edit(quiz, pass_mark=80)
    few = queries_for_page()
    for mark in (81, 82, 83, 84, 85):
        edit(quiz, pass_mark=mark)
        edit(quiz.questions.get(position=1), stem=f"Stem at pass mark {mark}")

    assert queries_for_page() == few
