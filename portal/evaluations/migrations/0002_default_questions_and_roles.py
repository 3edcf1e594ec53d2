from django.db import migrations

from portal.accounts.roles import sync_roles
from portal.evaluations.defaults import add_default_questions


def give_existing_courses_the_default_questions(apps, schema_editor):
    Course = apps.get_model("education", "Course")
    EvaluationQuestion = apps.get_model("evaluations", "EvaluationQuestion")
    add_default_questions(
        Course.objects.filter(draft_of__isnull=True), question_model=EvaluationQuestion
    )


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0001_add_evaluations")]

    operations = [
        migrations.RunPython(
            give_existing_courses_the_default_questions, migrations.RunPython.noop
        ),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
