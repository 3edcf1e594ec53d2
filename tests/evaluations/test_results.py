import csv
import io

import pytest
from django.urls import reverse

from portal.evaluations.models import AnswerKind, YesNo
from portal.evaluations.services import submit_evaluation
from tests.evaluations.conftest import complete, questions_of


def evaluate(completion, rating, choice, comment=""):
    values = {AnswerKind.RATING: rating, AnswerKind.YES_NO: choice, AnswerKind.TEXT: comment}
    submit_evaluation(
        completion=completion,
        answers={q: values[q.kind] for q in questions_of(completion.course)},
    )


@pytest.fixture
def answered(make_user, course):
    """Three learners evaluated version 1: ratings 5, 4 and 4; one left a comment."""
    for n, (rating, choice, comment) in enumerate(
        [(5, YesNo.YES, "=HYPERLINK(evil)"), (4, YesNo.NO, ""), (4, YesNo.NOT_SURE, "")]
    ):
        evaluate(complete(make_user(f"learner{n}", display_name=f"Person {n}"), course), rating,
                 choice, comment)  # fmt: skip
    return course


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def results_url(course, version=1, csv=False):
    name = "evaluations:course-results-csv" if csv else "evaluations:course-results"
    return reverse(name, args=[course.slug, version])


def test_editors_see_the_counts_the_mean_and_the_comments_without_names(editor_client, answered):
    response = editor_client.get(results_url(answered))
    assert response.status_code == 200
    html = response.content.decode()
    assert "3 learners evaluated this version." in html
    assert "mean rating 4.33 out of 5" in html
    assert "=HYPERLINK(evil)" in html
    assert "Person" not in html and "learner0" not in html
    total, questions = response.context["total"], response.context["questions"]
    assert total == 3
    relevant = questions[0]
    assert [(o.label[0], o.count, o.percent) for o in relevant.options] == [
        ("1", 0, 0), ("2", 0, 0), ("3", 0, 0), ("4", 2, 67), ("5", 1, 33),
    ]  # fmt: skip
    intend = questions[2]
    assert [(o.label, o.count) for o in intend.options] == [("Yes", 1), ("No", 1), ("Not sure", 1)]
    assert [q.comments for q in questions if q.kind == AnswerKind.TEXT] == [
        ["=HYPERLINK(evil)"],
        ["=HYPERLINK(evil)"],
    ]


def test_each_course_version_has_its_own_figures(editor_client, make_user, answered):
    later = complete(make_user("late"), answered, course_version=2)
    evaluate(later, 1, YesNo.YES)
    assert editor_client.get(results_url(answered, 2)).context["total"] == 1
    assert editor_client.get(results_url(answered, 1)).context["total"] == 3
    index = editor_client.get(reverse("evaluations:results"))
    assert [(r["course_version"], r["evaluations"]) for r in index.context["rows"]] == [
        (2, 1),
        (1, 3),
    ]
    assert results_url(answered, 2) in index.content.decode()


def test_an_answer_keeps_the_wording_it_was_given_under(editor_client, answered):
    question = questions_of(answered)[0]
    question.text = "Reworded"
    question.save()
    html = editor_client.get(results_url(answered)).content.decode()
    assert "The course was relevant to my practice." in html


def test_the_csv_has_the_same_figures_and_no_formula(editor_client, answered):
    response = editor_client.get(results_url(answered, csv=True))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="evaluation-bones-v1.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows[0]["Answer"] == "" and rows[0]["Learners"] == "3"
    relevant = [r for r in rows if r["Question"] == "The course was relevant to my practice."]
    assert [(r["Answer"], r["Learners"], r["Mean rating"]) for r in relevant][:1] == [
        ("All answers", "3", "4.33")
    ]
    assert ("4 \u2013 Agree", "2", "67") in [
        (r["Answer"], r["Learners"], r["Percent of answers"]) for r in relevant
    ]
    assert "'=HYPERLINK(evil)" in [r["Answer"] for r in rows]
    assert not any(r["Answer"].startswith("=") for r in rows)


@pytest.mark.parametrize(
    "name,args",
    [
        ("evaluations:results", []),
        ("evaluations:course-results", ["bones", 1]),
        ("evaluations:course-results-csv", ["bones", 1]),
    ],
)
def test_learners_cannot_see_the_aggregate(learner_client, answered, name, args):
    assert learner_client.get(reverse(name, args=args)).status_code == 403


def test_an_unknown_course_is_not_found(editor_client, answered):
    assert (
        editor_client.get(reverse("evaluations:course-results", args=["nope", 1])).status_code
        == 404
    )


def test_a_version_nobody_evaluated_says_so(editor_client, answered):
    response = editor_client.get(results_url(answered, 9))
    assert response.status_code == 200
    assert "No evaluation has been received for this version." in response.content.decode()


@pytest.mark.parametrize("csv_too", [False, True])
def test_the_aggregate_costs_the_same_queries_for_more_answers(
    editor_client, make_user, answered, django_assert_num_queries, csv_too
):
    url = results_url(answered, csv=csv_too)
    editor_client.get(url)
    with django_assert_num_queries(9 if not csv_too else 8) as first:
        editor_client.get(url)
    for n in range(10):
        evaluate(complete(make_user(f"more{n}"), answered), n % 5 + 1, YesNo.YES, f"Note {n}")
    with django_assert_num_queries(len(first.captured_queries)):
        response = editor_client.get(url)
    assert b"Note 9" in response.content


def test_the_index_costs_the_same_queries_for_more_evaluations(
    editor_client, make_user, answered, django_assert_num_queries
):
    url = reverse("evaluations:results")
    editor_client.get(url)
    with django_assert_num_queries(5) as first:
        editor_client.get(url)
    evaluate(complete(make_user("more"), answered, course_version=2), 3, YesNo.NO)
    with django_assert_num_queries(len(first.captured_queries)):
        editor_client.get(url)


def test_below_three_evaluations_no_answer_or_comment_is_shown(editor_client, make_user, answered):
    few = complete(make_user("only-one"), answered, course_version=2)
    evaluate(few, 1, YesNo.YES, "Only I could have written this.")
    page = editor_client.get(results_url(answered, 2))
    html = page.content.decode()
    assert page.context["total"] == 1 and page.context["questions"] == []
    assert "The answers are shown once 3 learners have evaluated this version" in html
    assert "Only I could have written this." not in html
    exported = b"".join([editor_client.get(results_url(answered, 2, csv=True)).content]).decode()
    assert "Only I could have written this." not in exported
