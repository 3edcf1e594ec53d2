from django.db import migrations

from portal.content_cache import triggers


class Migration(migrations.Migration):
    # education 0009 adds the course's disclosure columns (a table rebuild on SQLite).
    dependencies = [
        ("content_cache", "0002_reinstall_question_trigger"),
        ("education", "0009_course_disclosures"),
    ]

    operations = [triggers.reinstall("education_course")]
