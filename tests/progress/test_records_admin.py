"""Learner records and audit trails are kept as they were written: nobody deletes or edits
them through the admin, superusers included (they can still be read)."""

import pytest
from django.urls import reverse

from education import reading
from portal.progress.models import CourseCompletion
from portal.progress.services import record_completion_if_complete
from tests.education.factories import make_course, make_lesson
from tests.quizzes.factories import make_quiz, take_quiz


@pytest.fixture
def records(learner):
    course = make_course("kept")
    lesson = make_lesson(course, "kept-lesson")
    reading.mark_complete(learner=learner, lesson=lesson)
    attempt = take_quiz(learner, make_quiz(lesson, slug="kept-quiz"), "right")
    record_completion_if_complete(learner=learner, course=course)
    return [lesson.progress.get(learner=learner), attempt, CourseCompletion.objects.get()]


def test_a_superuser_can_read_but_not_change_or_delete_learner_records(client, make_user, records):
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    for record in records:
        opts = record._meta
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])
        delete = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[record.pk])
        page = client.get(change)
        assert page.status_code == 200, change  # the view page, read-only
        assert 'name="_save"' not in page.content.decode()
        assert client.post(delete, {"post": "yes"}).status_code == 403, delete
        assert type(record).objects.filter(pk=record.pk).exists()
