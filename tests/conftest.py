import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache

from portal.accounts.models import ROLE_GROUP_NAMES, Profession, Role, Team, User

PASSWORD = "correct horse battery staple"
# A real directory server (slapd) for the directory sign-in tests, here and in the browser.
pytest_plugins = ["tests.directory_server"]


@pytest.fixture
def make_user(db):
    def make(username, *roles, team=None, **fields):
        user = User.objects.create_user(
            username=username,
            password=PASSWORD,
            email=f"{username}@hospital.example",
            team=team,
            **fields,
        )
        for role in (Role.LEARNER, *roles):
            # get_or_create: transactional tests flush the groups the migrations made.
            user.groups.add(Group.objects.get_or_create(name=ROLE_GROUP_NAMES[role])[0])
        return user

    return make


@pytest.fixture
def team(db):
    return Team.objects.create(name="Ward 7")


@pytest.fixture
def other_team(db):
    return Team.objects.create(name="Day unit")


@pytest.fixture
def learner(make_user, team):
    return make_user("nina", team=team, display_name="Nina Nurse", profession=Profession.NURSE)


@pytest.fixture
def other_learner(make_user, other_team):
    return make_user("omar", team=other_team, profession=Profession.RESIDENT)


@pytest.fixture
def editor(make_user):
    return make_user("edith", Role.CONTENT_EDITOR, is_staff=True)


@pytest.fixture
def reviewer(make_user):
    return make_user(
        "dr_rivera", Role.CLINICAL_REVIEWER, is_staff=True, display_name="Dr Ana Rivera"
    )


@pytest.fixture
def supervisor(make_user, team):
    user = make_user("sue", Role.SUPERVISOR, team=team)
    team.supervisors.add(user)
    return user


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


@pytest.fixture(autouse=True)
def empty_cache():
    """The cache outlives a test (local memory): each test starts with none of it."""
    cache.clear()
