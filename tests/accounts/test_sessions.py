import time

from django.urls import reverse

from tests.conftest import PASSWORD


def test_a_sign_in_ends_after_the_idle_timeout(learner_client, settings):
    session = learner_client.session
    session["last_seen"] = int(time.time()) - settings.SESSION_IDLE_SECONDS - 5
    session.save()
    response = learner_client.get(reverse("education:lesson-index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert "_auth_user_id" not in learner_client.session
    assert learner_client.get(reverse("home")).status_code == 302


def test_a_sign_in_ends_at_the_absolute_limit_however_active(client, learner, settings):
    client.post(reverse("login"), {"username": "nina", "password": PASSWORD})
    session = client.session
    assert session["signed_in_at"] >= int(time.time()) - 5
    session["signed_in_at"] = int(time.time()) - settings.SESSION_COOKIE_AGE - 5
    session["last_seen"] = int(time.time())  # active a moment ago
    session.save()
    response = client.get(reverse("education:lesson-index"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_activity_keeps_the_sign_in_alive(learner_client):
    assert learner_client.get(reverse("home")).status_code == 200
    assert learner_client.get(reverse("home")).status_code == 200


def test_signing_in_gives_a_new_session_key(client, learner):
    client.get(reverse("login"))
    client.cookies["sessionid"] = "attacker-chosen"
    client.post(reverse("login"), {"username": "nina", "password": PASSWORD})
    assert client.cookies["sessionid"].value != "attacker-chosen"


def test_a_signed_out_cookie_is_dead(client, learner):
    client.post(reverse("login"), {"username": "nina", "password": PASSWORD})
    old_cookie = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    client.cookies["sessionid"] = old_cookie
    assert client.get(reverse("home")).status_code == 302


def test_a_deactivated_account_is_signed_out_at_its_next_request(learner_client, learner):
    learner.is_active = False
    learner.save()
    assert learner_client.get(reverse("home")).status_code == 302


def test_a_password_change_ends_the_other_sessions(client, learner):
    from django.test import Client

    other_device = Client()
    other_device.post(reverse("login"), {"username": "nina", "password": PASSWORD})
    client.post(reverse("login"), {"username": "nina", "password": PASSWORD})
    new = "a brand new passphrase"
    client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert client.get(reverse("home")).status_code == 200
    assert other_device.get(reverse("home")).status_code == 302


def test_an_open_redirect_after_sign_in_is_refused(client, learner):
    response = client.post(
        reverse("login") + "?next=https://evil.example/phish",
        {"username": "nina", "password": PASSWORD, "next": "https://evil.example/phish"},
    )
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_signed_in_pages_are_never_cached(learner_client):
    cache_control = learner_client.get(reverse("home"))["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control


def test_passphrases_with_spaces_and_unicode_are_accepted_as_typed(client, learner):
    client.force_login(learner)
    passphrase = "  café au lait à l\u2019hôpital  "
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": passphrase, "new_password2": passphrase},
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.check_password(passphrase)


def test_common_passwords_are_refused(client, learner):
    client.force_login(learner)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "password1234",
            "new_password2": "password1234",
        },
    )
    assert "too common" in response.content.decode()


def test_an_expired_session_is_not_accepted(learner_client):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    assert learner_client.get(reverse("home")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    response = learner_client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_made_up_session_cookie_is_a_stranger(client, learner):
    from django.contrib.sessions.backends.base import SessionBase
    from django.contrib.sessions.backends.db import SessionStore

    # Well formed, so it is looked up in the database (a malformed one is refused before).
    made_up = "0123456789abcdefghijklmnopqrstuv"
    assert SessionBase()._validate_session_key(made_up)
    client.cookies["sessionid"] = made_up
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    store = SessionStore(made_up)
    assert store.load() == {}
    assert store.session_key is None  # so saving it makes a new session, never this key
