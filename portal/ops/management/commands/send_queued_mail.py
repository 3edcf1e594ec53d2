from django.conf import settings
from django.core.management.base import BaseCommand

from portal.ops.mail import send_queued


class Command(BaseCommand):
    help = "Send the e-mails that were queued while the mail server was down. Run from cron."

    def handle(self, *args, **options):
        inner = settings.MAILERS["default"].get("OPTIONS", {}).get("inner", "default")
        self.stdout.write(f"Sent {send_queued(inner)} queued e-mail(s).")
