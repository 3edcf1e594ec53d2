from django.db import migrations

from portal.content_cache import triggers


class Migration(migrations.Migration):
    # education 0011 adds the course's CPD credit column (a table rebuild on SQLite).
    dependencies = [
        ("content_cache", "0003_reinstall_course_trigger"),
        ("education", "0011_course_credit_hours"),
    ]

    operations = [triggers.reinstall("education_course")]
