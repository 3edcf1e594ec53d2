"""OpenID Connect sign-in: OIDC_* settings refused at start-up with the variable named, the
button shown only when a provider is configured, a forged state refused with a plain message,
and the provider's MFA (amr) standing in for the portal's TOTP only when trusted."""

import pytest
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from portal.accounts.models import Role, User
from portal.accounts.oidc import OIDCBackend
from portal.env_oidc import oidc_settings
from tests.accounts.oidc_provider import portal_environment
from tests.conftest import PASSWORD

PROVIDER = "https://login.microsoftonline.com/tenant-id"
PROVISIONING_VARIABLES = (
    "OIDC_GROUPS_CLAIM",
    "OIDC_REQUIRE_GROUP",
    "OIDC_EDITOR_GROUP",
    "OIDC_REVIEWER_GROUP",
    "OIDC_SUPERVISOR_GROUP",
    "OIDC_PROFESSION_CLAIM",
    "OIDC_TEAM_CLAIM",
)
EDITORS = "6b0f3c1e-2d4a-4b8e-9f10-aa11bb22cc33"


@pytest.fixture
def oidc_env(monkeypatch):
    for name in (
        "OIDC_ALLOW_LOCAL_HTTP",
        "OIDC_RP_SIGN_ALGO",
        "OIDC_TRUST_AMR_MFA",
        *PROVISIONING_VARIABLES,
    ):
        monkeypatch.delenv(name, raising=False)
    portal_environment(monkeypatch, PROVIDER, issuer=f"{PROVIDER}/v2.0")
    monkeypatch.delenv("OIDC_ALLOW_LOCAL_HTTP")
    return monkeypatch


@pytest.fixture
def configured(oidc_env, settings):
    for name, value in oidc_settings().items():
        setattr(settings, name, value)
    return settings


def test_without_an_issuer_no_provider_is_configured(monkeypatch):
    monkeypatch.delenv("OIDC_ISSUER", raising=False)
    assert oidc_settings() == {}


def test_a_well_formed_provider_uses_rs256_with_nonce_and_pkce(oidc_env):
    configured = oidc_settings()
    assert configured["OIDC_ISSUER"] == f"{PROVIDER}/v2.0"
    assert configured["OIDC_RP_SIGN_ALGO"] == "RS256"
    assert configured["OIDC_USE_NONCE"] and configured["OIDC_USE_PKCE"]
    assert configured["OIDC_USERNAME_CLAIM"] == "preferred_username"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OIDC_ISSUER", "login.microsoftonline.com/tenant"),
        ("OIDC_ISSUER", "http://idp.hospital.example"),
        ("OIDC_OP_AUTHORIZATION_ENDPOINT", ""),
        ("OIDC_OP_TOKEN_ENDPOINT", "ftp://idp.hospital.example/token"),
        ("OIDC_OP_JWKS_ENDPOINT", "http://127.0.0.1:8080/jwks"),
        ("OIDC_CLIENT_ID", ""),
        ("OIDC_CLIENT_SECRET", ""),
        ("OIDC_PROVIDER_NAME", " "),
        ("OIDC_RP_SIGN_ALGO", "HS256"),
        ("OIDC_USERNAME_CLAIM", "preferred username"),
        ("OIDC_ALLOW_LOCAL_HTTP", "perhaps"),
        ("OIDC_GROUPS_CLAIM", ""),
        ("OIDC_GROUPS_CLAIM", "member of"),
        ("OIDC_REQUIRE_GROUP", "MBC-Learners,MBC-Editors"),
        ("OIDC_EDITOR_GROUP", f"{EDITORS}, {EDITORS}"),
        ("OIDC_REVIEWER_GROUP", "MBC\tReviewers"),
        ("OIDC_SUPERVISOR_GROUP", "MBC-\x1bSupervisors"),
        ("OIDC_PROFESSION_CLAIM", "job title"),
        ("OIDC_TEAM_CLAIM", "department,office"),
    ],
)
def test_a_malformed_value_stops_start_up_naming_the_variable(oidc_env, name, value):
    oidc_env.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        oidc_settings()


