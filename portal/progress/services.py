from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.progress.models import CourseCompletion
from portal.progress.queries import progress_by_learner


def _record(learner, course):
    try:
        with transaction.atomic():
            return CourseCompletion.objects.create(
                learner=learner, course=course, completed_at=timezone.now()
            )
    except IntegrityError:
        return None  # recorded a moment ago by another request


def record_completion_if_complete(*, learner, course):
    """Record the completion the first time every lesson and quiz of the course is done.
    Safe to call any number of times, from concurrent requests too."""
    progress = progress_by_learner([learner.pk], [course])[learner.pk][course.pk]
    if progress.is_complete and not progress.completed_at:
        return _record(learner, course) is not None
    return False


def record_completions(*, learner, progress):
    """Catch up on completions missed (e.g. content changed): `progress` is the learner's
    {course id: CourseProgress}, updated in place."""
    for course_progress in progress.values():
        if course_progress.is_complete and not course_progress.completed_at:
            completion = _record(learner, course_progress.course)
            if completion is not None:
                course_progress.completed_at = completion.completed_at
