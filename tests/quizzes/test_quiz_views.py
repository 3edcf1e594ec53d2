import datetime
import re

import pytest
from django.db import connection
from django.urls import reverse

from education import reading
from education.models import Status
from quizzes import services
from quizzes.models import Attempt, AttemptState, Choice, QuestionKind, ReviewMode
from tests.education.factories import make_course, make_lesson
from tests.quizzes.factories import add_question, choice_id, make_quiz, take_quiz


@pytest.fixture
def quiz(db):
    return make_quiz(questions=3)


def start(client, quiz):
    response = client.post(reverse("quizzes:quiz-start", args=[quiz.slug]))
    assert response.status_code == 302
    return Attempt.objects.latest("id")


def answer_url(attempt, row):
    return reverse("quizzes:attempt-answer", args=[attempt.pk, row.pk])


def test_the_quiz_list_shows_pass_mark_questions_and_attempts(learner_client, quiz):
    page = learner_client.get(reverse("quizzes:quiz-list")).content.decode()
    assert quiz.title in page
    assert "3 questions" in page
    assert "pass mark 70%" in page
    assert "attempts 0 (unlimited)" in page


def test_the_intro_announces_the_pass_mark_before_starting(learner_client, quiz):
    page = learner_client.get(reverse("quizzes:quiz", args=[quiz.slug])).content.decode()
    assert "You pass with 70% or more." in page
    assert "Start the quiz" in page


@pytest.mark.parametrize("status", [Status.DRAFT, Status.IN_REVIEW, Status.ARCHIVED])
def test_unpublished_quizzes_are_not_found(learner_client, db, status):
    draft = make_quiz(slug="draft", status=status)
    assert learner_client.get(reverse("quizzes:quiz", args=[draft.slug])).status_code == 404
    assert learner_client.post(reverse("quizzes:quiz-start", args=[draft.slug])).status_code == 404
    assert not Attempt.objects.exists()


def test_the_answer_page_never_reveals_the_key_or_rationale(learner_client, quiz):
    attempt = start(learner_client, quiz)
    page = learner_client.get(reverse("quizzes:attempt", args=[attempt.pk])).content.decode()
    assert "Stem 1" in page and "right" in page
    assert "Secret" not in page
    assert "correct" not in page.lower().replace("incorrect", "")
    assert (
        "no-store"
        in learner_client.get(reverse("quizzes:attempt", args=[attempt.pk]))["Cache-Control"]
    )


def test_a_background_save_stores_the_answer(learner_client, quiz):
    attempt = start(learner_client, quiz)
    row = attempt.questions.first()
    response = learner_client.post(
        answer_url(attempt, row), {"choice": choice_id(row, "right"), "revision": row.revision}
    )
    assert response.json() == {"saved": True, "revision": 1}
    row.refresh_from_db()
    assert row.selected == [choice_id(row, "right")]
    assert row.revision == 1


def test_a_stale_page_cannot_overwrite_a_newer_answer(learner_client, quiz, caplog):
    attempt = start(learner_client, quiz)
    row = attempt.questions.first()
    seen = row.revision  # both tabs opened the attempt at this revision
    newer = learner_client.post(
        answer_url(attempt, row), {"choice": choice_id(row, "right"), "revision": seen}
    )
    assert newer.status_code == 200
    for revision in (seen, "abc"):  # the other tab, stale; and a malformed revision
        stale = learner_client.post(
            answer_url(attempt, row), {"choice": choice_id(row, "wrong"), "revision": revision}
        )
        assert stale.status_code == 409
        assert "This page is out of date: reload it" in stale.json()["error"]
    row.refresh_from_db()
    assert row.selected == [choice_id(row, "right")] and row.revision == seen + 1
    assert "Stale answer refused" in caplog.text


def test_a_refused_stale_answer_changes_nothing_not_even_the_last_answer_time(
    learner_client, quiz
):
    attempt = start(learner_client, quiz)
    row = attempt.questions.first()
    seen = row.revision
    learner_client.post(
        answer_url(attempt, row), {"choice": choice_id(row, "right"), "revision": seen}
    )
    earlier = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC)
    Attempt.objects.filter(pk=attempt.pk).update(last_answer_at=earlier)
    row.refresh_from_db()
    before = (row.selected, row.answered_at, row.revision)

    stale = learner_client.post(
        answer_url(attempt, row), {"choice": choice_id(row, "wrong"), "revision": seen}
    )
    assert stale.status_code == 409
    attempt.refresh_from_db()
    row.refresh_from_db()
    assert attempt.last_answer_at == earlier
    assert (row.selected, row.answered_at, row.revision) == before


