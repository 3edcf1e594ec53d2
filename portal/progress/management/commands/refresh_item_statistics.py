from django.core.management.base import BaseCommand

from portal.progress import statistics
from portal.progress.models import ItemStatistics
from quizzes.models import Quiz


class Command(BaseCommand):
    help = (
        "Recompute item statistics of quizzes that have new attempts (or all with --all). "
        "Run it from cron, e.g. every 15 minutes; the statistics pages read what it stores."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Recompute every quiz.")

    def handle(self, *args, all, **options):
        fresh = set(
            ItemStatistics.objects.filter(stale=False).values_list(
                "quiz_id", "first_attempts_only"
            )
        )
        count = 0
        for quiz in Quiz.objects.filter(attempts__isnull=False).distinct():
            for first_only in (True, False):
                if all or (quiz.pk, first_only) not in fresh:
                    statistics.refresh(quiz, first_only=first_only)
                    count += 1
        self.stdout.write(f"Recomputed {count} set(s) of statistics.")
