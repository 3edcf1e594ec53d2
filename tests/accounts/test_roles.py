from django.apps import apps
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

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


def menu_links(client):
    page = client.get(reverse("education:lesson-index")).content.decode()
    return {name for name in ("Team", "Editorial") if f">{name}</a>" in page}


def test_the_menu_shows_staff_links_by_role(client, learner, supervisor, editor):
    for user, links in ((learner, set()), (supervisor, {"Team"}), (editor, {"Editorial"})):
        client.force_login(user)
        assert menu_links(client) == links


def test_the_menu_follows_a_role_change_at_once(client, learner):
    client.force_login(learner)
    assert menu_links(client) == set()
    learner.groups.add(Group.objects.get(name=ROLE_GROUP_NAMES[Role.SUPERVISOR]))
    assert menu_links(client) == {"Team"}
    Group.objects.get(name=ROLE_GROUP_NAMES[Role.SUPERVISOR]).user_set.remove(learner)
    assert menu_links(client) == set()


def test_the_menu_asks_for_permissions_once_not_on_every_page(client, supervisor):
    client.force_login(supervisor)
    with CaptureQueriesContext(connection) as first:
        menu_links(client)
    with CaptureQueriesContext(connection) as second:
        menu_links(client)

    def permission_queries(queries):
        return [query for query in queries if "auth_permission" in query["sql"]]

    assert len(permission_queries(first)) == 2
    assert permission_queries(second) == []
