"""The mail server down when reminders or password-reset mails go out: the page still works,
the failure is logged, and the mail goes out later, once the server is back, through the
jobs cron runs.

The mailer is the one production builds from EMAIL_URL (portal/settings.py, evaluated again
with EMAIL_URL=smtp://127.0.0.1:<a closed port>), so this is the real SMTP backend meeting a
refused connection; later a small SMTP server starts on that port. SQLite and PostgreSQL.
"""

import copy
import email
import email.policy
import importlib.util
import io
import logging
import os
from datetime import timedelta

import pytest
from django.core.management import call_command, get_commands
from django.urls import reverse
from django.utils import timezone

from portal.progress.models import Assignment
from portal.progress.reminders import send_reminders
from tests.education.factories import make_course
from tests.production.harness import BASE_DIR, FakeSMTPServer, free_port

pytestmark = [pytest.mark.production, pytest.mark.django_db]

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def deployed_mailers(email_url):
    """settings.MAILERS exactly as portal/settings.py builds it in production for this
    EMAIL_URL (DEBUG off), without touching the settings this test run uses."""
    overrides = {"EMAIL_URL": email_url, "DJANGO_DEBUG": "0"}
    saved = {key: os.environ.get(key) for key in overrides}
    os.environ.update(overrides)
    try:
        spec = importlib.util.spec_from_file_location(
            "portal_settings_as_deployed", BASE_DIR / "portal" / "settings.py"
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return copy.deepcopy(module.MAILERS)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# Without a retrying layer in front of SMTP a refused password-reset mail is only logged.
MAIL_IS_NOT_RETRIED = (
    deployed_mailers("smtp://127.0.0.1:25")["default"].get("BACKEND", SMTP_BACKEND) == SMTP_BACKEND
)


@pytest.fixture
def mail_server_down(settings):
    """Production's mailer pointed at a port where nothing listens; returns the port, where
    FakeSMTPServer(port) can later play the mail server coming back."""
    port = free_port()
    settings.MAILERS = deployed_mailers(f"smtp://127.0.0.1:{port}")
    return port


def refusal_logged(caplog):
    """An error was logged, carrying the refused connection."""
    return [
        record
        for record in caplog.records
        if record.levelno >= logging.ERROR
        and record.exc_info
        and isinstance(record.exc_info[1], ConnectionRefusedError)
    ]


def run_mail_jobs(today):
    """What cron runs every few minutes (README): the reminders, and the mail queue where the
    portal has one."""
    send_reminders(today)
    if "send_queued_mail" in get_commands():
        call_command("send_queued_mail", stdout=io.StringIO())


def received(smtp):
    """(recipients, subject, text) of each message the mail server was given."""
    messages = []
    for message in smtp.messages:
        parsed = email.message_from_bytes(message["data"], policy=email.policy.default)
        messages.append((message["to"], parsed["Subject"], parsed.get_body().get_content()))
    return messages


def test_the_password_reset_page_works_while_the_mail_server_is_down(
    client, learner, mail_server_down, caplog
):
    response = client.post(reverse("password_reset"), {"email": learner.email})

    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert client.get(response.url).status_code == 200
    assert refusal_logged(caplog), caplog.text


@pytest.mark.xfail(
    MAIL_IS_NOT_RETRIED,
    strict=True,
    reason="EMAIL_URL=smtp://... gives the bare SMTP backend: a refused password-reset mail "
    "is logged by Django and dropped, never retried (portal/settings.py should wrap it in "
    "portal.ops.mail.QueueOnFailureBackend)",
)
def test_a_password_reset_mail_refused_by_the_mail_server_goes_out_once_it_is_back(
    client, learner, mail_server_down
):
    client.post(reverse("password_reset"), {"email": learner.email})

    with FakeSMTPServer(mail_server_down) as smtp:
        run_mail_jobs(timezone.localdate())
        run_mail_jobs(timezone.localdate())

    [(to, _subject, text)] = received(smtp)
    assert to == [learner.email]
    assert "/accounts/password/reset/" in text


def test_reminders_while_the_mail_server_is_down_are_logged_and_sent_once_it_is_back(
    learner, supervisor, mail_server_down, caplog
):
    today = timezone.localdate()
    course = make_course("foundations")
    Assignment.objects.create(
        course=course, learner=learner, due_on=today + timedelta(days=1), assigned_by=supervisor
    )

    send_reminders(today)  # must not raise

    assert refusal_logged(caplog), caplog.text
    with FakeSMTPServer(mail_server_down) as smtp:
        run_mail_jobs(today)
        run_mail_jobs(today)  # a second run sends nothing twice
    [(to, subject, text)] = received(smtp)
    assert to == [learner.email]
    assert subject == "Training due soon: Foundations"
    assert 'The course "Foundations" is assigned to you' in text
