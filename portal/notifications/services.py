"""Telling people what needs them: each notice once per person (a unique key), on their
dashboard, and by e-mail unless they turned that kind off. E-mail is queued (the 'queue'
mailer) and sent by send_queued_mail, so no page or job waits on the mail server."""

from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, mailers
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from portal.notifications.models import EmailOptOut, Notification


def notify(recipients, *, kind, key, text, url=""):
    """Tell each active person in `recipients` once about `key`. Returns how many were
    told now (those told before are skipped)."""
    told = []
    for user in recipients:
        if not user.is_active:
            continue
        try:
            with transaction.atomic():
                Notification.objects.create(
                    recipient=user, kind=kind, key=key[:200], text=text[:500], url=url
                )
        except IntegrityError:
            continue  # told already (this job ran before, or runs beside us)
        told.append(user)
    opted_out = set(
        EmailOptOut.objects.filter(kind=kind, user__in=told).values_list("user_id", flat=True)
    )
    mailers["queue"].send_messages(
        [
            EmailMessage(
                render_to_string("notifications/email/subject.txt", {"text": text}).strip(),
                render_to_string("notifications/email/body.txt", {"user": user, "text": text}),
                None,
                [user.email],
            )
            for user in told
            if user.email and user.pk not in opted_out
        ]
    )
    return len(told)


def with_permission(codename):
    """Active people who have `codename` ("app.perm") through a role or their own
    permissions (not superusers: IT's accounts get no editorial mail)."""
    app_label, name = codename.split(".")

    def granted(path):
        return Q(**{f"{path}__codename": name, f"{path}__content_type__app_label": app_label})

    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(granted("groups__permissions") | granted("user_permissions"))
        .distinct()
    )


def mark_read(user, pks=None):
    """Mark `user`'s unread notices read (those of `pks` only, if given)."""
    unread = Notification.objects.unread().filter(recipient=user)
    if pks is not None:
        unread = unread.filter(pk__in=pks)
    return unread.update(read_at=timezone.now())


def set_email_opt_outs(user, kinds):
    """`user` gets no e-mail for `kinds` from now on, and e-mail for every other kind."""
    with transaction.atomic():
        EmailOptOut.objects.filter(user=user).exclude(kind__in=kinds).delete()
        for kind in kinds:
            EmailOptOut.objects.get_or_create(user=user, kind=kind)