def test_a_stale_form_post_cannot_clear_an_answer_given_in_another_tab(learner_client, db):
    quiz = make_quiz(questions=0)
    add_question(quiz, kind=QuestionKind.MULTIPLE, correct=("a", "b"), wrong=("c",))
    attempt = start(learner_client, quiz)
    row = attempt.questions.get()
    stale_form = {"shown": [row.pk], f"r{row.pk}": row.revision}  # nothing ticked there
    learner_client.post(
        answer_url(attempt, row), {"choice": [choice_id(row, "a")], "revision": row.revision}
    )
    response = learner_client.post(
        reverse("quizzes:attempt-answers", args=[attempt.pk]), stale_form
    )
    assert response.status_code == 409
    assert "This page is out of date" in response.content.decode()
    row.refresh_from_db()
    assert row.selected == [choice_id(row, "a")]


def test_a_bad_background_save_is_a_400_and_writes_nothing(learner_client, quiz):
    attempt = start(learner_client, quiz)
    first, second = attempt.questions.all()[:2]
    response = learner_client.post(
        answer_url(attempt, first), {"choice": choice_id(second, "right")}
    )
    assert response.status_code == 400
    assert "not one of the choices" in response.json()["error"]
    first.refresh_from_db()
    assert first.selected == []


def test_another_learners_attempt_is_not_found(client, learner, other_learner, quiz):
    client.force_login(other_learner)
    theirs = start(client, quiz)
    client.force_login(learner)
    row = theirs.questions.first()
    for url in (
        reverse("quizzes:attempt", args=[theirs.pk]),
        reverse("quizzes:attempt-result", args=[theirs.pk]),
        reverse("quizzes:attempt-submit", args=[theirs.pk]),
    ):
        assert client.get(url).status_code == 404
    assert (
        client.post(answer_url(theirs, row), {"choice": choice_id(row, "right")}).status_code
        == 404
    )
    assert client.post(reverse("quizzes:attempt-submit", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == AttemptState.IN_PROGRESS


def test_the_form_post_saves_every_answer_without_scripting(learner_client, quiz):
    attempt = start(learner_client, quiz)
    rows = list(attempt.questions.all())
    data = {"shown": [row.pk for row in rows], f"q{rows[0].pk}": choice_id(rows[0], "right"),
            f"q{rows[1].pk}": choice_id(rows[1], "wrong"), "review": ""}  # fmt: skip
    response = learner_client.post(reverse("quizzes:attempt-answers", args=[attempt.pk]), data)
    assert response.url == reverse("quizzes:attempt-submit", args=[attempt.pk])
    page = learner_client.get(response.url).content.decode()
    assert "1 question is not answered yet" in page
    assert "Question 3" in page


def test_a_bad_form_post_writes_nothing_at_all(learner_client, quiz):
    attempt = start(learner_client, quiz)
    rows = list(attempt.questions.all())
    data = {"shown": [rows[0].pk, rows[1].pk], f"q{rows[0].pk}": choice_id(rows[0], "right"),
            f"q{rows[1].pk}": "not-a-number"}  # fmt: skip
    response = learner_client.post(reverse("quizzes:attempt-answers", args=[attempt.pk]), data)
    assert response.status_code == 400
    assert "not one of the choices" in response.content.decode()
    assert not attempt.questions.exclude(selected=[]).exists()


def test_submitting_twice_grades_once_and_lands_on_the_result(learner_client, quiz):
    attempt = start(learner_client, quiz)
    row = attempt.questions.first()
    learner_client.post(answer_url(attempt, row), {"choice": choice_id(row, "right")})
    submit_url = reverse("quizzes:attempt-submit", args=[attempt.pk])
    first = learner_client.post(submit_url)
    second = learner_client.post(submit_url)
    assert first.url == second.url == reverse("quizzes:attempt-result", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.SUBMITTED
    assert attempt.score == 1
    late = learner_client.post(answer_url(attempt, row), {"choice": choice_id(row, "wrong")})
    assert late.status_code == 409


def test_the_learning_review_shows_answers_feedback_and_rationale(learner_client, quiz):
    attempt = start(learner_client, quiz)
    row = attempt.questions.first()
    learner_client.post(answer_url(attempt, row), {"choice": choice_id(row, "wrong")})
    learner_client.post(reverse("quizzes:attempt-submit", args=[attempt.pk]))
    page = learner_client.get(
        reverse("quizzes:attempt-result", args=[attempt.pk])
    ).content.decode()
    assert "Your score: 0% (0 of 3)" in page
    assert "Not passed (pass mark 70%)" in page
    assert "Secret rationale 1" in page
    assert "Secret feedback wrong" in page
    assert "Correct answer" in page


def test_each_reviewed_question_offers_its_own_report_form_warning_against_patient_details(
    learner_client, quiz
):
    attempt = start(learner_client, quiz)
    learner_client.post(reverse("quizzes:attempt-submit", args=[attempt.pk]))
    page = learner_client.get(
        reverse("quizzes:attempt-result", args=[attempt.pk])
    ).content.decode()
    assert page.count("Please do not include patient details.") == 3
    for row in attempt.questions.all():
        assert page.count(f'id="report-{row.pk}-text"') == 1
        assert re.search(rf'<label\s+for="report-{row.pk}-text"', page)


def test_the_assessment_review_hides_answers_until_passed_or_out_of_attempts(learner_client, quiz):
    quiz.review_mode = ReviewMode.ASSESSMENT
    quiz.attempts_allowed = 2
    quiz.save()
    attempt = start(learner_client, quiz)
    learner_client.post(reverse("quizzes:attempt-submit", args=[attempt.pk]))
    page = learner_client.get(
        reverse("quizzes:attempt-result", args=[attempt.pk])
    ).content.decode()
    assert "Questions to look at again" in page and "Stem 1" in page
    assert "Secret rationale" not in page
    second = start(learner_client, quiz)
    learner_client.post(reverse("quizzes:attempt-submit", args=[second.pk]))
    page = learner_client.get(reverse("quizzes:attempt-result", args=[second.pk])).content.decode()
    assert "Secret rationale 1" in page


def test_an_earlier_review_keeps_the_answers_hidden_while_the_last_attempt_is_open(
    learner_client, quiz
):
    quiz.review_mode, quiz.attempts_allowed = ReviewMode.ASSESSMENT, 2
    quiz.save()
    first = start(learner_client, quiz)
    learner_client.post(reverse("quizzes:attempt-submit", args=[first.pk]))
    start(learner_client, quiz)  # the last attempt allowed, still open
    page = learner_client.get(reverse("quizzes:attempt-result", args=[first.pk])).content.decode()
    assert "Secret rationale" not in page


def test_the_result_of_an_open_attempt_sends_back_to_the_questions(learner_client, quiz):
    attempt = start(learner_client, quiz)
    response = learner_client.get(reverse("quizzes:attempt-result", args=[attempt.pk]))
    assert response.url == reverse("quizzes:attempt", args=[attempt.pk])


def test_quiz_state_never_lives_in_the_session(learner_client, quiz):
    attempt = start(learner_client, quiz)
    row = attempt.questions.first()
    learner_client.post(answer_url(attempt, row), {"choice": choice_id(row, "right")})
    assert set(learner_client.session.keys()) <= {
        "_auth_user_id",
        "_auth_user_backend",
        "_auth_user_hash",
        "last_seen",
        "signed_in_at",
    }


def test_the_lesson_page_links_to_its_quiz(learner_client, quiz):
    page = learner_client.get(
        reverse("education:lesson", args=[quiz.lesson.slug])
    ).content.decode()
    assert reverse("quizzes:quiz", args=[quiz.slug]) in page


@pytest.mark.parametrize("count", [5, 50])
def test_answer_and_result_pages_use_a_fixed_number_of_queries(
    learner_client, learner, db, count, django_assert_max_num_queries, django_assert_num_queries
):
    quiz = make_quiz(slug=f"q{count}", questions=0)
    for position in range(count):
        add_question(quiz, position=position)
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    learner_client.get(reverse("quizzes:attempt", args=[attempt.pk]))
    # Session, user, the content version (the quiz is in the cache under it since the first
    # page), the attempt and its questions.
    with django_assert_num_queries(5):
        assert learner_client.get(reverse("quizzes:attempt", args=[attempt.pk])).status_code == 200
    row = attempt.questions.first()
    # Session, user, the question with its attempt, and the guarded updates: on PostgreSQL one
    # statement for both; elsewhere two, between the transaction's start and end.
    with django_assert_num_queries(4 if connection.vendor == "postgresql" else 7):
        learner_client.post(answer_url(attempt, row), {"choice": choice_id(row, "right")})
    services.submit_attempt(attempt=attempt)
    with django_assert_max_num_queries(8):
        assert (
            learner_client.get(reverse("quizzes:attempt-result", args=[attempt.pk])).status_code
            == 200
        )


def test_large_ids_reach_the_answer_form_unformatted(learner_client, learner, settings):
    """With thousands separators on, 12345 would read '12,345': the answer form must still
    carry the ids themselves."""
    settings.USE_THOUSAND_SEPARATOR = True
    quiz = make_quiz(questions=1)
    Choice.objects.create(
        pk=12345, question=quiz.questions.get(), text="big", is_correct=False, position=9
    )
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    page = learner_client.get(reverse("quizzes:attempt", args=[attempt.pk])).content.decode()
    assert 'value="12345"' in page
    assert "12,345" not in page


def test_a_quiz_awaiting_sign_off_says_so_and_a_signed_off_one_names_its_reviewer(
    learner_client, quiz, reviewer
):
    page = learner_client.get(quiz.get_absolute_url()).content.decode()
    assert "Awaiting clinical sign-off" in page
    quiz.clinical_reviewer = reviewer
    quiz.reviewed_on = datetime.date(2026, 11, 2)
    quiz.save()
    page = learner_client.get(quiz.get_absolute_url()).content.decode()
    assert "Awaiting clinical sign-off" not in page
    assert f"Clinically reviewed by {reviewer}" in page


def test_the_quiz_page_shows_its_courses_disclaimer(learner_client, quiz):
    course = quiz.lesson.course
    course.disclaimer = "For staff education only; not a substitute for the treating team."
    course.save()
    page = learner_client.get(quiz.get_absolute_url()).content.decode()
    assert "not a substitute for the treating team" in page


def test_the_answer_page_shows_the_quiz_from_the_cache_and_survives_its_archiving(
    learner_client, learner
):
    quiz = make_quiz(slug="ward-quiz", questions=2, title="Ward quiz")
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    url = reverse("quizzes:attempt", args=[attempt.pk])
    assert "Ward quiz" in learner_client.get(url).content.decode()
    type(quiz).objects.filter(pk=quiz.pk).update(title="Ward quiz, revised")
    assert "Ward quiz, revised" in learner_client.get(url).content.decode()
    # Archived while the learner was answering: no longer in the published outline.
    type(quiz).objects.filter(pk=quiz.pk).update(status=Status.ARCHIVED)
    page = learner_client.get(url)
    assert page.status_code == 200 and "Ward quiz, revised" in page.content.decode()


def test_an_unsubmitted_attempt_is_in_progress_in_the_quiz_list_not_not_passed_yet(
    learner_client, learner, quiz
):
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    page = learner_client.get(reverse("quizzes:quiz-list")).content.decode()
    assert ">In progress</span>" in page
    assert "Not passed yet" not in page
    services.submit_attempt(attempt=attempt)  # nothing answered: graded, and not passed
    page = learner_client.get(reverse("quizzes:quiz-list")).content.decode()
    assert "Not passed yet" in page
    assert ">In progress</span>" not in page


def test_a_passed_quiz_taken_again_is_passed_and_in_progress_in_the_quiz_list(
    learner_client, learner, quiz
):
    take_quiz(learner, quiz, "right")
    services.start_attempt(learner=learner, quiz=quiz)
    page = learner_client.get(reverse("quizzes:quiz-list")).content.decode()
    assert ">Passed</span>" in page and ">In progress</span>" in page
    assert "Not passed yet" not in page


@pytest.fixture
def two_lessons(db):
    course = make_course("bone-care", title="Bone care")
    return (
        course,
        make_lesson(course, "first", position=1, title="First lesson"),
        make_lesson(course, "second", position=2, title="Second lesson"),
    )


def result_after_submitting(client, learner, quiz, choice, capture):
    """The result page a learner reaches by submitting `choice` for every question through
    the submit page, with what happens on commit (the course completion) done."""
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    for row in attempt.questions.all():
        services.save_answer(
            attempt=attempt, attempt_question=row, choice_ids=[choice_id(row, choice)]
        )
    with capture(execute=True):
        response = client.post(reverse("quizzes:attempt-submit", args=[attempt.pk]))
    return client.get(response.url).content.decode()


def test_passing_a_lesson_s_quiz_offers_the_next_lesson(
    learner_client, learner, two_lessons, django_capture_on_commit_callbacks
):
    _course, first, second = two_lessons
    quiz = make_quiz(first, slug="first-quiz", questions=2)
    page = result_after_submitting(
        learner_client, learner, quiz, "right", django_capture_on_commit_callbacks
    )
    assert f'href="{second.get_absolute_url()}">Next lesson: Second lesson</a>' in page
    assert "Course complete" not in page


def test_the_quiz_that_completes_the_course_says_so_and_offers_the_certificate(
    learner_client, learner, two_lessons, django_capture_on_commit_callbacks
):
    course, first, second = two_lessons
    quiz = make_quiz(second, slug="last-quiz", questions=2)
    with django_capture_on_commit_callbacks(execute=True):
        for lesson in (first, second):
            reading.mark_complete(learner=learner, lesson=lesson)
    page = result_after_submitting(
        learner_client, learner, quiz, "right", django_capture_on_commit_callbacks
    )
    assert "Course complete: you have finished Bone care." in page
    certificate = reverse("progress:certificate", args=[course.slug])
    assert f'href="{certificate}">Download your certificate (PDF)</a>' in page
    assert learner_client.get(certificate)["Content-Type"] == "application/pdf"


def test_passing_the_last_lesson_s_quiz_of_an_unfinished_course_points_to_the_next_step(
    learner_client, learner, two_lessons, django_capture_on_commit_callbacks
):
    _course, _first, second = two_lessons
    quiz = make_quiz(second, slug="last-quiz", questions=2)
    page = result_after_submitting(
        learner_client, learner, quiz, "right", django_capture_on_commit_callbacks
    )
    assert "Some steps of Bone care are still to do." in page
    assert f'href="{reverse("home")}">See your next step</a>' in page
    assert "Next lesson" not in page and "Course complete" not in page


def test_a_failed_attempt_offers_another_try_not_the_next_step(
    learner_client, learner, two_lessons, django_capture_on_commit_callbacks
):
    _course, first, _second = two_lessons
    quiz = make_quiz(first, slug="first-quiz", questions=2)
    page = result_after_submitting(
        learner_client, learner, quiz, "wrong", django_capture_on_commit_callbacks
    )
    assert "Not passed (pass mark 70%)." in page
    assert "Next lesson" not in page and "See your next step" not in page
    assert "Back to the quiz and your attempts" in page


@pytest.mark.parametrize("count", [2, 12])
def test_a_passed_result_page_finds_the_next_step_in_a_fixed_number_of_queries(
    learner_client, learner, two_lessons, count, django_assert_num_queries
):
    course, first, _second = two_lessons
    for position in range(3, count + 3):
        make_lesson(course, f"more-{position}", position=position)
    quiz = make_quiz(first, slug="first-quiz", questions=count)
    attempt = take_quiz(learner, quiz, "right")
    url = reverse("quizzes:attempt-result", args=[attempt.pk])
    learner_client.get(url)
    # Session, user, the attempt with its quiz, its questions, whether its answers are shown,
    # the quiz's lesson (for "Back to the lesson"); the content version (the course and its
    # lessons are in the cache under it), and whether the learner has completed the course.
    with django_assert_num_queries(8):
        assert learner_client.get(url).status_code == 200


def test_reading_the_pages_of_an_attempt_out_of_time_changes_nothing(learner_client, learner):
    timed = make_quiz(slug="timed", questions=2, time_limit_minutes=10)
    attempt = services.start_attempt(
        learner=learner,
        quiz=timed,
        now=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=30),
    )
    result_url = reverse("quizzes:attempt-result", args=[attempt.pk])
    for name in ("quizzes:attempt", "quizzes:attempt-submit"):
        assert learner_client.get(reverse(name, args=[attempt.pk])).url == result_url
    quiz_page = learner_client.get(reverse("quizzes:quiz", args=[timed.slug])).content.decode()
    assert "The time for attempt 1 has run out." in quiz_page
    page = learner_client.get(result_url).content.decode()
    assert "Time is up" in page and "See your result" in page
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.IN_PROGRESS  # no write on a GET


def test_see_your_result_scores_the_answers_saved_in_time(learner_client, learner):
    timed = make_quiz(slug="timed", questions=2, time_limit_minutes=10)
    started = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=30)
    attempt = services.start_attempt(learner=learner, quiz=timed, now=started)
    row = attempt.questions.order_by("position").first()
    services.save_answer(
        attempt=attempt,
        attempt_question=row,
        choice_ids=[choice_id(row, "right")],
        now=started + datetime.timedelta(minutes=5),
    )
    response = learner_client.post(reverse("quizzes:attempt-submit", args=[attempt.pk]))
    assert response.url == reverse("quizzes:attempt-result", args=[attempt.pk])
    attempt.refresh_from_db()
    assert (attempt.state, attempt.score) == (AttemptState.EXPIRED, 1)
    assert attempt.submitted_at == attempt.deadline
