from django.db import IntegrityError, transaction
from django.utils import timezone

from education.models import Course
from portal.progress.models import CourseCompletion, completion_facts, validity
from portal.progress.queries import progress_by_learner

# Learners whose progress the catch-up reads at once.
CATCH_UP_LEARNERS = 500


def _record(learner_id, progress, facts=None):
    """The completion of the period after the one `progress` was read with, or None if
    another request recorded it a moment ago (the period is unique per learner and course,
    so two requests that read the same progress cannot both record it)."""
    now = timezone.now()
    course = progress.course
    expires_on, renewal_opens_at = validity(
        course, now, progress.expires_on if progress.completed_at else None
    )
    try:
        with transaction.atomic():
            return CourseCompletion.objects.create(
                learner_id=learner_id,
                course=course,
                period=progress.period + 1,
                completed_at=now,
                expires_on=expires_on,
                renewal_opens_at=renewal_opens_at,
                **(facts or completion_facts(course)),
            )
    except IntegrityError:
        return None


def record_completion_if_complete(*, learner, course):
    """Record the completion when every lesson and quiz of the course is done (the first
    time, or again once its renewal has opened). Safe to call any number of times, from
    concurrent requests too."""
    progress = progress_by_learner([learner.pk], [course])[learner.pk][course.pk]
    if progress.to_record:
        return _record(learner.pk, progress) is not None
    return False


def record_missed_completions(learners):
    """Record the completions no lesson or quiz event recorded (a course that lost a lesson
    or quiz, so that a learner's earlier work now completes it). Returns how many."""
    courses = list(Course.objects.published())
    ids = list(learners.order_by("pk").values_list("pk", flat=True))
    recorded = 0
    facts = {course.pk: completion_facts(course) for course in courses}
    for start in range(0, len(ids), CATCH_UP_LEARNERS):
        chunk = ids[start : start + CATCH_UP_LEARNERS]
        for learner_id, by_course in progress_by_learner(chunk, courses).items():
            for course_progress in by_course.values():
                if course_progress.to_record:
                    course_id = course_progress.course.pk
                    recorded += _record(learner_id, course_progress, facts[course_id]) is not None
    return recorded
