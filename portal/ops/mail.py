"""Mail that never breaks a page: if the mail server is down, the message is queued in the
database and `manage.py send_queued_mail` (cron, every few minutes) sends it later."""

import logging

from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger(__name__)


class QueueOnFailureBackend(BaseEmailBackend):
    """Sends through the mailer named `inner` (e.g. "smtp" in MAILERS)."""

    def __init__(self, *, inner="smtp", **kwargs):
        super().__init__(**kwargs)
        self.inner = inner

    def send_messages(self, email_messages):
        from portal.ops.models import QueuedMail

        try:
            return mailers[self.inner].send_messages(email_messages)
        except Exception as error:
            logger.exception(
                "The mail server refused %d message(s); queued for retry", len(email_messages)
            )
            try:
                QueuedMail.objects.bulk_create(
                    QueuedMail.from_message(message, error=str(error))
                    for message in email_messages
                )
            except Exception:
                logger.exception("Could not queue the messages either; they are lost")
            return 0


class QueueBackend(BaseEmailBackend):
    """Only queues: for mail written in bulk during a request (welcome e-mails for an
    imported staff list), which must not wait on the mail server, however slow it is.
    `manage.py send_queued_mail` sends it within minutes."""

    def send_messages(self, email_messages):
        from portal.ops.models import QueuedMail

        messages = list(email_messages)
        QueuedMail.objects.bulk_create(QueuedMail.from_message(m, error="") for m in messages)
        return len(messages)


def send_queued(inner):
    """Try every unsent queued message once more; returns how many went out."""
    from django.utils import timezone

    from portal.ops.models import QueuedMail

    sent = 0
    for queued in QueuedMail.objects.filter(sent_at__isnull=True).order_by("id"):
        message = EmailMessage(
            subject=queued.subject, body=queued.body, from_email=queued.from_email, to=queued.to
        )
        try:
            mailers[inner].send_messages([message])
        except Exception as error:
            QueuedMail.objects.filter(pk=queued.pk).update(
                attempts=queued.attempts + 1, last_error=str(error)[:500]
            )
            continue
        QueuedMail.objects.filter(pk=queued.pk).update(
            sent_at=timezone.now(), attempts=queued.attempts + 1
        )
        sent += 1
    return sent
