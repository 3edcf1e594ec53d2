"""What every learner is shown alike, built once per content version (version.py) and kept
in the cache: the published courses, lessons and quizzes and what counts towards each
course, and each lesson's page (its rendered article, neighbours and quizzes).

Only content is here. A learner's progress, attempts and answers are read per request by the
page that shows them, and set on the copy the cache hands out (each `get` unpickles a fresh
one), so nothing of one person is ever kept where another could be shown it.
"""

from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils import timezone, translation

from education.models import Course, Lesson, Tag
from portal.content_cache.version import cached
from portal.progress.queries import Curriculum, published_quizzes


@dataclass
class Outline:
    courses: list  # published, in order
    lessons: list  # published, without their text, in course order
    quizzes: list  # published, with `course_key`, in lesson order
    tags: list  # those of published lessons

    def course(self, slug):
        return next((course for course in self.courses if course.slug == slug), None)

    def quiz(self, pk):
        return next((quiz for quiz in self.quizzes if quiz.pk == pk), None)

    def lessons_of(self, course):
        return [lesson for lesson in self.lessons if lesson.course_id == course.pk]

    def after_quiz(self, quiz_pk):
        """(the course a published quiz counts towards, the lesson after the quiz's own
        lesson in that course): where a learner who has passed it goes next. The lesson is
        None after the last lesson and for an end-of-course quiz; both are None for a quiz
        no longer published."""
        quiz = self.quiz(quiz_pk)
        course = next((c for c in self.courses if quiz and c.pk == quiz.course_key), None)
        if course is None:
            return None, None
        lessons = self.lessons_of(course)
        index = next((i for i, lesson in enumerate(lessons) if lesson.pk == quiz.lesson_id), None)
        if index is None or index + 1 == len(lessons):
            return course, None
        return course, lessons[index + 1]

    def curriculum(self, courses=None):
        """What counts towards each of `courses` (all published courses by default)."""
        return Curriculum.from_rows(
            self.courses if courses is None else courses, self.lessons, self.quizzes
        )

    def recently_changed(self, limit=10):
        """Lessons with a material change, the latest first (supervisors follow re-reads)."""
        changed = [lesson for lesson in self.lessons if lesson.material_change_at]
        return sorted(changed, key=lambda lesson: lesson.material_change_at, reverse=True)[:limit]


def _build_outline():
    courses = list(Course.objects.published().select_related("clinical_reviewer"))
    by_id = {course.pk: course for course in courses}
    lessons = list(Lesson.objects.published().outline())
    for lesson in lessons:
        lesson.course = by_id[lesson.course_id]
    order = {lesson.pk: index for index, lesson in enumerate(lessons)}
    quizzes = sorted(
        published_quizzes().outline(),
        key=lambda quiz: (order.get(quiz.lesson_id, len(order)), quiz.position, quiz.pk),
    )
    tags = list(Tag.objects.filter(lessons__in=Lesson.objects.published()).distinct())
    return Outline(courses, lessons, quizzes, tags)


def outline():
    return cached(_build_outline, "outline")


@dataclass
class LessonPage:
    lesson: Lesson  # with its course, reviewer and tags; the Markdown source left out
    article_html: str  # the rendered article, in the language it was built for
    previous: Lesson | None = None
    next: Lesson | None = None
    quizzes: list = field(default_factory=list)


def _build_lesson_page(slug):
    lesson = (
        Lesson.objects.published()
        .select_related("course", "clinical_reviewer")
        .prefetch_related("tags")
        .defer("body")
        .filter(slug=slug)
        .first()
    )
    if lesson is None:
        return None
    shared = outline()
    siblings = shared.lessons_of(lesson.course)
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == lesson.pk)
    return LessonPage(
        lesson=lesson,
        article_html=render_to_string("education/_lesson_article.html", {"lesson": lesson}),
        previous=siblings[index - 1] if index > 0 else None,
        next=siblings[index + 1] if index + 1 < len(siblings) else None,
        quizzes=[quiz for quiz in shared.quizzes if quiz.lesson_id == lesson.pk],
    )


def lesson_page(slug):
    """The published lesson's page as every learner sees it, or None. The article says
    whether its clinical review is overdue, so it is built again each day."""
    return cached(
        lambda: _build_lesson_page(slug),
        "lesson",
        slug,
        translation.get_language(),
        timezone.localdate().isoformat(),
    )
