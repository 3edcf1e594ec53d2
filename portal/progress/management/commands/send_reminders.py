from django.core.management.base import BaseCommand

from portal.progress.reminders import send_reminders


class Command(BaseCommand):
    help = (
        "E-mail learners about assigned training 7 days and 1 day before it is due and when it "
        "is overdue, once each. Run daily from cron; running it twice sends nothing new."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"Sent {send_reminders()} reminder(s).")
