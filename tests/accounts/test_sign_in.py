from django.core import mail
from django.urls import reverse

from tests.conftest import PASSWORD


def sign_in(client, username, password, address="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_a_learner_signs_in_and_out(client, learner):
    response = sign_in(client, "nina", PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_a_wrong_password_is_refused_with_a_message(client, learner):
    response = sign_in(client, "nina", "not the password")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_five_failures_lock_that_username_from_that_address(client, learner):
    for _ in range(5):
        sign_in(client, "nina", "wrong")
    response = sign_in(client, "nina", PASSWORD)
    assert response.status_code == 429
    assert "paused for 15 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_spares_other_addresses_and_other_usernames(client, learner, other_learner):
    for _ in range(5):
        sign_in(client, "nina", "wrong", address="10.0.0.1")
    assert sign_in(client, "nina", PASSWORD, address="10.0.0.2").status_code == 302
    client.post(reverse("logout"))
    assert sign_in(client, "omar", PASSWORD, address="10.0.0.1").status_code == 302


def test_an_unknown_username_gets_the_same_lockout_message(client, db):
    for _ in range(5):
        sign_in(client, "nobody", "wrong")
    response = sign_in(client, "nobody", "wrong")
    assert response.status_code == 429
    assert "paused for 15 minutes" in response.content.decode()


def test_password_reset_sends_an_email_with_a_working_link(client, learner):
    response = client.post(reverse("password_reset"), {"email": learner.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [learner.email]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password/reset/" in line)
    assert client.get(link.split("testserver")[1], follow=True).status_code == 200


def test_password_reset_for_an_unknown_address_reveals_nothing(client, db):
    response = client.post(reverse("password_reset"), {"email": "stranger@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_an_account_flagged_must_change_password_is_sent_to_the_form(client, learner):
    learner.must_change_password = True
    learner.save()
    client.force_login(learner)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse("password_change")
    new_password = "a long new passphrase"
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.must_change_password is False
    assert client.get(reverse("home")).status_code == 200


def test_a_short_new_password_is_refused(client, learner):
    client.force_login(learner)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Short1!", "new_password2": "Short1!"},
    )
    assert response.status_code == 200
    learner.refresh_from_db()
    assert learner.check_password(PASSWORD)


def test_password_reset_requests_from_one_address_are_limited(client, learner):
    from portal.accounts.views import PasswordResetView

    limit = PasswordResetView.requests_per_hour
    statuses = [
        client.post(reverse("password_reset"), {"email": learner.email}).status_code
        for _ in range(limit + 1)
    ]
    assert statuses == [302] * limit + [429]
    assert len(mail.outbox) == limit
    page = client.post(reverse("password_reset"), {"email": learner.email})
    assert "Too many reset requests have come from this computer" in page.content.decode()


def test_an_address_spraying_many_usernames_is_paused_for_everyone_there(
    client, learner, monkeypatch
):
    from portal.accounts.forms import SignInForm

    monkeypatch.setattr(SignInForm, "failures_per_address", 4)
    for n in range(4):  # four names, one failure each: no username is locked
        client.post(reverse("login"), {"username": f"guess{n}", "password": "wrong password"})
    response = client.post(reverse("login"), {"username": "nina", "password": PASSWORD})
    assert response.status_code == 200
    assert "Too many failed sign-ins have come from this computer" in response.content.decode()
    assert "_auth_user_id" not in client.session
