from django.db import migrations, models

from portal.content_cache import triggers


def install_triggers(apps, schema_editor):
    triggers.install(schema_editor)


def remove_triggers(apps, schema_editor):
    triggers.remove(schema_editor)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("education", "0007_draft_of_on_governed"),
        ("quizzes", "0012_attempt_question_revision"),
    ]

    operations = [
        migrations.CreateModel(
            name="ContentVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.BigIntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("id", 1)), name="content_version_single_row"
                    )
                ],
            },
        ),
        migrations.RunPython(install_triggers, remove_triggers),
    ]
