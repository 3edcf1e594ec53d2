from education.models import Course, Lesson, Status


def make_course(slug="course", status=Status.PUBLISHED, **fields):
    fields.setdefault("title", slug.title())
    return Course.objects.create(slug=slug, status=status, **fields)


def make_lesson(course, slug="lesson", status=Status.PUBLISHED, **fields):
    fields.setdefault("title", slug.replace("-", " ").title())
    fields.setdefault("body", f"## About {slug}\n\nText of {slug}.")
    return Lesson.objects.create(course=course, slug=slug, status=status, **fields)
