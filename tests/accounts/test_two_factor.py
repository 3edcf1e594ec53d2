import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


@pytest.fixture
def required(settings):
    settings.REQUIRE_STAFF_2FA = True


def device_being_set_up(client):
    """The authenticator key the set-up page showed (it waits in the session, unsaved)."""
    return TOTPDevice(key=client.session["two_factor_setup_key"])


def current_code(device):
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_staff_must_set_up_a_second_factor_before_the_admin(client, editor, required):
    client.force_login(editor)
    response = client.get(reverse("admin:index"))
    assert response.url == f"{reverse('two-factor')}?next=/admin/"
    page = client.get(response.url).content.decode()
    assert "Set up your authenticator" in page
    assert client.get(reverse("two-factor-qr"))["Content-Type"] == "image/svg+xml"
    response = client.post(
        reverse("two-factor"),
        {"token": current_code(device_being_set_up(client)), "next": "/admin/"},
    )
    assert response.url == "/admin/"
    assert client.get(reverse("admin:index")).status_code == 200
    assert TOTPDevice.objects.get(user=editor).confirmed


def test_showing_the_set_up_page_and_its_code_saves_nothing(client, editor, required):
    client.force_login(editor)
    first_key = client.get(reverse("two-factor")).context["secret"]
    client.get(reverse("two-factor-qr"))
    assert not TOTPDevice.objects.exists()
    # The same key on every showing, so the app scanned the first time still gives codes.
    assert client.get(reverse("two-factor")).context["secret"] == first_key


def test_a_wrong_code_is_refused_with_a_message(client, editor, required):
    client.force_login(editor)
    client.get(reverse("two-factor"))
    response = client.post(reverse("two-factor"), {"token": "000000", "next": "/admin/"})
    assert "That code is not right" in response.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302


def test_supervisors_need_it_for_the_team_report(client, supervisor, required):
    client.force_login(supervisor)
    assert client.get(reverse("progress:team-report")).url.startswith(reverse("two-factor"))


def test_learners_never_see_it(learner_client, required):
    assert learner_client.get(reverse("home")).status_code == 200
    assert learner_client.get(reverse("education:lesson-index")).status_code == 200


def test_it_is_off_unless_turned_on(client, editor):
    client.force_login(editor)
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_redirect_elsewhere_after_the_code_is_refused(client, editor, required):
    client.force_login(editor)
    client.get(reverse("two-factor"))
    response = client.post(
        reverse("two-factor"),
        {"token": current_code(device_being_set_up(client)), "next": "https://evil.example/"},
    )
    assert response.url == reverse("home")


def test_someone_granted_every_learners_progress_needs_it_too(client, make_user, required):
    from django.contrib.auth.models import Permission

    manager = make_user("tamsin")
    manager.user_permissions.add(Permission.objects.get(codename="view_all_progress"))
    client.force_login(manager)
    assert client.get(reverse("progress:team-report")).url.startswith(reverse("two-factor"))
