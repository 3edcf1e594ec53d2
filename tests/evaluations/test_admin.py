import pytest
from django.core.management import call_command
from django.urls import reverse

from education.models import Course
from portal.evaluations.defaults import DEFAULT_QUESTIONS
from portal.evaluations.models import AnswerKind, EvaluationQuestion
from portal.evaluations.services import submit_evaluation
from tests.education.factories import make_course
from tests.evaluations.conftest import questions_of
from tests.form_data import form_data


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def change_url(course):
    return reverse("admin:evaluations_courseevaluation_change", args=[course.pk])


def test_editors_list_the_courses_with_their_questions(editor_client, course):
    make_course("quiet")
    response = editor_client.get(reverse("admin:evaluations_courseevaluation_changelist"))
    assert response.status_code == 200
    rows = {c.slug: (c.asked, c.received) for c in response.context["cl"].result_list}
    assert rows == {"bones": (len(DEFAULT_QUESTIONS), 0), "quiet": (0, 0)}


def test_editors_reword_add_and_retire_questions_without_touching_the_course(
    editor_client, course
):
    version, edited = course.version, course.updated_at
    html = editor_client.get(change_url(course)).content.decode()
    data = form_data(html, "courseevaluation_form")
    first, second = questions_of(course)[:2]
    prefix = "evaluation_questions"
    row = {data[f"{prefix}-{n}-id"]: n for n in range(len(DEFAULT_QUESTIONS))}
    data[f"{prefix}-{row[str(first.pk)]}-text"] = "The course was useful on the ward."
    data.pop(f"{prefix}-{row[str(second.pk)]}-active")  # unticked
    new = len(DEFAULT_QUESTIONS)
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": str(new + 1),
            f"{prefix}-{new}-position": "9",
            f"{prefix}-{new}-kind": AnswerKind.TEXT,
            f"{prefix}-{new}-text": "Which topic should we add?",
            f"{prefix}-{new}-active": "on",
            f"{prefix}-{new}-course": str(course.pk),
        }
    )
    response = editor_client.post(change_url(course), data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    texts = [q.text for q in questions_of(course)]
    assert texts[0] == "The course was useful on the ward."
    assert second.text not in texts
    assert texts[-1] == "Which topic should we add?"
    course.refresh_from_db()
    assert (course.version, course.updated_at) == (version, edited)


def test_an_answered_question_cannot_be_deleted_in_the_admin(editor_client, completion):
    course = completion.course
    question = questions_of(course)[0]
    submit_evaluation(completion=completion, answers={question: 4})
    data = form_data(
        editor_client.get(change_url(course)).content.decode(), "courseevaluation_form"
    )
    data["evaluation_questions-0-DELETE"] = "on"
    response = editor_client.post(change_url(course), data)
    assert response.status_code == 200
    assert "protected" in response.content.decode()
    assert EvaluationQuestion.objects.filter(pk=question.pk).exists()


def test_the_admin_action_gives_the_default_questions_to_courses_without_any(
    editor_client, course
):
    quiet = make_course("quiet")
    response = editor_client.post(
        reverse("admin:evaluations_courseevaluation_changelist"),
        {"action": "give_default_questions", "_selected_action": [course.pk, quiet.pk]},
    )
    assert response.status_code == 302
    assert len(questions_of(quiet)) == len(questions_of(course)) == len(DEFAULT_QUESTIONS)


def test_editors_cannot_add_or_delete_courses_here(editor_client, course):
    assert editor_client.get(reverse("admin:evaluations_courseevaluation_add")).status_code == 403
    delete = reverse("admin:evaluations_courseevaluation_delete", args=[course.pk])
    assert editor_client.post(delete, {"post": "yes"}).status_code == 403
    assert Course.objects.filter(pk=course.pk).exists()


def test_learners_cannot_edit_the_questions(learner_client, course):
    assert learner_client.get(change_url(course)).status_code == 302  # the admin's sign-in


def test_loading_the_curriculum_gives_its_courses_the_default_questions(db):
    call_command("load_curriculum")
    courses = list(Course.objects.live_rows())
    assert courses
    assert all(len(questions_of(c)) == len(DEFAULT_QUESTIONS) for c in courses)
    call_command("load_curriculum")  # again: nothing more
    assert EvaluationQuestion.objects.count() == len(courses) * len(DEFAULT_QUESTIONS)
