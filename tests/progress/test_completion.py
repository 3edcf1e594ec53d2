import pytest
from django.core.management import call_command
from django.urls import reverse

from education import reading as lesson_progress
from portal.progress.models import CourseCompletion
from quizzes import services
from tests.education.factories import make_course, make_lesson
from tests.quizzes.factories import choice_id, make_quiz


@pytest.fixture
def course(db):
    course = make_course("foundations")
    for position in (1, 2):
        make_lesson(course, f"lesson-{position}", position=position, estimated_minutes=30)
    return course


def pass_quiz(learner, quiz):
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    for row in attempt.questions.all():
        services.save_answer(
            attempt=attempt, attempt_question=row, choice_ids=[choice_id(row, "right")]
        )
    services.submit_attempt(attempt=attempt)


def complete_lessons(learner, course):
    for lesson in course.lessons.all():
        lesson_progress.mark_complete(learner=learner, lesson=lesson)


def test_a_course_is_complete_when_every_lesson_is_done_and_every_quiz_passed(
    learner, course, django_capture_on_commit_callbacks
):
    quiz = make_quiz(course.lessons.first(), slug="q1", questions=2)
    with django_capture_on_commit_callbacks(execute=True):
        complete_lessons(learner, course)
    assert not CourseCompletion.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        pass_quiz(learner, quiz)
    completion = CourseCompletion.objects.get(learner=learner, course=course)
    assert completion.completed_at is not None


def test_a_failed_quiz_leaves_the_course_incomplete(
    learner, course, django_capture_on_commit_callbacks
):
    quiz = make_quiz(course.lessons.first(), slug="q1", questions=2)
    with django_capture_on_commit_callbacks(execute=True):
        complete_lessons(learner, course)
        attempt = services.start_attempt(learner=learner, quiz=quiz)
        services.submit_attempt(attempt=attempt)
    assert not CourseCompletion.objects.exists()


def test_the_completion_is_recorded_once(
    learner, course, django_capture_on_commit_callbacks, learner_client
):
    with django_capture_on_commit_callbacks(execute=True):
        complete_lessons(learner, course)
    first = CourseCompletion.objects.get()
    lesson = course.lessons.first()
    lesson_progress.mark_incomplete(learner=learner, lesson=lesson)
    with django_capture_on_commit_callbacks(execute=True):
        lesson_progress.mark_complete(learner=learner, lesson=lesson)
    learner_client.get(reverse("home"))
    assert CourseCompletion.objects.get() == first
    assert CourseCompletion.objects.get().completed_at == first.completed_at


def test_a_quiz_added_later_is_needed_by_those_who_had_not_finished(
    learner, other_learner, course, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        complete_lessons(learner, course)
    make_quiz(course.lessons.first(), slug="later", questions=1)
    lessons = list(course.lessons.all())
    with django_capture_on_commit_callbacks(execute=True):
        for lesson in lessons:
            lesson_progress.mark_complete(learner=other_learner, lesson=lesson)
    assert CourseCompletion.objects.filter(learner=learner).exists()  # kept, with its date
    assert not CourseCompletion.objects.filter(learner=other_learner).exists()


def test_the_catch_up_job_records_a_completion_no_event_recorded(
    learner_client, learner, course, capsys
):
    complete_lessons(learner, course)  # no on-commit callbacks ran
    learner_client.get(reverse("home"))
    assert not CourseCompletion.objects.exists()  # a page never writes it
    call_command("record_missed_completions")
    call_command("record_missed_completions")
    assert CourseCompletion.objects.filter(learner=learner, course=course).count() == 1
    out = capsys.readouterr().out
    assert "Recorded 1 missed course completion(s)." in out
    assert "Recorded 0 missed course completion(s)." in out
    assert "Download your certificate" in learner_client.get(reverse("home")).content.decode()


def test_the_certificate_is_a_pdf_whose_code_verifies(learner_client, learner, course, client):
    complete_lessons(learner, course)
    call_command("record_missed_completions")
    response = learner_client.get(reverse("progress:certificate", args=[course.slug]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    code = CourseCompletion.objects.get().certificate_code
    client.logout()
    page = client.get(reverse("progress:certificate-verify", args=[code]))
    assert page.status_code == 200
    assert "This certificate is valid." in page.content.decode()
    assert "Nina Nurse" in page.content.decode()


def test_a_wrong_code_says_so_and_reveals_nothing(client, learner, course):
    complete_lessons(learner, course)
    from portal.progress.services import record_completion_if_complete

    record_completion_if_complete(learner=learner, course=course)
    real = CourseCompletion.objects.get().certificate_code
    wrong = real[:-1] + ("A" if real[-1] != "A" else "B")
    response = client.get(reverse("progress:certificate-verify", args=[wrong]))
    page = response.content.decode()
    assert response.status_code == 404
    assert "No certificate has the code" in page
    assert "Nina" not in page and course.title not in page and real not in page


def test_nobody_downloads_a_certificate_they_did_not_earn(learner_client, course):
    response = learner_client.get(reverse("progress:certificate", args=[course.slug]))
    assert response.status_code == 404


@pytest.mark.parametrize("code", ["\x00", "ABC\x00DEF", "<script>", "\u0661\u0662"])
def test_a_code_with_characters_no_code_has_is_simply_not_found(client, db, code):
    response = client.get(reverse("progress:certificate-verify", args=[code]))
    assert response.status_code == 404
    assert "No certificate has the code" in response.content.decode()
