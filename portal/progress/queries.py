"""Progress read from the database in a fixed number of grouped queries, for one learner
(the dashboard) or thousands (the team report): nothing here loops over learners with a
query each."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

from django.db.models import Count, DateTimeField, F, IntegerField, Max, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from education.models import Course, Lesson, LessonProgress
from quizzes.models import Attempt, Quiz


def published_quizzes():
    """Published quizzes, with the course they count towards (their lesson's, or their own)."""
    return Quiz.objects.published().annotate(course_key=Coalesce("lesson__course", "course"))


# The arithmetic of the report, shared by its page, its CSV and the dashboard.
def percent_of(done, total):
    return round(100 * done / total) if total else 0


def mean_of(total, count):
    return round(total / count) if count else None


@dataclass
class CourseProgress:
    course: Course
    lessons_total: int = 0
    quizzes_total: int = 0
    lessons_done: int = 0
    quizzes_passed: int = 0
    best_percent: dict = field(default_factory=dict)  # quiz id -> best percent
    passed: set = field(default_factory=set)  # ids of the quizzes passed
    # The latest completion (the current period's, or the one being renewed).
    completed_at: object = None
    expires_on: object = None
    period: int = 0  # 0 before the first completion
    renewal_due: bool = False  # the latest completion's renewal has opened
    expired: bool = False  # the latest completion has expired

    @property
    def steps_total(self):
        return self.lessons_total + self.quizzes_total

    @property
    def steps_done(self):
        return self.lessons_done + self.quizzes_passed

    @property
    def percent(self):
        return percent_of(self.steps_done, self.steps_total)

    @property
    def is_complete(self):
        return self.steps_total > 0 and self.steps_done == self.steps_total

    @property
    def to_record(self):
        """Complete, and no completion recorded for this period yet."""
        return self.is_complete and (not self.completed_at or self.renewal_due)

    @property
    def quizzes_tried(self):
        return len(self.best_percent)

    @property
    def mean_best(self):
        """The mean of the best score of each quiz tried, as a whole percent."""
        scores = [float(v) for v in self.best_percent.values() if v is not None]
        return mean_of(sum(scores), len(scores))


@dataclass(frozen=True)
class Curriculum:
    """What counts towards each course: worked out once per page or export."""

    courses: list
    lesson_courses: dict  # published lesson id -> its course
    quiz_courses: dict  # published quiz id -> the course it counts towards

    @cached_property
    def lessons_total(self):
        return Counter(self.lesson_courses.values())

    @cached_property
    def quizzes_total(self):
        return Counter(self.quiz_courses.values())

    @classmethod
    def of(cls, courses):
        courses = list(courses)
        lessons = Lesson.objects.published().filter(course__in=courses).values_list("id", "course")
        quiz_courses = dict(published_quizzes().values_list("id", "course_key"))
        return cls(courses, dict(lessons), quiz_courses)

    @classmethod
    def from_rows(cls, courses, lessons, quizzes):
        """The same from published lessons and quizzes (annotated with `course_key`) that a
        page has loaded anyway."""
        return cls(
            list(courses),
            {lesson.pk: lesson.course_id for lesson in lessons},
            {quiz.pk: quiz.course_key for quiz in quizzes},
        )


# Before any renewal: every lesson read and quiz taken counts.
BEGINNING = Value(datetime(1970, 1, 1, tzinfo=UTC), output_field=DateTimeField())


def period_start(now, course):
    """Since when a row's lessons and attempts count (`course`: the row's path to the course
    they count towards): since its learner's renewal of that course opened, if it has (the
    work of the period being renewed does not count again); else from the beginning."""
    from portal.progress.models import CourseCompletion

    renewal = (
        CourseCompletion.objects.renewal_due(now)
        .filter(learner=OuterRef("learner"), course=OuterRef(course))
        .order_by("-renewal_opens_at")
        .values("renewal_opens_at")[:1]
    )
    return Coalesce(Subquery(renewal), BEGINNING)


def progress_by_learner(learners, courses, curriculum=None, now=None):
    """{learner id: {course id: CourseProgress}} for the given learners (ids or queryset)."""

    now = now or timezone.now()
    curriculum = curriculum or Curriculum.of(courses)
    lessons_done = (
        LessonProgress.objects.completed()
        .filter(learner__in=learners, lesson__in=Lesson.objects.published())
        .alias(since=period_start(now, "lesson__course"))
        .filter(completed_at__gte=F("since"))
        .values_list("learner", "lesson__course")
        .annotate(n=Count("id"))
    )
    best = (
        Attempt.objects.finished()
        .filter(learner__in=learners, quiz__in=list(curriculum.quiz_courses))
        .alias(
            course_key=Coalesce("quiz__lesson__course", "quiz__course"),
            since=period_start(now, "course_key"),
            finished_at=Coalesce("submitted_at", "started_at"),
        )
        .filter(finished_at__gte=F("since"))
        .values_list("learner", "quiz")
        .annotate(best=Max("percent"), passed=Max(Cast("passed", IntegerField())))
    )
    return _assemble(curriculum, lessons_done, best, latest_completions(learners), now)


def latest_completions(learners):
    """Each learner's latest completion of each course (the highest period)."""
    from portal.progress.models import CourseCompletion

    return (
        CourseCompletion.objects.filter(learner__in=learners)
        .order_by("learner", "course", "period")
        .values_list(
            "learner", "course", "completed_at", "expires_on", "period", "renewal_opens_at"
        )
    )


def progress_of_learner(learner, curriculum, lessons, attempts, now=None):
    """One learner's {course id: CourseProgress} from the published lessons (with
    `reading.with_progress`, which leaves out what the period being renewed read) and
    finished attempts a page has loaded: only the completions are read here. Counts the
    same things as `progress_by_learner`."""
    now = now or timezone.now()
    completions = list(latest_completions([learner.pk]))
    since = {
        course_id: opens_at
        for _, course_id, _, _, _, opens_at in completions
        if opens_at and opens_at <= now
    }
    lessons_done = Counter(
        (learner.pk, lesson.course_id) for lesson in lessons if lesson.completed_at
    )
    best, passed = {}, defaultdict(bool)
    for attempt in attempts:
        course_id = curriculum.quiz_courses.get(attempt.quiz_id)
        if course_id in since and (attempt.submitted_at or attempt.started_at) < since[course_id]:
            continue
        if attempt.quiz_id in curriculum.quiz_courses and attempt.percent is not None:
            best[attempt.quiz_id] = max(
                best.get(attempt.quiz_id, attempt.percent), attempt.percent
            )
            passed[attempt.quiz_id] |= bool(attempt.passed)
    return _assemble(
        curriculum,
        [(learner_id, course_id, n) for (learner_id, course_id), n in lessons_done.items()],
        [(learner.pk, quiz_id, percent, passed[quiz_id]) for quiz_id, percent in best.items()],
        completions,
        now,
    )[learner.pk]


def _assemble(curriculum, lessons_done, best, completions, now):
    """Rows (learner, course, lessons done), (learner, quiz, best percent, passed) and
    (learner, course, completed at, expires on, period, renewal opens at), the latest period
    last, into {learner id: {course id: CourseProgress}}."""
    lessons_total, quizzes_total = curriculum.lessons_total, curriculum.quizzes_total
    today = timezone.localdate(now)

    def blank():
        return {
            c.pk: CourseProgress(c, lessons_total.get(c.pk, 0), quizzes_total.get(c.pk, 0))
            for c in curriculum.courses
        }

    result = defaultdict(blank)
    for learner_id, course_id, n in lessons_done:
        if course_id in result[learner_id]:
            result[learner_id][course_id].lessons_done = n
    for learner_id, quiz_id, best_percent, passed in best:
        course_progress = result[learner_id].get(curriculum.quiz_courses[quiz_id])
        if course_progress is not None:
            course_progress.best_percent[quiz_id] = best_percent
            if passed:
                course_progress.passed.add(quiz_id)
                course_progress.quizzes_passed += 1
    for learner_id, course_id, completed_at, expires_on, period, opens_at in completions:
        if course_id in result[learner_id]:
            course_progress = result[learner_id][course_id]
            course_progress.completed_at, course_progress.expires_on = completed_at, expires_on
            course_progress.period = period
            course_progress.renewal_due = bool(opens_at and opens_at <= now)
            course_progress.expired = bool(expires_on and expires_on < today)
    return result