def test_without_provisioning_variables_only_the_groups_claim_has_a_default(oidc_env):
    configured = oidc_settings()
    assert configured["OIDC_GROUPS_CLAIM"] == "groups"
    assert configured["OIDC_REQUIRE_GROUP"] == ""
    assert configured["OIDC_ROLE_GROUPS"] == {}
    assert configured["OIDC_PROFESSION_CLAIM"] == configured["OIDC_TEAM_CLAIM"] == ""


def test_the_role_groups_are_taken_as_the_claim_holds_them(oidc_env):
    oidc_env.setenv("OIDC_EDITOR_GROUP", f" {EDITORS} ")
    oidc_env.setenv("OIDC_SUPERVISOR_GROUP", "/MBC Supervisors")  # a Keycloak group path
    oidc_env.setenv("OIDC_GROUPS_CLAIM", "roles")
    configured = oidc_settings()
    assert configured["OIDC_ROLE_GROUPS"] == {
        Role.CONTENT_EDITOR: EDITORS,
        Role.SUPERVISOR: "/MBC Supervisors",
    }
    assert configured["OIDC_GROUPS_CLAIM"] == "roles"


def test_plain_http_is_allowed_to_this_machine_only_when_asked(oidc_env):
    oidc_env.setenv("OIDC_ALLOW_LOCAL_HTTP", "1")
    oidc_env.setenv("OIDC_OP_JWKS_ENDPOINT", "http://127.0.0.1:8080/jwks")
    assert oidc_settings()["OIDC_OP_JWKS_ENDPOINT"] == "http://127.0.0.1:8080/jwks"
    oidc_env.setenv("OIDC_OP_JWKS_ENDPOINT", "http://idp.hospital.example/jwks")
    with pytest.raises(ImproperlyConfigured, match="OIDC_OP_JWKS_ENDPOINT"):
        oidc_settings()


def test_the_sign_in_page_has_no_provider_button_unless_configured(client, db):
    assert "Sign in with" not in client.get(reverse("login")).content.decode()
    assert client.get(reverse("oidc_authentication_init")).url == reverse("login")


def test_the_sign_in_page_offers_the_provider_when_configured(client, db, configured):
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with St Mary&#x27;s" in page
    start = client.get(reverse("oidc_authentication_init"))
    assert start.url.startswith(f"{PROVIDER}/auth?")
    assert "nonce=" in start.url and "code_challenge=" in start.url


def test_a_forged_state_is_refused_with_a_plain_message(client, db, configured):
    client.get(reverse("oidc_authentication_init"))  # a real state in the session
    response = client.get(
        reverse("oidc_authentication_callback"), {"code": "stolen", "state": "forged"}
    )
    assert response.status_code == 302
    assert response.url == reverse("login")
    page = client.get(response.url).content.decode()
    assert "Signing in with St Mary&#x27;s did not succeed." in page
    assert "_auth_user_id" not in client.session


def test_a_callback_without_any_state_in_the_session_is_refused(client, db, configured):
    response = client.get(
        reverse("oidc_authentication_callback"), {"code": "stolen", "state": "forged"}
    )
    assert response.url == reverse("login")
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("trusted", "amr", "exempt"),
    [
        (["mfa"], ["pwd", "mfa"], True),
        (["mfa", "hwk"], ["hwk"], True),
        (["mfa"], ["pwd"], False),
        ([], ["mfa"], False),
        (["mfa"], "mfa", False),
    ],
)
def test_the_providers_amr_counts_as_a_second_factor_only_when_trusted(
    configured, editor, trusted, amr, exempt
):
    configured.OIDC_TRUST_AMR_MFA = trusted
    user = OIDCBackend().update_user(
        editor, {"sub": "e-1", "preferred_username": "edith", "amr": amr}
    )
    assert user.amr_mfa is exempt


@pytest.fixture
def required(settings):
    settings.REQUIRE_STAFF_2FA = True


def test_staff_signed_in_with_provider_mfa_reach_the_admin_without_totp(client, editor, required):
    client.force_login(editor)
    session = client.session
    session["oidc_amr_mfa"] = True
    session.save()
    assert client.get(reverse("admin:index")).status_code == 200


def test_staff_without_provider_mfa_still_need_totp(client, editor, required):
    client.force_login(editor)
    assert client.get(reverse("admin:index")).url.startswith(reverse("two-factor"))


def test_a_password_sign_in_does_not_inherit_the_providers_mfa(client, editor, required):
    session = client.session
    session["oidc_amr_mfa"] = True
    session.save()
    client.post(reverse("login"), {"username": editor.username, "password": PASSWORD})
    assert client.get(reverse("admin:index")).url.startswith(reverse("two-factor"))


