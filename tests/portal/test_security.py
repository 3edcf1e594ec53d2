import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

BASE_DIR = Path(__file__).resolve().parents[2]


def csp_directives(response):
    header = response.headers["Content-Security-Policy"]
    return {
        name: values
        for name, _, values in (part.strip().partition(" ") for part in header.split(";"))
    }


def test_pages_carry_a_strict_content_security_policy(client, db):
    directives = csp_directives(client.get(reverse("login")))
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe-inline" not in str(directives)


def test_signed_in_pages_carry_the_security_headers(learner_client):
    response = learner_client.get(reverse("home"))
    assert response.status_code == 200
    assert "Content-Security-Policy" in response.headers
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(learner_client):
    html = learner_client.get(reverse("home")).content.decode()
    assert "<script>" not in html
    assert "style=" not in html
    assert "<style" not in html


def test_the_deploy_check_passes_with_production_settings():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DJANGO_SECRET_KEY="a" * 20 + "production-like-secret-key-for-the-check-0123456789",
        DJANGO_ALLOWED_HOSTS="portal.example.org",
        EMAIL_URL="smtp://mail.example.org:587?starttls=1",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/", "/no-such-page/", "/admin/", "/lessons/"]
)
def test_every_page_type_carries_the_security_headers_over_https(admin_client, path):
    response = admin_client.get(path, secure=True)
    assert response.status_code in {200, 302, 404}
    headers = response.headers
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "no-store" in headers["Cache-Control"]


def test_the_session_cookie_is_secure_httponly_and_same_site(client, learner):
    from tests.conftest import PASSWORD

    client.post(reverse("login"), {"username": "nina", "password": PASSWORD}, secure=True)
    cookie = client.cookies["sessionid"]
    assert cookie["secure"] and cookie["httponly"]
    assert cookie["samesite"] == "Lax"
