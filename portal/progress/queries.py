"""Progress read from the database in a fixed number of grouped queries, for one learner
(the dashboard) or thousands (the team report): nothing here loops over learners with a
query each."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, Max
from django.db.models.functions import Cast, Coalesce

from education.models import Course, Lesson, LessonProgress
from quizzes.models import Attempt, Quiz


def published_quizzes():
    """Published quizzes, with the course they count towards (their lesson's, or their own)."""
    return Quiz.objects.published().annotate(course_key=Coalesce("lesson__course", "course"))


@dataclass
class CourseProgress:
    course: Course
    lessons_total: int = 0
    quizzes_total: int = 0
    lessons_done: int = 0
    quizzes_passed: int = 0
    best_percent: dict = field(default_factory=dict)  # quiz id -> best percent
    completed_at: object = None

    @property
    def steps_total(self):
        return self.lessons_total + self.quizzes_total

    @property
    def steps_done(self):
        return self.lessons_done + self.quizzes_passed

    @property
    def percent(self):
        if not self.steps_total:
            return 0
        return round(100 * self.steps_done / self.steps_total)

    @property
    def is_complete(self):
        return self.steps_total > 0 and self.steps_done == self.steps_total


@dataclass(frozen=True)
class Curriculum:
    """What counts towards each course. A CSV export works it out once, not once per chunk
    of learners."""

    courses: list
    lessons_total: dict  # course id -> published lessons
    quizzes_total: dict  # course id -> published quizzes
    quiz_courses: dict  # published quiz id -> the course it counts towards

    @classmethod
    def of(cls, courses):
        courses = list(courses)
        lessons = (
            Lesson.objects.published()
            .filter(course__in=courses)
            .values_list("course")
            .annotate(n=Count("id"))
        )
        quiz_courses = dict(published_quizzes().values_list("id", "course_key"))
        quizzes = defaultdict(int)
        for course_id in quiz_courses.values():
            quizzes[course_id] += 1
        return cls(courses, dict(lessons), dict(quizzes), quiz_courses)


def progress_by_learner(learners, courses, curriculum=None):
    """{learner id: {course id: CourseProgress}} for the given learners (ids or queryset)."""
    from portal.progress.models import CourseCompletion

    curriculum = curriculum or Curriculum.of(courses)
    courses = curriculum.courses
    lessons_total, quizzes_total = curriculum.lessons_total, curriculum.quizzes_total
    lessons_done = (
        LessonProgress.objects.completed()
        .filter(learner__in=learners, lesson__in=Lesson.objects.published())
        .values_list("learner", "lesson__course")
        .annotate(n=Count("id"))
    )
    quiz_courses = curriculum.quiz_courses
    best = (
        Attempt.objects.finished()
        .filter(learner__in=learners, quiz__in=list(quiz_courses))
        .values_list("learner", "quiz")
        .annotate(best=Max("percent"), passed=Max(Cast("passed", IntegerField())))
    )
    completions = CourseCompletion.objects.filter(learner__in=learners).values_list(
        "learner", "course", "completed_at"
    )

    def blank():
        return {
            c.pk: CourseProgress(c, lessons_total.get(c.pk, 0), quizzes_total.get(c.pk, 0))
            for c in courses
        }

    result = defaultdict(blank)
    for learner_id, course_id, n in lessons_done:
        if course_id in result[learner_id]:
            result[learner_id][course_id].lessons_done = n
    for learner_id, quiz_id, best_percent, passed in best:
        course_progress = result[learner_id].get(quiz_courses[quiz_id])
        if course_progress is not None:
            course_progress.best_percent[quiz_id] = best_percent
            course_progress.quizzes_passed += bool(passed)
    for learner_id, course_id, completed_at in completions:
        if course_id in result[learner_id]:
            result[learner_id][course_id].completed_at = completed_at
    return result
