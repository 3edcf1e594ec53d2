from decimal import Decimal

from django.db import migrations
from django.db.models import Q
from django.db.models.functions import Now


def fill(apps, schema_editor):
    """Completions recorded before the facts were frozen get today's course: the best
    knowledge there is of what it was then. Today's published-lesson rule is spelled out
    here (published, its time come, not a draft), since a migration cannot use the models'
    querysets."""
    CourseCompletion = apps.get_model("progress", "CourseCompletion")
    Lesson = apps.get_model("education", "Lesson")
    live = Q(status="published") & (Q(publish_at__isnull=True) | Q(publish_at__lte=Now()))
    facts = {}
    for completion in CourseCompletion.objects.select_related("course").iterator():
        course = completion.course
        if course.pk not in facts:
            minutes = Lesson.objects.filter(live, course=course, draft_of__isnull=True)
            total = sum(minutes.values_list("estimated_minutes", flat=True))
            facts[course.pk] = (
                course.title,
                course.version,
                (Decimal(total) / 60).quantize(Decimal("0.01")),
            )
        title, version, hours = facts[course.pk]
        CourseCompletion.objects.filter(pk=completion.pk).update(
            course_title=title, course_version=version, credit_hours=hours
        )


class Migration(migrations.Migration):
    dependencies = [
        ("progress", "0006_completion_frozen_facts"),
        ("education", "0010_field_messages_on_the_model"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
