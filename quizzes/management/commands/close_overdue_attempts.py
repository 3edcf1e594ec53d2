from django.core.management.base import BaseCommand

from quizzes.services import close_overdue_attempts


class Command(BaseCommand):
    help = (
        "Close attempts whose time ran out (deadline plus grace) and score the answers saved "
        "in time. Safe to run as often as you like, e.g. every few minutes from cron."
    )

    def handle(self, *args, **options):
        closed = close_overdue_attempts()
        self.stdout.write(f"Closed {closed} overdue attempt(s).")
