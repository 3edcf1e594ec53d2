"""Staff sign in with their hospital directory account (a real slapd, tests/accounts/
conftest.py): the portal copies their name, e-mail, profession, team and roles from the
directory, refuses whoever the directory does not vouch for, and says so plainly when the
directory does not answer, while IT's local break-glass account still works."""

import socket
import time

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from portal.accounts.models import Profession, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def signed_in_user(client):
    return client.get(reverse("home")).wsgi_request.user


def roles_of(user):
    return set(user.groups.values_list("name", flat=True))


def test_a_nurse_signs_in_with_her_directory_password_and_gets_her_details(client, directory):
    sign_in(client, "award", "ana-directory-pw")
    user = signed_in_user(client)
    assert user.is_authenticated
    assert (user.display_name, user.email) == ("Ana Ward, RN", "ana.ward@hospital.example")
    assert (user.first_name, user.last_name) == ("Ana", "Ward")
    assert user.profession == Profession.NURSE
    assert user.team.name == "Oncology ward 7"
    assert roles_of(user) == {"Learner"}
    assert not user.is_staff and not user.has_usable_password()
    assert user.directory_dn == "cn=ana ward,ou=staff,dc=hospital,dc=example"


def test_the_account_name_is_matched_whatever_its_case(client, directory):
    sign_in(client, "AWard", "ana-directory-pw")
    assert signed_in_user(client).username == "award"


def test_a_wrong_directory_password_is_refused_as_any_wrong_password(client, directory):
    page = sign_in(client, "award", "not-her-password")
    assert not signed_in_user(client).is_authenticated
    assert "enter a correct username and password" in page.text
    assert not User.objects.filter(username="award").exists()


def test_the_editors_group_makes_an_editor_with_access_to_the_admin(client, directory):
    sign_in(client, "ebrook", "eli-directory-pw")
    user = signed_in_user(client)
    assert roles_of(user) == {"Learner", "Content editor"}
    assert user.is_staff and user.profession == Profession.PHARMACIST
    assert user.has_perm("education.change_lesson")


def test_leaving_the_editors_group_takes_the_role_away_at_the_next_sign_in(client, directory):
    sign_in(client, "ebrook", "eli-directory-pw")
    client.logout()
    directory.remove_from_group("MBC-Editors", "Eli Brook")
    sign_in(client, "ebrook", "eli-directory-pw")
    user = signed_in_user(client)
    assert roles_of(user) == {"Learner"} and not user.is_staff


def test_the_supervisors_group_makes_a_supervisor_of_her_own_team(client, directory):
    sign_in(client, "rlund", "rae-directory-pw")
    user = signed_in_user(client)
    assert "Supervisor" in roles_of(user)
    assert list(user.supervised_teams.values_list("name", flat=True)) == ["Oncology ward 7"]


def test_colleagues_of_one_department_share_one_team(client, directory):
    sign_in(client, "award", "ana-directory-pw")
    client.logout()
    sign_in(client, "rlund", "rae-directory-pw")
    assert User.objects.get(username="award").team == User.objects.get(username="rlund").team


def test_a_changed_directory_entry_is_copied_at_the_next_sign_in(client, directory):
    sign_in(client, "award", "ana-directory-pw")
    client.logout()
    directory.replace("Ana Ward", "department", "Day unit")
    directory.replace("Ana Ward", "mail", "a.ward@hospital.example")
    sign_in(client, "award", "ana-directory-pw")
    user = signed_in_user(client)
    assert (user.team.name, user.email) == ("Day unit", "a.ward@hospital.example")


def test_a_person_outside_the_portal_group_is_refused(client, directory):
    sign_in(client, "kvale", "kit-directory-pw")
    assert not signed_in_user(client).is_authenticated
    assert not User.objects.filter(username="kvale").exists()


def test_an_account_disabled_in_the_directory_is_refused(client, directory):
    # userAccountControl 514: Active Directory's "normal account, disabled".
    sign_in(client, "smarsh", "sol-directory-pw")
    assert not signed_in_user(client).is_authenticated


def test_a_person_deactivated_in_the_portal_stays_out_though_the_directory_knows_them(
    client, directory
):
    sign_in(client, "award", "ana-directory-pw")
    client.logout()
    User.objects.filter(username="award").update(is_active=False)
    page = sign_in(client, "award", "ana-directory-pw")
    assert not signed_in_user(client).is_authenticated
    assert page.status_code == 200


def test_a_directory_person_deactivated_while_signed_in_is_signed_out(client, directory):
    sign_in(client, "award", "ana-directory-pw")
    User.objects.filter(username="award").update(is_active=False)
    assert not signed_in_user(client).is_authenticated


def test_a_directory_that_does_not_answer_is_named_on_the_sign_in_page(client, directory):
    directory.stop()
    page = sign_in(client, "award", "ana-directory-pw")
    assert page.status_code == 200
    assert "hospital directory is not answering" in page.text
    assert not signed_in_user(client).is_authenticated


def test_retrying_while_the_directory_is_down_does_not_lock_the_nurse_out(client, directory):
    directory.stop()
    for _ in range(7):
        sign_in(client, "award", "ana-directory-pw")
    assert not AccessAttempt.objects.filter(username="award").exists()


def test_the_break_glass_superuser_signs_in_while_the_directory_is_down(
    client, directory, make_user
):
    make_user("it-breakglass", is_superuser=True, is_staff=True)
    directory.stop()
    sign_in(client, "it-breakglass", PASSWORD)
    assert signed_in_user(client).is_superuser


def test_guesses_at_a_local_password_still_count_while_the_directory_is_down(
    client, directory, make_user
):
    make_user("it-breakglass", is_superuser=True, is_staff=True)
    directory.stop()
    sign_in(client, "it-breakglass", "a guess")
    assert AccessAttempt.objects.get(username="it-breakglass").failures_since_start == 1


def test_a_directory_that_hangs_is_given_up_on_within_the_timeout(client, directory, settings):
    # A server that accepts the connection and never answers, as a hung domain controller.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings.AUTH_LDAP_SERVER_URI = f"ldap://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        page = sign_in(client, "award", "ana-directory-pw")
        assert time.monotonic() - started < 10
    assert "hospital directory is not answering" in page.text


def test_a_directory_editor_still_needs_the_second_factor_for_the_admin(
    client, directory, settings
):
    settings.REQUIRE_STAFF_2FA = True
    sign_in(client, "ebrook", "eli-directory-pw")
    page = client.get("/admin/")
    assert page.status_code == 302 and page.url.startswith(reverse("two-factor"))


def test_the_sign_in_page_asks_for_the_hospital_network_account(client, directory):
    page = client.get(reverse("login")).text
    assert "Use your hospital network account" in page
    assert "The IT service desk resets it" in page


def test_without_a_directory_the_page_asks_for_the_portal_account(client):
    page = client.get(reverse("login")).text
    assert "the staff training account your administrator gave you" in page
