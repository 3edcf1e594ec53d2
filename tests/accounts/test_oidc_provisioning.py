"""What the hospital's OpenID provider decides about a person, against a real provider (Node's
oidc-provider) through the whole redirect flow, without a browser: the portal's start view,
the provider's own login and consent pages, and its redirect back to the portal's callback,
which fetches and checks the signed ID token. Roles, profession and team follow the token's
claims by the directory's rule; someone outside OIDC_REQUIRE_GROUP is refused in words; the
account is linked by the provider's `sub`, so a renamed user name keeps its account and a
reused one cannot take over someone else's."""

import json
import re
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from django.urls import reverse

from portal.accounts.models import Profession, Role, User
from portal.env_oidc import oidc_settings
from tests.accounts.oidc_provider import portal_environment, running_provider

PORTAL = "http://testserver"
EDITORS = "6b0f3c1e-2d4a-4b8e-9f10-aa11bb22cc33"  # Entra ID sends group object ids
SUPERVISORS = "0c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f"
LEARNERS = "5e4d3c2b-1a09-4f8e-b7d6-c5b4a3928170"
OUTSIDE = "Your St Mary's account is not one of those allowed to use the teaching portal."
FAILED = "Signing in with St Mary's did not succeed."


class Provider:
    """The running provider, its accounts' claims (rewritten between sign-ins as the
    hospital's IT changes them) and the portal configured for it."""

    def __init__(self, base, accounts_file):
        self.base = base
        self.accounts_file = accounts_file
        self.accounts = {}

    def account(self, login, **claims):
        self.accounts[login] = claims
        self.accounts_file.write_text(json.dumps(self.accounts))

    def sign_in(self, client, login):
        """The redirect flow for `login` (any password); the portal's callback response."""
        start = client.get(reverse("oidc_authentication_init"))
        assert start.url.startswith(f"{self.base}/auth?")
        browser = requests.Session()
        response = browser.get(start.url, allow_redirects=False)
        for _ in range(10):
            location = response.headers.get("location")
            if location is not None:
                location = urljoin(response.url, location)
                if location.startswith(PORTAL):
                    parts = urlsplit(location)
                    return client.get(f"{parts.path}?{parts.query}")
                response = browser.get(location, allow_redirects=False)
                continue
            # One of the provider's own pages: its login form, then its consent form.
            assert response.status_code == 200, response.text
            action = re.search(r'<form[^>]* action="([^"]+)"', response.text).group(1)
            prompt = re.search(r'name="prompt" value="(\w+)"', response.text).group(1)
            form = {"prompt": prompt, "login": login, "password": "any password"}
            response = browser.post(urljoin(response.url, action), form, allow_redirects=False)
        raise AssertionError("the provider never sent the browser back to the portal")


@pytest.fixture
def provider(db, settings, monkeypatch, tmp_path):
    """Starts the provider; `configure(**variables)` points the portal at it with these OIDC_*
    environment variables besides the required ones."""
    accounts_file = tmp_path / "accounts.json"
    accounts_file.write_text("{}")
    with running_provider(
        f"{PORTAL}/accounts/oidc/callback/", log_dir=tmp_path, accounts=accounts_file
    ) as base:
        running = Provider(base, accounts_file)

        def configure(**variables):
            portal_environment(monkeypatch, base)
            for name, value in variables.items():
                monkeypatch.setenv(name, value)
            for name, value in oidc_settings().items():
                setattr(settings, name, value)
            settings.AUTHENTICATION_BACKENDS = [
                *settings.AUTHENTICATION_BACKENDS[:-1],
                "portal.accounts.oidc.OIDCBackend",
                settings.AUTHENTICATION_BACKENDS[-1],
            ]
            return running

        yield configure


def roles_of(user):
    return set(user.groups.values_list("name", flat=True))


def signed_in(client):
    return client.session.get("_auth_user_id")


def test_the_editors_group_makes_a_content_editor_who_reaches_the_admin(provider, client):
    idp = provider(OIDC_EDITOR_GROUP=EDITORS)
    idp.account("ada.okafor", groups=[LEARNERS, EDITORS])
    assert idp.sign_in(client, "ada.okafor").url == "/"
    ada = User.objects.get(username="ada.okafor")
    assert signed_in(client) == str(ada.pk)
    assert roles_of(ada) == {"Learner", "Content editor"}
    assert ada.is_staff
    assert ada.has_perm("education.change_lesson")
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_provider_editor_still_gives_the_portals_totp_when_required(provider, client, settings):
    idp = provider(OIDC_EDITOR_GROUP=EDITORS)
    settings.REQUIRE_STAFF_2FA = True
    idp.account("ada.okafor", groups=[EDITORS])
    idp.sign_in(client, "ada.okafor")
    assert client.get(reverse("admin:index")).url.startswith(reverse("two-factor"))


def test_leaving_the_editors_group_takes_the_role_away_at_the_next_sign_in(provider, client):
    idp = provider(OIDC_EDITOR_GROUP=EDITORS)
    idp.account("ada.okafor", groups=[EDITORS])
    idp.sign_in(client, "ada.okafor")
    assert roles_of(User.objects.get(username="ada.okafor")) == {"Learner", "Content editor"}
    client.logout()
    idp.account("ada.okafor", groups=[LEARNERS])
    assert idp.sign_in(client, "ada.okafor").url == "/"
    ada = User.objects.get(username="ada.okafor")
    assert roles_of(ada) == {"Learner"}
    assert not ada.is_staff
    assert client.get(reverse("admin:index")).status_code == 302


