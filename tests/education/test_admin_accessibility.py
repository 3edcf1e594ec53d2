"""Every field of the admin's inline rows names itself for screen readers (issue 21)."""

import re

from django.urls import reverse

from education import workflow
from tests.quizzes.factories import make_quiz


def unlabelled_inputs(html, prefix):
    """The visible inputs, selects and textareas of an inline formset that have neither an
    aria-label nor a <label for=...>."""
    labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
    found = []
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or not name.group(1).startswith(prefix) or 'type="hidden"' in tag:
            continue
        control_id = re.search(r'id="([^"]+)"', tag)
        if "aria-label=" not in tag and not (control_id and control_id.group(1) in labelled):
            found.append(tag)
    return found


def test_the_quizs_question_rows_and_the_questions_choice_rows_are_all_labelled(
    client, editor, db
):
    quiz = workflow.start_draft(live=make_quiz(questions=2), user=editor)
    client.force_login(editor)
    quiz_page = client.get(reverse("admin:quizzes_quiz_change", args=[quiz.pk])).content.decode()
    question = quiz.questions.first()
    question_page = client.get(
        reverse("admin:quizzes_question_change", args=[question.pk])
    ).content.decode()

    assert 'aria-label="Question 1: Kind"' in quiz_page
    assert unlabelled_inputs(quiz_page, "questions-") == []
    assert 'aria-label="Choice 2: Correct"' in question_page
    assert unlabelled_inputs(question_page, "choices-") == []
