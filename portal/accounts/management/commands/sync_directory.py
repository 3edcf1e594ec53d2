from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.accounts.jobs import DirectoryUnavailable, sync_directory


class Command(BaseCommand):
    help = (
        "Daily: copy each directory account's name, e-mail, profession, team and roles from "
        "the directory, and deactivate those it no longer lists (their records are kept)."
    )

    def handle(self, *args, **options):
        if not getattr(settings, "AUTH_LDAP_SERVER_URI", ""):
            raise CommandError("No directory is configured: set LDAP_URL (see README.md).")
        try:
            result = sync_directory()
        except DirectoryUnavailable as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Checked {result.checked} directory account(s); "
            f"deactivated {len(result.deactivated)}: {', '.join(result.deactivated) or '-'}."
        )
