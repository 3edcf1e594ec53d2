from django.db import migrations

from portal.content_cache import triggers


class Migration(migrations.Migration):
    # education 0012 adds the course's validity column (a table rebuild on SQLite).
    dependencies = [
        ("content_cache", "0004_reinstall_course_trigger_after_credit"),
        ("education", "0012_course_valid_for_months"),
    ]

    operations = [triggers.reinstall("education_course")]
