from django.db import migrations

from portal.accounts.roles import sync_roles


class Migration(migrations.Migration):
    # Clinical reviewers grant per-learner quiz adjustments in the admin.
    dependencies = [("quizzes", "0014_quiz_overrides")]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
