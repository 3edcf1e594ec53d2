from django.core.management.base import BaseCommand

from education.workflow import publish_due_drafts


class Command(BaseCommand):
    help = (
        "Put live the scheduled new versions of courses, lessons and quizzes whose time has "
        "come. Run every minute from cron: pages never publish. Running it twice publishes "
        "nothing twice."
    )

    def handle(self, *args, **options):
        published = publish_due_drafts()
        for live in published:
            self.stdout.write(f"published {type(live)._meta.verbose_name} {live.slug}")
        self.stdout.write(f"{len(published)} scheduled version(s) put live.")
