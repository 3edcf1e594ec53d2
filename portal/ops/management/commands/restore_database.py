from django.core.management.base import BaseCommand, CommandError

from portal.ops.backups import BackupError, restore


class Command(BaseCommand):
    help = "Replace the database's content with a backup. Stop the app servers first."

    def add_arguments(self, parser):
        parser.add_argument("path", help="A file written by backup_database.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, path, yes, **options):
        if not yes:
            answer = input(
                "Everything in the database will be replaced by the backup. Type 'restore': "
            )
            if answer.strip() != "restore":
                raise CommandError("Nothing was changed.")
        try:
            restore(path)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Restored {path}"))
