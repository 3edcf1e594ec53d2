from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    SUBMITTED = "submitted", _("Content submitted for clinical review")
    REVIEW_DUE = "review_due", _("Clinical reviews coming due")
    PROBLEM_REPORTED = "problem_reported", _("New problem reports from learners")
    REPORT_RESOLVED = "report_resolved", _("Your problem reports resolved")
    STAFF_OVERDUE = "staff_overdue", _("Your staff's overdue training")


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One notice to one person, shown on their dashboard (and e-mailed unless they turned
    that kind of e-mail off). `key` names what it is about, so a scheduled job that runs
    again never tells anyone the same thing twice."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=NoticeKind)
    key = models.CharField(_("about"), max_length=200)
    text = models.CharField(_("text"), max_length=500)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"], name="notification_once_per_recipient"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=NoticeKind.values), name="notification_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self):
        return self.text


class EmailOptOut(models.Model):
    """A kind of notice this person no longer wants by e-mail (it still shows in the
    portal)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_opt_outs"
    )
    kind = models.CharField(max_length=30, choices=NoticeKind)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="email_opt_out_once"),
            models.CheckConstraint(
                condition=Q(kind__in=NoticeKind.values), name="email_opt_out_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.user}: {self.get_kind_display()}"
