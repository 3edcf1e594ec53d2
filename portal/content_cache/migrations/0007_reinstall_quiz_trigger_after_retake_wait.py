from django.db import migrations

from portal.content_cache import triggers


class Migration(migrations.Migration):
    # quizzes 0018 adds the quiz's wait between attempts (a table rebuild on SQLite).
    dependencies = [
        ("content_cache", "0006_reinstall_quiz_trigger_after_material_change"),
        ("quizzes", "0018_quiz_retake_wait"),
    ]

    operations = [triggers.reinstall("quizzes_quiz")]
