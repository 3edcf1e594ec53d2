import re

import pytest
from django.urls import reverse

from portal.evaluations.models import Answer, AnswerKind, Evaluation
from tests.education.factories import make_course
from tests.evaluations.conftest import complete, filled_in, questions_of


def certificate_url(completion):
    return reverse("progress:certificate", args=[completion.course.slug])


def evaluate_url(completion):
    return reverse("evaluations:evaluate", args=[completion.certificate_code])


def test_the_certificate_waits_for_the_evaluation(learner_client, completion):
    response = learner_client.get(certificate_url(completion))
    assert response.status_code == 302
    assert response.url == evaluate_url(completion)


def test_the_form_asks_every_question_in_a_fieldset_with_its_legend(learner_client, completion):
    response = learner_client.get(evaluate_url(completion))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<fieldset") == 4  # the ratings and the yes/no questions
    for question in questions_of(completion.course):
        assert question.text in html
    assert "1 \u2013 Strongly disagree" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert not Evaluation.objects.exists()  # nothing written on GET


def test_a_missing_answer_is_said_in_words_and_nothing_typed_is_lost(learner_client, completion):
    rating = questions_of(completion.course)[0]
    data = filled_in(completion.course, **{f"q{rating.pk}": ""})
    response = learner_client.post(evaluate_url(completion), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Please choose how far you agree." in html
    assert "Some answers need your attention" in html
    assert ">\nUseful.</textarea>" in html
    second = questions_of(completion.course)[1]
    assert re.search(rf'name="q{second.pk}" value="4"[^>]* checked', html)
    assert not Evaluation.objects.exists()


def test_a_rating_that_is_not_offered_is_refused(learner_client, completion):
    rating = questions_of(completion.course)[0]
    data = filled_in(completion.course, **{f"q{rating.pk}": "9"})
    assert learner_client.post(evaluate_url(completion), data).status_code == 400
    assert not Evaluation.objects.exists()


def test_the_answers_are_saved_and_the_certificate_offered(learner_client, completion):
    course = completion.course
    text = next(q for q in questions_of(course) if q.kind == AnswerKind.TEXT)
    data = filled_in(course, **{f"q{text.pk}": ""})  # an optional comment left empty
    response = learner_client.post(evaluate_url(completion), data)
    assert response.status_code == 302
    assert response.url == evaluate_url(completion)
    evaluation = Evaluation.objects.get(completion=completion)
    assert evaluation.answers.count() == len(data) - 1
    page = learner_client.get(response.url)
    assert "Thank you: your evaluation is recorded." in page.content.decode()
    assert certificate_url(completion) in page.content.decode()
    pdf = learner_client.get(certificate_url(completion))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"


def test_posting_again_changes_nothing(learner_client, completion):
    url = evaluate_url(completion)
    learner_client.post(url, filled_in(completion.course))
    count = Answer.objects.count()
    response = learner_client.post(url, filled_in(completion.course))
    assert response.status_code == 200  # the certificate page, the answers as they were
    assert Answer.objects.count() == count


def test_a_course_without_questions_issues_the_certificate_at_once(learner, learner_client):
    completion = complete(learner, make_course("quiet"))
    assert learner_client.get(certificate_url(completion)).status_code == 200
    assert "Download your certificate" in learner_client.get(evaluate_url(completion)).text


def test_a_retired_question_is_not_asked(learner_client, completion):
    question = questions_of(completion.course)[0]
    question.active = False
    question.save()
    assert question.text not in learner_client.get(evaluate_url(completion)).text


def test_another_learners_completion_is_not_found(client, other_learner, completion):
    client.force_login(other_learner)
    assert client.get(evaluate_url(completion)).status_code == 404
    assert client.post(evaluate_url(completion), filled_in(completion.course)).status_code == 404
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize("code", ["NO-SUCH", "A\x00B", "x" * 300])
def test_a_code_no_certificate_has_is_not_found(learner_client, completion, code):
    assert learner_client.get(f"/evaluation/{code}/").status_code == 404


def test_the_transcript_is_not_held_back(learner_client, completion):
    assert learner_client.get(reverse("progress:transcript-csv")).status_code == 200
    assert learner_client.get(reverse("progress:transcript-pdf")).status_code == 200


def test_the_evaluation_page_costs_the_same_queries_for_more_questions(
    learner_client, completion, django_assert_num_queries
):
    url = evaluate_url(completion)
    learner_client.get(url)
    with django_assert_num_queries(5) as first:
        learner_client.get(url)
    for n in range(5):
        completion.course.evaluation_questions.create(kind=AnswerKind.TEXT, text=f"More {n}")
    with django_assert_num_queries(len(first.captured_queries)):
        learner_client.get(url)


def test_an_empty_post_is_answered_with_the_missing_answers(learner_client, completion):
    response = learner_client.post(evaluate_url(completion), {})
    assert response.status_code == 400
    assert "Please choose how far you agree." in response.content.decode()
    assert not Evaluation.objects.exists()
