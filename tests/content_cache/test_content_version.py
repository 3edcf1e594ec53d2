"""The content version moves with every write to the content tables, whatever makes it, and
with nothing else; pages keep shared content under it no longer than they may."""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from education.models import Course, Lesson, LessonProgress, Tag
from portal.content_cache import triggers, version
from portal.content_cache.version import lifetime, next_publication
from quizzes.models import Choice, Question, Quiz
from tests.education.factories import make_course, make_lesson


@pytest.fixture
def course(db):
    return make_course("course")


@pytest.fixture
def lesson(course):
    return make_lesson(course, "lesson")


def moves_the_version(write):
    before = version.read()
    write()
    return version.read() > before


def test_every_content_table_has_its_trigger(db):
    models = (Course, Lesson, Lesson.tags.through, Tag, Quiz, Question, Choice)
    assert {model._meta.db_table for model in models} == set(triggers.CONTENT_TABLES)
    assert triggers.installed(connection) == set(triggers.CONTENT_TABLES)


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda lesson: lesson.save(), id="a save"),
        pytest.param(
            lambda lesson: Lesson.objects.filter(pk=lesson.pk).update(title="New"), id="update"
        ),
        pytest.param(
            lambda lesson: Tag.objects.bulk_create(
                [Tag(name="A", slug="a"), Tag(name="B", slug="b")]
            ),
            id="bulk create",
        ),
        pytest.param(
            lambda lesson: lesson.tags.add(Tag.objects.create(name="Bone", slug="bone")),
            id="many-to-many",
        ),
        pytest.param(
            lambda lesson: Quiz.objects.create(title="Q", slug="q", lesson=lesson), id="a quiz"
        ),
        pytest.param(lambda lesson: make_lesson(lesson.course, "other").delete(), id="delete"),
        pytest.param(
            lambda lesson: connection.cursor().execute(
                "UPDATE education_course SET title = 'Typo fixed'"
            ),
            id="SQL",
        ),
    ],
)
def test_each_kind_of_content_write_moves_the_version(lesson, write):
    assert moves_the_version(lambda: write(lesson))


def test_a_learner_reading_does_not_move_it(lesson, learner):
    # Learner writes never queue behind the version's row, nor empty everyone's cache.
    assert not moves_the_version(
        lambda: LessonProgress.objects.create(learner=learner, lesson=lesson)
    )


def test_a_process_reads_the_version_again_within_the_bound(cache_kind, settings, lesson):
    settings.CONTENT_VERSION_SECONDS = 1
    seen = version.current()
    Lesson.objects.filter(pk=lesson.pk).update(title="Changed elsewhere")
    assert version.current() == seen  # kept for at most a second ...
    time.sleep(1.1)
    assert version.current() > seen  # ... then every worker sees the change


def test_nothing_is_kept_past_the_next_scheduled_publication(settings, course):
    settings.CONTENT_CACHE_SECONDS = 3600
    now = timezone.now()
    assert lifetime(now) == 3600
    soon = now + timedelta(seconds=90)
    make_lesson(course, "later", publish_at=soon)
    make_lesson(course, "draft-later", status="draft", publish_at=now + timedelta(seconds=30))
    assert next_publication(now) == soon
    assert lifetime(now) == 90


def test_a_scheduled_lesson_appears_when_its_time_comes_without_any_write(learner_client, course):
    due = timezone.now() + timedelta(seconds=1.5)
    make_lesson(course, "first")
    make_lesson(course, "scheduled", title="Scheduled lesson", publish_at=due)
    assert "Scheduled lesson" not in learner_client.get("/lessons/").content.decode()
    time.sleep(max(0, (due - timezone.now()).total_seconds()) + 0.1)
    assert "Scheduled lesson" in learner_client.get("/lessons/").content.decode()
