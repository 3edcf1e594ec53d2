"""sync_directory (daily): leavers deactivated within a day, everyone else's entry copied.

A person the directory no longer lists (removed, or disabled in Active Directory), or who
left the portal's group, is deactivated: signed out at their next page, their records kept.
While the directory does not answer nobody is deactivated: an outage is not a leaver.
"""

import logging
from dataclasses import dataclass, field

from django_auth_ldap.backend import ldap_error

from portal.accounts.backends import DirectoryBackend
from portal.accounts.models import User

logger = logging.getLogger(__name__)


class DirectoryUnavailable(Exception):
    pass


@dataclass
class SyncResult:
    checked: int = 0
    deactivated: list = field(default_factory=list)


def sync_directory():
    backend = DirectoryBackend()
    errors = []

    def note_error(sender, exception, **kwargs):
        errors.append(exception)

    ldap_error.connect(note_error, sender=DirectoryBackend, weak=False)
    result = SyncResult()
    try:
        people = User.objects.filter(is_active=True).exclude(directory_dn="").order_by("pk")
        for user in people.iterator():
            errors_before = len(errors)
            refreshed = backend.refresh(user.username)
            if len(errors) > errors_before:
                raise DirectoryUnavailable(
                    f"The directory did not answer while checking {user.username}: "
                    f"{errors[-1]!r}. Nobody was deactivated after that point."
                )
            result.checked += 1
            if refreshed is None:
                user.is_active = False
                user.save(update_fields=["is_active"])
                logger.info("Deactivated %s: no longer in the directory", user.username)
                result.deactivated.append(user.username)
    finally:
        ldap_error.disconnect(note_error, sender=DirectoryBackend)
    return result
