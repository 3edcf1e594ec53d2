"""Sign-in with OpenID Connect in Chromium, against a real provider (Node's oidc-provider)
running on a free port: the whole redirect flow, and the refusals a hospital relies on (a
token from another issuer, an expired token), each back on the sign-in page with a plain
message and nobody signed in."""

import json
import time
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from portal.accounts import oidc
from portal.accounts.models import User
from portal.env_oidc import oidc_settings
from tests.accounts.oidc_provider import portal_environment, running_provider
from tests.browser.helpers import serious_violations

pytestmark = pytest.mark.browser
FAILED = "Signing in with St Mary's did not succeed."
EDITORS = "6b0f3c1e-2d4a-4b8e-9f10-aa11bb22cc33"


@pytest.fixture
def provider(request, live_server, settings, monkeypatch, tmp_path, roles):
    """Starts the provider; `configure()` points the portal at it (optionally expecting
    another issuer than the one the provider signs with)."""
    redirect_uri = f"{live_server.url}/accounts/oidc/callback/"
    amr = getattr(request, "param", "")
    # Ada is in the provider's editors group (an Entra ID group object id).
    accounts = tmp_path / "accounts.json"
    accounts.write_text(json.dumps({"ada.okafor": {"groups": [EDITORS]}}))
    with running_provider(redirect_uri, amr=amr, log_dir=tmp_path, accounts=accounts) as base:

        def configure(*, issuer=None):
            portal_environment(monkeypatch, base, issuer=issuer)
            for name, value in oidc_settings().items():
                setattr(settings, name, value)
            settings.AUTHENTICATION_BACKENDS = [
                *settings.AUTHENTICATION_BACKENDS[:-1],
                "portal.accounts.oidc.OIDCBackend",
                settings.AUTHENTICATION_BACKENDS[-1],
            ]

        yield configure


def sign_in_at_provider(browser, live_server, login="ada.okafor"):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    assert serious_violations(page) == []
    page.get_by_role("link", name="Sign in with St Mary's").click()
    # The provider's own pages (devInteractions): any password, then its consent page.
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    page.locator("button[type=submit]").click()
    page.wait_for_load_state()
    if page.url.startswith(live_server.url):
        return page
    page.locator("button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/**")
    return page


def test_a_clinician_signs_in_with_the_hospital_provider_and_lands_on_the_dashboard(
    browser, live_server, provider
):
    provider()
    page = sign_in_at_provider(browser, live_server)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    person = User.objects.get(username="ada.okafor")
    assert (person.first_name, person.last_name) == ("Ada", "Okafor")
    assert person.email == "ada.okafor@hospital.example"
    assert list(person.groups.values_list("name", flat=True)) == ["Learner"]


def test_a_token_from_another_issuer_is_refused(browser, live_server, provider, caplog):
    provider(issuer="https://login.microsoftonline.com/another-tenant/v2.0")
    page = sign_in_at_provider(browser, live_server)
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page.get_by_text(FAILED)).to_be_visible()
    assert not User.objects.filter(username="ada.okafor").exists()
    assert "ID token issued by 'http://127.0.0.1:" in caplog.text


def test_an_expired_token_is_refused(browser, live_server, provider, monkeypatch, caplog):
    provider()
    # The portal's clock two hours ahead of the provider's: the ID token (one hour) is stale.
    monkeypatch.setattr(oidc, "time", SimpleNamespace(time=lambda: time.time() + 7200))
    page = sign_in_at_provider(browser, live_server)
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page.get_by_text(FAILED)).to_be_visible()
    assert not User.objects.filter(username="ada.okafor").exists()
    assert "ID token expired." in caplog.text


@pytest.mark.parametrize(
    ("provider", "needs_totp"), [("pwd,mfa", False), ("pwd", True)], indirect=["provider"]
)
def test_staff_skip_the_portals_totp_only_when_the_provider_asserts_mfa(
    browser, live_server, provider, settings, monkeypatch, needs_totp
):
    # The provider's editors group makes Ada a Content editor, who works in the admin.
    monkeypatch.setenv("OIDC_EDITOR_GROUP", EDITORS)
    provider()
    settings.REQUIRE_STAFF_2FA = True
    settings.OIDC_TRUST_AMR_MFA = ["mfa"]
    page = sign_in_at_provider(browser, live_server)
    ada = User.objects.get(username="ada.okafor")
    assert ada.is_staff and ada.groups.filter(name="Content editor").exists()
    page.goto(f"{live_server.url}/admin/")
    if needs_totp:
        expect(page).to_have_url(f"{live_server.url}/accounts/2fa/?next=/admin/")
    else:
        expect(page).to_have_url(f"{live_server.url}/admin/")
