from django.db import migrations

# Least privilege: editors and reviewers need the item statistics, not individual learners'
# attempts (the role table in portal/accounts/roles.py no longer grants it; sync_roles only
# adds, so the grant made by earlier migrations is taken back here, once).
GROUPS = ("Content editor", "Clinical reviewer")


def take_back(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.filter(
        content_type__app_label="quizzes", codename="view_attempt"
    ).first()
    if permission is not None:
        for group in Group.objects.filter(name__in=GROUPS):
            group.permissions.remove(permission)


class Migration(migrations.Migration):
    dependencies = [("quizzes", "0010_draft_of_on_governed")]

    operations = [migrations.RunPython(take_back, migrations.RunPython.noop)]
