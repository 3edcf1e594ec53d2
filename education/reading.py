"""Recording what a learner has read. Each write is a single guarded statement, so a
double click or two open tabs cannot create two rows or flip a completion twice."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from education.models import LessonProgress
from education.signals import lesson_completed

# Reading a lesson for a few minutes is one visit: re-opening it (previous / next, a reload)
# within this time does not write again.
VISIT_SECONDS = 300


PROGRESS_FIELDS = ("first_opened_at", "last_opened_at", "completed_at")


def with_progress(lessons, learner):
    """Set on each lesson the learner's `opened_at`, `last_opened_at` and `completed_at`
    (None where they have not opened it), in one query; returns the lessons. The lessons may
    be shared content from the cache: these copies become this learner's."""
    lessons = list(lessons)
    if not lessons:
        return lessons
    # A learner has at most one row per lesson they opened: a handful, so reading all of them
    # is cheaper than building the query that would pick these lessons' rows.
    rows = {
        row[0]: row[1:]
        for row in LessonProgress.objects.filter(learner=learner).values_list(
            "lesson_id", *PROGRESS_FIELDS
        )
    }
    for lesson in lessons:
        lesson.opened_at, lesson.last_opened_at, lesson.completed_at = rows.get(
            lesson.pk, (None, None, None)
        )
    return lessons


def record_opened(*, learner, lesson):
    """`lesson` may carry `last_opened_at` from `with_progress`, to skip a recent visit."""
    now = timezone.now()
    last_opened_at = getattr(lesson, "last_opened_at", None)
    if last_opened_at and (now - last_opened_at).total_seconds() < VISIT_SECONDS:
        return
    updated = LessonProgress.objects.filter(learner=learner, lesson=lesson).update(
        last_opened_at=now
    )
    if updated:
        return
    try:
        with transaction.atomic():
            LessonProgress.objects.create(
                learner=learner, lesson=lesson, first_opened_at=now, last_opened_at=now
            )
    except IntegrityError:
        pass  # another request of the same learner created it a moment ago


def mark_complete(*, learner, lesson):
    record_opened(learner=learner, lesson=lesson)
    completed = LessonProgress.objects.filter(
        learner=learner, lesson=lesson, completed_at__isnull=True
    ).update(completed_at=timezone.now())
    if completed:
        transaction.on_commit(
            lambda: lesson_completed.send(sender=LessonProgress, learner=learner, lesson=lesson)
        )


def mark_incomplete(*, learner, lesson):
    LessonProgress.objects.filter(learner=learner, lesson=lesson).update(completed_at=None)


def mark_reviewed_after_update(*, learner, lesson):
    """After a material change: the learner has read the new version."""
    LessonProgress.objects.filter(
        learner=learner, lesson=lesson, completed_at__lt=lesson.material_change_at
    ).update(completed_at=timezone.now())
