from django.core.management.base import BaseCommand

from portal.notifications.jobs import send_scheduled


class Command(BaseCommand):
    help = (
        "Daily: tell reviewers of clinical reviews coming due and supervisors of their staff's "
        "overdue training, each once (dashboard and queued e-mail)."
    )

    def handle(self, *args, **options):
        told = send_scheduled()
        self.stdout.write(f"Sent {told} notification(s).")
