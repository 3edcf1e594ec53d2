from django.db import migrations

from portal.content_cache import triggers


class Migration(migrations.Migration):
    # quizzes 0013 adds a column to quizzes_question (a table rebuild on SQLite).
    dependencies = [
        ("content_cache", "0001_initial"),
        ("quizzes", "0013_question_version"),
    ]

    operations = [triggers.reinstall("quizzes_question")]