def test_a_role_given_in_the_admin_without_a_provider_group_is_left_alone(
    provider, client, make_user
):
    idp = provider(OIDC_EDITOR_GROUP=EDITORS)
    make_user("ada.okafor", Role.CLINICAL_REVIEWER, Role.CONTENT_EDITOR, is_staff=True)
    idp.account("ada.okafor", groups=[LEARNERS])
    idp.sign_in(client, "ada.okafor")
    ada = User.objects.get(username="ada.okafor")
    assert roles_of(ada) == {"Learner", "Clinical reviewer"}
    assert ada.is_staff  # a reviewer works in the admin too


def test_someone_outside_the_portals_group_is_refused_in_words(provider, client):
    idp = provider(OIDC_REQUIRE_GROUP=LEARNERS)
    idp.account("ada.okafor", groups=[EDITORS])
    response = idp.sign_in(client, "ada.okafor")
    assert response.url == reverse("login")
    page = client.get(response.url).content.decode()
    assert OUTSIDE.replace("'", "&#x27;") in page
    assert FAILED.replace("'", "&#x27;") not in page
    assert signed_in(client) is None
    assert not User.objects.filter(username="ada.okafor").exists()


def test_someone_inside_the_portals_group_signs_in(provider, client):
    idp = provider(OIDC_REQUIRE_GROUP=LEARNERS)
    idp.account("ada.okafor", groups=[LEARNERS])
    assert idp.sign_in(client, "ada.okafor").url == "/"
    assert signed_in(client)


def test_profession_and_team_follow_the_claims_and_a_supervisor_supervises_the_team(
    provider, client
):
    idp = provider(
        OIDC_SUPERVISOR_GROUP=SUPERVISORS,
        OIDC_PROFESSION_CLAIM="jobTitle",
        OIDC_TEAM_CLAIM="department",
    )
    idp.account("ada.okafor", groups=[SUPERVISORS], jobTitle="Nurse", department="Oncology ward 7")
    idp.sign_in(client, "ada.okafor")
    ada = User.objects.get(username="ada.okafor")
    assert ada.profession == Profession.NURSE
    assert ada.team.name == "Oncology ward 7"
    assert list(ada.team.supervisors.all()) == [ada]
    assert roles_of(ada) == {"Learner", "Supervisor"}
    assert not ada.is_staff

    client.logout()
    idp.account("ada.okafor", groups=[], jobTitle="Chief pharmacist", department="oncology WARD 7")
    idp.sign_in(client, "ada.okafor")
    ada.refresh_from_db()
    assert ada.profession == Profession.OTHER
    assert ada.team.name == "Oncology ward 7"  # the same team, whatever the case
    assert roles_of(ada) == {"Learner"}


def test_the_first_sign_in_links_an_existing_account_by_its_sub_and_a_rename_keeps_it(
    provider, client, learner
):
    idp = provider()
    idp.account("b7e1-4711", preferred_username=learner.username)
    idp.sign_in(client, "b7e1-4711")
    learner.refresh_from_db()
    assert learner.oidc_subject == "b7e1-4711"
    client.logout()

    # Married, and renamed at the provider: still the same person, with her records.
    idp.account("b7e1-4711", preferred_username="nina.ward")
    assert idp.sign_in(client, "b7e1-4711").url == "/"
    assert signed_in(client) == str(learner.pk)
    assert not User.objects.filter(username="nina.ward").exists()


def test_a_user_name_passed_to_another_provider_account_cannot_take_over_the_old_one(
    provider, client, learner, make_user, caplog
):
    idp = provider()
    idp.account("b7e1-4711", preferred_username=learner.username)
    idp.sign_in(client, "b7e1-4711")
    client.logout()

    # Another person now bears the user name the first one had.
    idp.account("c9f2-0815", preferred_username=learner.username)
    response = idp.sign_in(client, "c9f2-0815")
    assert response.url == reverse("login")
    assert FAILED.replace("'", "&#x27;") in client.get(response.url).content.decode()
    assert signed_in(client) is None
    learner.refresh_from_db()
    assert learner.oidc_subject == "b7e1-4711"
    assert "linked to another provider account" in caplog.text

    # Nor does a linked provider account move to someone else's account by renaming itself.
    other = make_user("omar")
    idp.account("b7e1-4711", preferred_username="omar")
    idp.sign_in(client, "b7e1-4711")
    assert signed_in(client) == str(learner.pk)
    other.refresh_from_db()
    assert other.oidc_subject == ""


def test_a_new_person_is_created_linked_to_their_sub(provider, client):
    idp = provider()
    idp.sign_in(client, "ada.okafor")
    ada = User.objects.get(username="ada.okafor")
    assert ada.oidc_subject == "ada.okafor"
    assert roles_of(ada) == {"Learner"}
    assert (ada.first_name, ada.email) == ("Ada", "ada.okafor@hospital.example")
