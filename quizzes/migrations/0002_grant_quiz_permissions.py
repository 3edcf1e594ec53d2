from django.db import migrations

from portal.accounts.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0001_initial"),
        ("education", "0002_grant_content_permissions"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
