"""Progress read from the database in a fixed number of grouped queries, for one learner
(the dashboard) or thousands (the team report): nothing here loops over learners with a
query each."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

from django.db.models import (
    Count,
    DateTimeField,
    F,
    IntegerField,
    Max,
    Q,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Greatest
from django.utils import timezone

from education.models import Course, Lesson, LessonProgress, changed_since
from education.reading import renewal_opened
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
    # Done in this period but before the item's material change: not counted until done
    # again (queries.counts_from).
    lessons_to_review: int = 0
    to_retake: set = field(default_factory=set)  # ids of the quizzes to pass again
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
    def to_review(self):
        """Lessons to read again and quizzes to pass again after a material change."""
        return self.lessons_to_review + len(self.to_retake)

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
    quiz_changes: dict = field(default_factory=dict)  # quiz id -> its last material change

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
        quiz_courses, quiz_changes = {}, {}
        for pk, course_key, changed in published_quizzes().values_list(
            "id", "course_key", "material_change_at"
        ):
            quiz_courses[pk] = course_key
            if changed:
                quiz_changes[pk] = changed
        return cls(courses, dict(lessons), quiz_courses, quiz_changes)

    @classmethod
    def from_rows(cls, courses, lessons, quizzes):
        """The same from published lessons and quizzes (annotated with `course_key`) that a
        page has loaded anyway."""
        return cls(
            list(courses),
            {lesson.pk: lesson.course_id for lesson in lessons},
            {quiz.pk: quiz.course_key for quiz in quizzes},
            {quiz.pk: quiz.material_change_at for quiz in quizzes if quiz.material_change_at},
        )


# Before any renewal: every lesson read and quiz taken counts.
BEGINNING = Value(datetime(1970, 1, 1, tzinfo=UTC), output_field=DateTimeField())


def period_start(now, course):
    """Since when a row's lessons and attempts count (`course`: the row's path to the course
    they count towards): since its learner's renewal of that course opened, if it has (the
    work of the period being renewed does not count again); else from the beginning."""
    return Coalesce(renewal_opened(course, now), BEGINNING)


def counts_from(since, material_change_at):
    """THE rule of what counts: a lesson completed, or a quiz passed, counts as done iff it
    was done at or after max(its period's start, its item's last material change). Work of
    the period done before the change is "to review" (the CSV's SQL says the same)."""
    return Greatest(since, Coalesce(material_change_at, BEGINNING))


def progress_by_learner(learners, courses, curriculum=None, now=None):
    """{learner id: {course id: CourseProgress}} for the given learners (ids or queryset)."""

    now = now or timezone.now()
    curriculum = curriculum or Curriculum.of(courses)
    # Completed in this period; counted where also since the lesson's material change.
    lessons_done = (
        LessonProgress.objects.completed()
        .filter(learner__in=learners, lesson__in=Lesson.objects.published())
        .alias(since=period_start(now, "lesson__course"))
        .filter(completed_at__gte=F("since"))
        .alias(counts_from=counts_from(F("since"), F("lesson__material_change_at")))
        .values_list("learner", "lesson__course")
        .annotate(
            n=Count("id", filter=Q(completed_at__gte=F("counts_from"))),
            review=Count("id", filter=Q(completed_at__lt=F("counts_from"))),
        )
    )
    passed = Cast("passed", IntegerField())
    best = (
        Attempt.objects.finished()
        .filter(learner__in=learners, quiz__in=list(curriculum.quiz_courses))
        .alias(
            course_key=Coalesce("quiz__lesson__course", "quiz__course"),
            since=period_start(now, "course_key"),
            finished_at=Coalesce("submitted_at", "started_at"),
        )
        .filter(finished_at__gte=F("since"))
        .alias(counts_from=counts_from(F("since"), F("quiz__material_change_at")))
        .values_list("learner", "quiz")
        .annotate(
            best=Max("percent"),
            passed_since=Coalesce(Max(passed, filter=Q(finished_at__gte=F("counts_from"))), 0),
            passed_before=Coalesce(Max(passed, filter=Q(finished_at__lt=F("counts_from"))), 0),
        )
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
    lessons_done, lessons_to_review = Counter(), Counter()
    for lesson in lessons:  # `completed_at` is of this period; `needs_review` the change
        if lesson.completed_at:
            (lessons_to_review if lesson.needs_review else lessons_done)[lesson.course_id] += 1
    best, passed, passed_before = {}, defaultdict(bool), defaultdict(bool)
    for attempt in attempts:
        course_id = curriculum.quiz_courses.get(attempt.quiz_id)
        finished_at = attempt.submitted_at or attempt.started_at
        if course_id in since and finished_at < since[course_id]:
            continue
        if attempt.quiz_id in curriculum.quiz_courses and attempt.percent is not None:
            best[attempt.quiz_id] = max(
                best.get(attempt.quiz_id, attempt.percent), attempt.percent
            )
            if changed_since(finished_at, curriculum.quiz_changes.get(attempt.quiz_id)):
                passed_before[attempt.quiz_id] |= bool(attempt.passed)
            else:
                passed[attempt.quiz_id] |= bool(attempt.passed)
    courses = set(lessons_done) | set(lessons_to_review)
    return _assemble(
        curriculum,
        [(learner.pk, c, lessons_done[c], lessons_to_review[c]) for c in courses],
        [
            (learner.pk, quiz_id, percent, passed[quiz_id], passed_before[quiz_id])
            for quiz_id, percent in best.items()
        ],
        completions,
        now,
    )[learner.pk]


def _assemble(curriculum, lessons_done, best, completions, now):
    """Rows (learner, course, lessons done, lessons to review), (learner, quiz, best
    percent, passed, passed only before its material change) and
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
    for learner_id, course_id, n, review in lessons_done:
        if course_id in result[learner_id]:
            result[learner_id][course_id].lessons_done = n
            result[learner_id][course_id].lessons_to_review = review
    for learner_id, quiz_id, best_percent, passed, passed_before in best:
        course_progress = result[learner_id].get(curriculum.quiz_courses[quiz_id])
        if course_progress is not None:
            course_progress.best_percent[quiz_id] = best_percent
            if passed:
                course_progress.passed.add(quiz_id)
                course_progress.quizzes_passed += 1
            elif passed_before:
                course_progress.to_retake.add(quiz_id)
    for learner_id, course_id, completed_at, expires_on, period, opens_at in completions:
        if course_id in result[learner_id]:
            course_progress = result[learner_id][course_id]
            course_progress.completed_at, course_progress.expires_on = completed_at, expires_on
            course_progress.period = period
            course_progress.renewal_due = bool(opens_at and opens_at <= now)
            course_progress.expired = bool(expires_on and expires_on < today)
    return result