def test_a_provider_account_named_like_a_superuser_is_refused(configured, make_user):
    make_user("root", is_superuser=True, is_staff=True)
    with pytest.raises(SuspiciousOperation, match="superuser"):
        OIDCBackend().get_or_create_user("", "", {"sub": "r-1", "preferred_username": "ROOT"})


@pytest.mark.parametrize(
    "claims",
    [
        {"preferred_username": "nina"},
        {"sub": "", "preferred_username": "nina"},
        {"sub": "x" * 256, "preferred_username": "nina"},
        {"sub": "n-1", "preferred_username": ["nina"]},
        {"sub": "n-1", "preferred_username": " "},
        {"sub": "n-1", "preferred_username": "n" * 151},
    ],
)
def test_a_token_without_a_usable_sub_or_user_name_is_refused(configured, claims):
    assert not OIDCBackend().verify_claims(claims)


def test_entra_ids_groups_overage_is_refused_rather_than_read_as_no_groups(
    configured, editor, caplog
):
    configured.OIDC_ROLE_GROUPS = {Role.CONTENT_EDITOR: EDITORS}
    claims = {
        "sub": "e-1",
        "preferred_username": "edith",
        "_claim_names": {"groups": "src1"},
        "_claim_sources": {"src1": {"endpoint": "https://graph.microsoft.com/..."}},
    }
    with pytest.raises(SuspiciousOperation):
        OIDCBackend().get_or_create_user("", "", claims)
    assert "groups overage" in caplog.text
    assert editor.groups.filter(name="Content editor").exists()


def test_the_groups_overage_does_not_matter_where_no_group_is_configured(configured, learner):
    claims = {"sub": "n-1", "preferred_username": "nina", "_claim_names": {"groups": "src1"}}
    assert OIDCBackend().get_or_create_user("", "", claims) == learner


@pytest.mark.parametrize(
    ("value", "editor_role"), [(EDITORS, True), ([EDITORS], True), ({"id": EDITORS}, False)]
)
def test_a_single_group_may_come_as_a_string(configured, learner, value, editor_role):
    configured.OIDC_ROLE_GROUPS = {Role.CONTENT_EDITOR: EDITORS}
    OIDCBackend().update_user(
        learner, {"sub": "n-1", "preferred_username": "nina", "groups": value}
    )
    assert learner.groups.filter(name="Content editor").exists() is editor_role
    assert learner.is_staff is editor_role


def test_one_provider_account_links_to_one_portal_account(make_user):
    make_user("nina", oidc_subject="n-1")
    make_user("omar")
    make_user("sam")  # any number of accounts never signed in with the provider
    with pytest.raises(ValidationError, match="already linked to another portal account"):
        User(username="nora", oidc_subject="n-1").full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="nora", oidc_subject="n-1")


def test_an_existing_portal_account_is_linked_by_username_and_updated(configured, learner):
    claims = {
        "sub": "n-1",
        "preferred_username": learner.username,
        "given_name": "Nina",
        "family_name": "Ng",
    }
    assert OIDCBackend().get_or_create_user("", "", claims) == learner
    learner.refresh_from_db()
    assert (learner.first_name, learner.last_name) == ("Nina", "Ng")


def test_a_person_signed_in_with_the_provider_and_then_deactivated_is_signed_out(
    client, learner, configured
):
    configured.AUTHENTICATION_BACKENDS = [
        *configured.AUTHENTICATION_BACKENDS,
        "portal.accounts.oidc.OIDCBackend",
    ]
    client.force_login(learner, backend="portal.accounts.oidc.OIDCBackend")
    assert client.get(reverse("home")).wsgi_request.user.is_authenticated
    learner.is_active = False
    learner.save()
    assert not client.get(reverse("home")).wsgi_request.user.is_authenticated


def test_the_admin_shows_the_provider_account_read_only(admin_client, make_user):
    nina = make_user("nina", oidc_subject="b7e1-4711")
    page = admin_client.get(reverse("admin:accounts_user_change", args=[nina.pk]))
    html = page.content.decode()
    assert "Provider account" in html and "b7e1-4711" in html
    assert 'name="oidc_subject"' not in html
