from django.db import migrations

from portal.content_cache import triggers


class Migration(migrations.Migration):
    # quizzes 0017 adds the quiz's material change column (SQLite may rebuild the table,
    # which drops its triggers; reinstalling is safe either way).
    dependencies = [
        ("content_cache", "0005_reinstall_course_trigger_after_validity"),
        ("quizzes", "0017_quiz_material_change"),
    ]

    operations = [triggers.reinstall("quizzes_quiz")]
