import re

import pytest
from django.urls import reverse

from portal.progress import statistics
from portal.progress.item_analysis import cronbach_alpha, pearson
from portal.progress.models import ItemStatistics
from quizzes import services
from tests.quizzes.factories import choice_id, make_quiz

# Six learners' marks on four questions. Question 4 behaves as if miskeyed: only the
# weakest learners "get it right". Expected values were computed by hand and checked
# with statistics.correlation.
MARKS = [[1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 0], [0, 1, 0, 1], [0, 0, 0, 1], [1, 1, 1, 0]]
EXPECTED = [  # facility, discrimination, discriminative efficiency
    (0.6667, -0.1581, -0.2),
    (0.6667, 0.5, 1.0),
    (0.3333, 0.5, 1.0),
    (0.3333, -0.7462, -0.875),
]


@pytest.fixture
def flags_from_six(settings):
    """The six learners below are enough to flag (the default asks for 30)."""
    settings.ITEM_FLAG_MIN_ATTEMPTS = 6


@pytest.fixture
def analysed_quiz(make_user, db):
    quiz = make_quiz(questions=4)
    for n, marks in enumerate(MARKS):
        learner = make_user(f"learner{n}")
        attempt = services.start_attempt(learner=learner, quiz=quiz)
        for row, mark in zip(attempt.questions.all(), marks, strict=True):
            answer = "right" if mark else "wrong"
            services.save_answer(
                attempt=attempt, attempt_question=row, choice_ids=[choice_id(row, answer)]
            )
        services.submit_attempt(attempt=attempt)
    return quiz


def test_pearson_and_alpha_match_hand_computed_values():
    assert pearson([1, 1, 0, 1, 0, 1], [2, 1, 1, 1, 1, 2]) == pytest.approx(0.5)
    totals = [sum(row) for row in MARKS]
    columns = [[row[i] for row in MARKS] for i in range(4)]
    assert cronbach_alpha(columns, totals) == pytest.approx(-0.4444, abs=1e-4)
    assert pearson([1, 1], [1, 1]) is None


def test_item_statistics_match_hand_computed_values(analysed_quiz, flags_from_six):
    data = statistics.refresh(analysed_quiz)
    assert data["summary"]["attempts"] == 6
    assert data["summary"]["mean_percent"] == pytest.approx(50.0)
    assert data["summary"]["median_percent"] == pytest.approx(50.0)
    assert data["summary"]["pass_rate"] == pytest.approx(2 / 6)
    assert data["summary"]["alpha"] == pytest.approx(-0.4444, abs=1e-4)
    for item, (facility, discrimination, efficiency) in zip(data["items"], EXPECTED, strict=True):
        assert item["facility"] == pytest.approx(facility, abs=1e-4)
        assert item["discrimination"] == pytest.approx(discrimination, abs=1e-4)
        assert item["efficiency"] == pytest.approx(efficiency, abs=1e-4)
        assert item["attempts"] == 6
    assert "negative" in data["items"][3]["flags"]
    assert data["items"][1]["flags"] == []
    assert data["items"][3]["choice_counts"] == {"right": 2, "wrong": 4, "other": 0}


def test_new_attempts_mark_the_stored_statistics_stale(
    analysed_quiz, make_user, django_capture_on_commit_callbacks
):
    statistics.refresh(analysed_quiz)
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_attempt(
            attempt=services.start_attempt(learner=make_user("late"), quiz=analysed_quiz)
        )
    assert ItemStatistics.objects.get(quiz=analysed_quiz).stale


def test_the_page_reads_stored_figures_and_editors_can_recompute(
    client, editor, analysed_quiz, flags_from_six
):
    client.force_login(editor)
    url = reverse("progress:item-analysis", args=[analysed_quiz.slug])
    assert "Not computed yet" in client.get(url).content.decode()
    client.post(reverse("progress:item-analysis-refresh", args=[analysed_quiz.slug]))
    page = client.get(url).content.decode()
    assert "check the answer key" in page
    assert "Cronbach" in page


def test_the_score_distribution_says_what_each_bar_counts_in_words(client, editor, analysed_quiz):
    client.force_login(editor)
    statistics.refresh(analysed_quiz)
    url = reverse("progress:item-analysis", args=[analysed_quiz.slug])
    page = client.get(url).content.decode()
    assert "Attempts in each band of scores</figcaption>" in page
    rows = dict(re.findall(r'bar-chart-label">([^<]*)<.*?bar-chart-value">([^<]*)<', page, re.S))
    # The six learners scored 25%, 50% and 75%, two each.
    assert rows["20-29%"] == rows["50-59%"] == rows["70-79%"] == "2 attempts"
    assert rows["0-9%"] == "0 attempts"
    assert len(rows) == 10


def test_learners_and_supervisors_cannot_see_item_analysis(
    client, learner, supervisor, analysed_quiz
):
    for user in (learner, supervisor):
        client.force_login(user)
        assert (
            client.get(reverse("progress:item-analysis", args=[analysed_quiz.slug])).status_code
            == 403
        )


def test_the_scheduled_command_recomputes_only_what_is_stale(analysed_quiz, capsys):
    from django.core.management import call_command

    call_command("refresh_item_statistics")
    assert "Recomputed 2" in capsys.readouterr().out
    call_command("refresh_item_statistics")
    assert "Recomputed 0" in capsys.readouterr().out


def test_a_question_is_not_flagged_from_fewer_attempts_than_the_minimum(
    client, editor, analysed_quiz
):
    statistics.refresh(analysed_quiz)
    client.force_login(editor)

    page = client.get(reverse("progress:item-analysis", args=[analysed_quiz.slug])).content
    queue = client.get(reverse("progress:editorial")).content.decode()

    assert "check the answer key" not in page.decode()
    assert "Not flagged below 30 attempts" in page.decode()
    assert "No flagged questions." in queue
    assert "flagged only from 30 first attempts" in queue


def test_the_editorial_queue_shows_how_many_attempts_each_flag_rests_on(
    client, editor, analysed_quiz, flags_from_six
):
    statistics.refresh(analysed_quiz)
    client.force_login(editor)

    queue = client.get(reverse("progress:editorial")).content.decode()

    flagged = queue[queue.index("flagged-heading") :]
    assert analysed_quiz.title in flagged
    assert "n = 6 attempts" in flagged
