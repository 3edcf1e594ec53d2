import shutil

import pytest
from django.core.management import call_command
from django.db import connection

from education import reading
from education.models import Lesson, LessonProgress
from portal.accounts.models import User
from portal.content_cache import version as content_version
from quizzes import services
from quizzes.models import Attempt, AttemptQuestion, Question
from tests.quizzes.factories import choice_id, make_quiz

pytestmark = pytest.mark.django_db(transaction=True)


def snapshot():
    return {
        "users": sorted(User.objects.values_list("username", "email")),
        "lessons": sorted(Lesson.objects.values_list("slug", "body")),
        "progress": sorted(
            LessonProgress.objects.values_list("learner__username", "lesson__slug", "completed_at")
        ),
        "attempts": sorted(
            Attempt.objects.values_list("learner__username", "number", "state", "score")
        ),
        "answers": sorted(
            AttemptQuestion.objects.values_list(
                "attempt__learner__username", "position", "selected", "mark"
            )
        ),
        "questions": Question.objects.count(),
    }


@pytest.mark.skipif(
    connection.vendor == "postgresql" and shutil.which("pg_dump") is None, reason="needs pg_dump"
)
def test_a_backup_restored_into_an_emptied_database_brings_everything_back(learner, tmp_path):
    quiz = make_quiz(questions=2)
    reading.mark_complete(learner=learner, lesson=quiz.lesson)
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    row = attempt.questions.first()
    services.save_answer(
        attempt=attempt, attempt_question=row, choice_ids=[choice_id(row, "right")]
    )
    services.submit_attempt(attempt=attempt)
    before = snapshot()
    path = tmp_path / "portal.backup"

    call_command("backup_database", output=str(path))
    AttemptQuestion.objects.all().delete()
    Attempt.objects.all().delete()
    LessonProgress.objects.all().delete()
    assert snapshot() != before

    version_before = content_version.read()
    call_command("restore_database", str(path), yes=True)
    assert snapshot() == before
    # Nothing cached under the newer content outlives the restore (with Redis it would).
    assert content_version.read() > version_before


def test_a_missing_backup_file_is_reported(tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No backup at"):
        call_command("restore_database", str(tmp_path / "nope"), yes=True)
