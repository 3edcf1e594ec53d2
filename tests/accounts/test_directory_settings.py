"""Directory sign-in is configured from LDAP_* variables; each malformed value stops the portal
at start-up with the variable named, and password sign-in can be kept for superusers only."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from portal.env import env_password_signin, ldap_settings
from tests.conftest import PASSWORD

BASE = "OU=Staff,DC=hospital,DC=example"


@pytest.fixture
def directory_env(monkeypatch):
    for name in (
        "LDAP_BIND_DN",
        "LDAP_BIND_PASSWORD",
        "LDAP_CA_FILE",
        "LDAP_START_TLS",
        "LDAP_GROUP_SEARCH_BASE",
        "LDAP_REQUIRE_GROUP",
        "LDAP_EDITOR_GROUP",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LDAP_URL", "ldap://dc1.hospital.example")
    monkeypatch.setenv("LDAP_USER_SEARCH_BASE", BASE)
    return monkeypatch


def test_without_ldap_url_no_directory_is_configured(monkeypatch):
    monkeypatch.delenv("LDAP_URL", raising=False)
    assert ldap_settings() == {}


def test_a_well_formed_directory_searches_by_account_name(directory_env):
    configured = ldap_settings()
    assert configured["AUTH_LDAP_SERVER_URI"] == "ldap://dc1.hospital.example"
    assert configured["AUTH_LDAP_USER_SEARCH"].base_dn == BASE
    assert configured["AUTH_LDAP_USER_SEARCH"].filterstr == (
        "(&(sAMAccountName=%(user)s)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))"
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LDAP_URL", "http://dc1.hospital.example"),
        ("LDAP_URL", "ldap://dc1.hospital.example:port"),
        ("LDAP_USER_SEARCH_BASE", "Staff"),
        ("LDAP_USER_FILTER", "(uid=someone)"),
        ("LDAP_CA_FILE", "/nowhere/ca.pem"),
        ("LDAP_BIND_PASSWORD", "secret"),
        ("LDAP_REQUIRE_GROUP", "MBC-Learners"),
        ("LDAP_EDITOR_GROUP", "CN=MBC-Editors,OU=Groups,DC=hospital,DC=example,"),
        ("LDAP_TEAM_ATTRIBUTE", "department title"),
        ("LDAP_PROFESSION_ATTRIBUTE", "(title)"),
    ],
)
def test_a_malformed_value_is_refused_naming_its_variable(directory_env, name, value):
    directory_env.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        ldap_settings()


def test_a_group_without_where_to_search_groups_is_refused(directory_env):
    directory_env.setenv("LDAP_REQUIRE_GROUP", "CN=MBC-Learners,OU=Groups,DC=hospital,DC=example")
    with pytest.raises(ImproperlyConfigured, match="LDAP_GROUP_SEARCH_BASE"):
        ldap_settings()


def test_group_names_are_compared_in_their_normal_form(directory_env):
    directory_env.setenv("LDAP_GROUP_SEARCH_BASE", "OU=Groups,DC=hospital,DC=example")
    directory_env.setenv("LDAP_EDITOR_GROUP", "CN=MBC-Editors, OU=Groups, DC=hospital,DC=example")
    configured = ldap_settings()
    assert configured["DIRECTORY_ROLE_GROUPS"] == {
        "editor": "cn=mbc-editors,ou=groups,dc=hospital,dc=example"
    }


def test_start_tls_over_ldaps_is_refused(directory_env):
    directory_env.setenv("LDAP_URL", "ldaps://dc1.hospital.example")
    directory_env.setenv("LDAP_START_TLS", "1")
    with pytest.raises(ImproperlyConfigured, match="LDAP_START_TLS"):
        ldap_settings()


def test_an_unknown_password_sign_in_choice_is_refused(monkeypatch):
    monkeypatch.setenv("DJANGO_PASSWORD_SIGNIN", "nobody")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_PASSWORD_SIGNIN"):
        env_password_signin("DJANGO_PASSWORD_SIGNIN")


def test_superusers_only_refuses_a_local_password_for_everyone_else(client, learner, settings):
    settings.PASSWORD_SIGNIN = "superusers-only"
    client.post(reverse("login"), {"username": "nina", "password": PASSWORD})
    assert not client.get(reverse("home")).wsgi_request.user.is_authenticated


def test_superusers_only_still_lets_the_break_glass_superuser_in(client, learner, settings):
    settings.PASSWORD_SIGNIN = "superusers-only"
    learner.is_superuser = True
    learner.save()
    client.post(reverse("login"), {"username": "nina", "password": PASSWORD})
    assert client.get(reverse("home")).wsgi_request.user.is_authenticated
