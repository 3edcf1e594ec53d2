from django.db import migrations

from portal.accounts.roles import sync_roles


class Migration(migrations.Migration):
    """Runs after every app the roles refer to, so each group gets all its permissions."""

    dependencies = [
        ("progress", "0002_add_item_statistics"),
        ("education", "0003_add_workflow_history_and_reports"),
        ("quizzes", "0003_add_workflow_and_history"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
