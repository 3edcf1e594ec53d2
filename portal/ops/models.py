from django.db import models
from django.utils.translation import gettext_lazy as _


class QueuedMail(models.Model):
    """A message the mail server refused, waiting for `manage.py send_queued_mail`."""

    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    from_email = models.CharField(_("from"), max_length=300)
    to = models.JSONField(_("to"))
    created_at = models.DateTimeField(_("queued"), auto_now_add=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("queued e-mail")
        verbose_name_plural = _("queued e-mails")

    def __str__(self):
        return f"{self.subject} → {', '.join(self.to)}"

    @classmethod
    def from_message(cls, message, *, error):
        return cls(
            subject=str(message.subject)[:300],
            body=message.body,
            from_email=message.from_email,
            to=list(message.to) + list(message.cc) + list(message.bcc),
            last_error=error[:500],
        )
