from django.db import migrations

from portal.content_cache import triggers

# SQLite adds a column to quizzes_question (quizzes 0013) by rebuilding the table, which drops
# its triggers; PostgreSQL keeps them. Put them back, on both (removing first: idempotent).
# Any later migration that rebuilds a content table on SQLite needs the same step:
# tests/content_cache/test_content_version.py fails if a trigger is missing.
TABLES = ("quizzes_question",)


def reinstall(apps, schema_editor):
    triggers.remove(schema_editor, tables=TABLES)
    triggers.install(schema_editor, tables=TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("content_cache", "0001_initial"),
        ("quizzes", "0013_question_version"),
    ]

    operations = [migrations.RunPython(reinstall, migrations.RunPython.noop)]
