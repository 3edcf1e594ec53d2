"""The questions every course starts with (a CME provider's usual evaluation). Editors change
them per course in the admin; these only fill a course that has no questions at all.

The data migration gives them to the courses that existed, the curriculum loader to the
courses it loads, and the admin's "Add the default questions" action to any other course."""

# (kind, text, required); the kinds are AnswerKind's values, spelt out for the migration.
DEFAULT_QUESTIONS = (
    ("rating", "The course was relevant to my practice.", True),
    ("rating", "The course met its stated learning objectives.", True),
    ("yes_no", "I intend to change my practice as a result of this course.", True),
    ("text", "What will you change, or what stands in the way of a change?", False),
    ("yes_no", "I perceived commercial or other bias in the course.", True),
    ("text", "If you perceived bias, please describe it. Any other comments are welcome.", False),
)


def add_default_questions(courses, question_model=None):
    """Give each of `courses` that has no evaluation question the default ones. Returns how
    many courses got them. `question_model` is the historical model in a migration."""
    if question_model is None:
        from portal.evaluations.models import EvaluationQuestion as question_model
    courses = list(courses)
    has_some = set(
        question_model.objects.filter(course__in=courses).values_list("course_id", flat=True)
    )
    lacking = [course for course in courses if course.pk not in has_some]
    question_model.objects.bulk_create(
        question_model(course=course, position=position, kind=kind, text=text, required=required)
        for course in lacking
        for position, (kind, text, required) in enumerate(DEFAULT_QUESTIONS, start=1)
    )
    return len(lacking)
