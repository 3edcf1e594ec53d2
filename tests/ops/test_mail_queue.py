import socket

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from portal.ops.models import QueuedMail


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def mail_server_down(settings):
    smtp = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": closed_port(), "timeout": 2},
    }
    settings.MAILERS = {
        "default": {
            "BACKEND": "portal.ops.mail.QueueOnFailureBackend",
            "OPTIONS": {"inner": "smtp"},
        },
        "smtp": smtp,
    }
    return settings


def test_a_password_reset_with_the_mail_server_down_still_works_and_queues(
    client, learner, mail_server_down, caplog
):
    response = client.post(reverse("password_reset"), {"email": learner.email})
    assert response.status_code == 302
    queued = QueuedMail.objects.get()
    assert queued.to == [learner.email]
    assert "/password/reset/" in queued.body
    assert "queued for retry" in caplog.text


def test_queued_mail_goes_out_when_the_server_is_back(client, learner, mail_server_down, settings):
    client.post(reverse("password_reset"), {"email": learner.email})
    settings.MAILERS = {
        **settings.MAILERS,
        "smtp": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"},
    }
    call_command("send_queued_mail")
    assert [m.to for m in mail.outbox] == [[learner.email]]
    assert QueuedMail.objects.get().sent_at is not None
    call_command("send_queued_mail")
    assert len(mail.outbox) == 1
