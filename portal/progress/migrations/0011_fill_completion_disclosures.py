from django.db import migrations


def fill(apps, schema_editor):
    """Completions recorded before the sign-off was frozen get the course's sign-off and
    statement as they are at the upgrade: the best knowledge there is of what was shown then
    (as 0007 did for the title and hours)."""
    CourseCompletion = apps.get_model("progress", "CourseCompletion")
    facts = {}
    for completion in CourseCompletion.objects.select_related(
        "course", "course__clinical_reviewer"
    ).iterator():
        course = completion.course
        if course.pk not in facts:
            reviewer = course.clinical_reviewer
            signed_off = reviewer is not None and course.reviewed_on is not None
            name = ""
            if signed_off:
                name = reviewer.display_name or (
                    f"{reviewer.first_name} {reviewer.last_name}".strip() or reviewer.username
                )
                if reviewer.credentials:
                    name = f"{name}, {reviewer.credentials}"
            facts[course.pk] = {
                "signed_off_by": name,
                "reviewed_on": course.reviewed_on if signed_off else None,
                "conflict_of_interest": course.conflict_of_interest,
            }
        CourseCompletion.objects.filter(pk=completion.pk).update(**facts[course.pk])


class Migration(migrations.Migration):
    dependencies = [
        ("progress", "0010_completion_disclosures"),
        ("accounts", "0006_user_credentials"),
        ("education", "0012_course_valid_for_months"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
