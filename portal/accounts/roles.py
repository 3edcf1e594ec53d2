"""The permission groups behind the portal's roles.

`sync_roles` is called from data migrations (with the historical app registry) whenever an
app adds permissions that a role needs, so a fresh install and an upgraded one end up with
the same groups. It only adds: permissions an administrator grants by hand stay.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied

from portal.accounts.models import ROLE_GROUP_NAMES, Role

CONTENT_PERMISSIONS = [
    f"{app}.{action}_{model}"
    for app, models in {
        "education": ["course", "lesson"],
        "quizzes": ["quiz", "question", "choice"],
    }.items()
    for model in models
    for action in ("add", "change", "view", "delete")
]

EDITORIAL_PERMISSIONS = [
    "education.view_problemreport",
    "education.change_problemreport",
    "education.view_workflowevent",
    "education.view_tag",
    "education.add_tag",
    "education.change_tag",
    "progress.view_itemstatistics",
    # Each course's evaluation questions, and the anonymous aggregate of the answers.
    "evaluations.view_courseevaluation",
    "evaluations.change_courseevaluation",
    "evaluations.view_evaluationquestion",
    "evaluations.add_evaluationquestion",
    "evaluations.change_evaluationquestion",
    "evaluations.delete_evaluationquestion",
    "evaluations.view_evaluation",
]

ROLE_PERMISSIONS = {
    Role.LEARNER: [],
    Role.CONTENT_EDITOR: [*CONTENT_PERMISSIONS, *EDITORIAL_PERMISSIONS],
    Role.CLINICAL_REVIEWER: [
        *CONTENT_PERMISSIONS,
        *EDITORIAL_PERMISSIONS,
        "education.publish_content",
        "quizzes.view_regrade",
        "quizzes.add_quizoverride",
        "quizzes.view_quizoverride",
    ],
    Role.SUPERVISOR: ["accounts.view_team_progress"],
}

# Roles that work in the Django admin get staff status when they are given the role.
STAFF_ROLES = {Role.CONTENT_EDITOR, Role.CLINICAL_REVIEWER}


def is_editor(user):
    """Editors and reviewers look after the content: the editorial area and the item
    statistics. They do not see individual learners' progress unless granted it."""
    return user.has_perm("education.change_lesson")


def editors_only(view):
    """The editorial area's pages, for editors and reviewers: anyone else is refused (403),
    by the same rule that shows them the area in the menu (is_editor)."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not is_editor(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return guarded


def sees_all_progress(user):
    """Granted by the hospital (no role has it by default): every learner's progress."""
    return user.has_perm("accounts.view_all_progress")


def can_see_team_reports(user):
    return sees_all_progress(user) or user.has_perm("accounts.view_team_progress")


def sync_roles(apps, schema_editor=None):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran; create them now so the
    # groups can reference permissions of apps migrated in this same run.
    for app_config in apps.get_app_configs():
        # Migration app configs have no models module; the live ones (when called outside a
        # migration) must get theirs back, or later post_migrate steps would skip the app.
        previous = getattr(app_config, "models_module", None)
        app_config.models_module = True
        try:
            create_permissions(app_config, apps=apps, verbosity=0)
        finally:
            app_config.models_module = previous

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=ROLE_GROUP_NAMES[role])
        for name in names:
            app_label, codename = name.split(".")
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:
                group.permissions.add(permission)
