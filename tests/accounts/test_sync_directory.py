"""manage.py sync_directory (daily) deactivates the people the directory no longer vouches
for, within a day and without waiting for them to sign in, keeps their records, copies
everyone else's entry, and deactivates nobody while the directory does not answer."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from education.models import LessonProgress
from portal.accounts.models import User
from tests.conftest import PASSWORD
from tests.education.factories import make_course, make_lesson

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in_once(client, directory):
    """Ana, Eli and Rae have each signed in once, so the portal knows their entries."""
    for username, password in [
        ("award", "ana-directory-pw"),
        ("ebrook", "eli-directory-pw"),
        ("rlund", "rae-directory-pw"),
    ]:
        client.post(reverse("login"), {"username": username, "password": password})
        client.logout()
    return directory


def sync():
    call_command("sync_directory", stdout=StringIO())


def active(username):
    return User.objects.get(username=username).is_active


def test_a_leaver_removed_from_the_directory_is_deactivated(signed_in_once):
    signed_in_once.delete_person("Ana Ward")
    sync()
    assert not active("award")
    assert active("ebrook") and active("rlund")


def test_a_person_taken_out_of_the_portal_group_is_deactivated(signed_in_once):
    signed_in_once.remove_from_group("MBC-Learners", "Eli Brook")
    sync()
    assert not active("ebrook")


def test_an_account_disabled_in_the_directory_is_deactivated(signed_in_once):
    signed_in_once.replace("Rae Lund", "userAccountControl", "514")
    sync()
    assert not active("rlund")


def test_a_deactivated_leaver_keeps_their_records(signed_in_once):
    ana = User.objects.get(username="award")
    LessonProgress.objects.create(learner=ana, lesson=make_lesson(make_course()))
    signed_in_once.delete_person("Ana Ward")
    sync()
    assert LessonProgress.objects.filter(learner=ana).exists()


def test_the_sync_copies_a_role_taken_away_in_the_directory(signed_in_once):
    signed_in_once.remove_from_group("MBC-Editors", "Eli Brook")
    sync()
    eli = User.objects.get(username="ebrook")
    assert not eli.is_staff
    assert list(eli.groups.values_list("name", flat=True)) == ["Learner"]


def test_local_accounts_are_never_touched(signed_in_once, make_user):
    make_user("it-breakglass", is_superuser=True, is_staff=True)
    sync()
    assert active("it-breakglass")


def test_nobody_is_deactivated_while_the_directory_is_down(signed_in_once):
    signed_in_once.stop()
    with pytest.raises(CommandError, match="did not answer"):
        sync()
    assert User.objects.filter(is_active=True).count() == 3


def test_without_a_directory_the_command_says_what_to_set(settings):
    settings.AUTH_LDAP_SERVER_URI = ""
    with pytest.raises(CommandError, match="LDAP_URL"):
        call_command("sync_directory")


def test_the_break_glass_password_still_works_after_a_sync(client, signed_in_once, make_user):
    make_user("it-breakglass", is_superuser=True, is_staff=True)
    sync()
    client.post(reverse("login"), {"username": "it-breakglass", "password": PASSWORD})
    assert client.get(reverse("home")).wsgi_request.user.is_superuser
