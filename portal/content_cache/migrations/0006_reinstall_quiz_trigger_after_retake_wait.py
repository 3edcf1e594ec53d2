from django.db import migrations

from portal.content_cache import triggers


class Migration(migrations.Migration):
    # quizzes 0017 adds the quiz's wait between attempts (a table rebuild on SQLite).
    dependencies = [
        ("content_cache", "0005_reinstall_course_trigger_after_validity"),
        ("quizzes", "0017_quiz_retake_wait"),
    ]

    operations = [triggers.reinstall("quizzes_quiz")]
