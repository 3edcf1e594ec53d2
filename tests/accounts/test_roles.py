from django.apps import apps
from django.contrib.auth.models import Group

from portal.accounts.models import ROLE_GROUP_NAMES, Role
from portal.accounts.roles import sync_roles


def permission_names(group_name):
    group = Group.objects.get(name=group_name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


def test_the_migration_creates_a_group_per_role(db):
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLE_GROUP_NAMES.values())


def test_supervisors_may_see_team_progress_and_learners_nothing(db):
    assert "accounts.view_team_progress" in permission_names("Supervisor")
    assert permission_names("Learner") == set()


def test_supervisors_cannot_edit_content(supervisor):
    assert supervisor.has_perm("accounts.view_team_progress")
    assert not supervisor.has_perm("education.change_lesson")


def test_syncing_roles_twice_changes_nothing(db):
    before = {name: permission_names(name) for name in ROLE_GROUP_NAMES.values()}
    sync_roles(apps)
    sync_roles(apps)
    after = {name: permission_names(name) for name in ROLE_GROUP_NAMES.values()}
    assert before == after
    assert Group.objects.filter(name=ROLE_GROUP_NAMES[Role.LEARNER]).count() == 1
