from django.core.management.base import BaseCommand

from portal.accounts.models import User
from portal.progress.services import record_missed_completions


class Command(BaseCommand):
    help = (
        "Record course completions that no lesson or quiz event recorded, e.g. after a course "
        "lost a lesson or quiz so that earlier work now completes it. Run hourly from cron; "
        "running it twice records nothing twice."
    )

    def handle(self, *args, **options):
        count = record_missed_completions(User.objects.filter(is_active=True))
        self.stdout.write(f"Recorded {count} missed course completion(s).")
