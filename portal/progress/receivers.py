"""Course completion follows the lesson and quiz events of the layers below."""

from django.dispatch import receiver

from education.signals import lesson_completed
from portal.progress.services import record_completion_if_complete
from portal.progress.statistics import mark_stale
from quizzes.signals import attempt_graded


@receiver(lesson_completed)
def lesson_was_completed(sender, learner, lesson, **kwargs):
    record_completion_if_complete(learner=learner, course=lesson.course)


@receiver(attempt_graded)
def attempt_was_graded(sender, attempt, **kwargs):
    mark_stale(attempt.quiz)
    attempt.refresh_from_db(fields=["passed"])
    if not attempt.passed:
        return
    record_completion_if_complete(learner=attempt.learner, course=attempt.quiz.home_course)
