"""Recording what a learner has read. Each write is a single guarded statement, so a
double click or two open tabs cannot create two rows or flip a completion twice."""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from education.models import LessonProgress
from education.signals import lesson_completed

# Reading a lesson for a few minutes is one visit: re-opening it (previous / next, a reload)
# within this time does not write again.
VISIT_SECONDS = 300


PROGRESS_FIELDS = ("first_opened_at", "last_opened_at", "completed_at", "first_completed_at")


def renewal_opened(course, now=None):
    """When the row's learner's renewal of a course opened, if it has (None before any
    renewal), for rows with a `learner` (lesson progress, attempts); `course`: the row's
    path to the course. What was done before then belongs to the period being renewed and is
    done again for the next. The one definition the lesson pages, the quiz pages and the
    progress queries use. Completions are portal.progress's, above this layer: read through
    the user's relation, never imported."""
    completions = get_user_model()._meta.get_field("course_completions").related_model
    return Subquery(
        completions.objects.renewal_due(now or timezone.now())
        .filter(learner=OuterRef("learner"), course=OuterRef(course))
        .order_by("-renewal_opens_at")
        .values("renewal_opens_at")[:1]
    )


def with_progress(lessons, learner):
    """Set on each lesson the learner's `opened_at`, `last_opened_at`, `completed_at`
    (None where they have not opened it, or completed it only for a period being renewed,
    then `renewing` is set) and `first_completed_at`, in one query; returns the lessons.
    A lesson completed before its material change keeps its `completed_at` and
    `needs_review` is true: `is_done` is what course progress counts. The lessons may be shared
    content from the cache: these copies become this learner's."""
    lessons = list(lessons)
    if not lessons:
        return lessons
    # A learner has at most one row per lesson they opened: a handful, so reading all of them
    # is cheaper than building the query that would pick these lessons' rows.
    rows = {
        row[0]: row[1:]
        for row in LessonProgress.objects.filter(learner=learner)
        .annotate(renewal=renewal_opened("lesson__course"))
        .values_list("lesson_id", *PROGRESS_FIELDS, "renewal")
    }
    for lesson in lessons:
        opened, last_opened, completed, first_completed, renewal = rows.get(lesson.pk, (None,) * 5)
        lesson.renewing = bool(completed and renewal and completed < renewal)
        lesson.opened_at, lesson.last_opened_at = opened, last_opened
        lesson.completed_at = None if lesson.renewing else completed
        lesson.first_completed_at = first_completed
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
    now = timezone.now()
    # The first completion is kept (`first_completed_at`); `completed_at` is the latest.
    # Not yet completed, or completed only for a period now being renewed.
    completed = (
        LessonProgress.objects.filter(learner=learner, lesson=lesson)
        .alias(renewal=renewal_opened("lesson__course"))
        .filter(Q(completed_at__isnull=True) | Q(completed_at__lt=F("renewal")))
        .update(completed_at=now, first_completed_at=Coalesce("first_completed_at", now))
    )
    if completed:
        transaction.on_commit(
            lambda: lesson_completed.send(sender=LessonProgress, learner=learner, lesson=lesson)
        )


def mark_incomplete(*, learner, lesson):
    LessonProgress.objects.filter(learner=learner, lesson=lesson).update(completed_at=None)


def mark_reviewed_after_update(*, learner, lesson):
    """After a material change: the learner has read the new version. Their completion
    counts again from now (`completed_at`); the first completion date stays. Then the
    course may be complete again, as after any completion."""
    reviewed = LessonProgress.objects.filter(
        learner=learner, lesson=lesson, completed_at__lt=lesson.material_change_at
    ).update(
        completed_at=timezone.now(),
        first_completed_at=Coalesce("first_completed_at", "completed_at"),
    )
    if reviewed:
        transaction.on_commit(
            lambda: lesson_completed.send(sender=LessonProgress, learner=learner, lesson=lesson)
        )
