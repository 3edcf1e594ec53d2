from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from portal.ops.backups import BackupError, backup


class Command(BaseCommand):
    help = "Back up the whole database to a file (default: var/backups/portal-<time>.<ext>)."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="File to write.")

    def handle(self, *args, output, **options):
        if output is None:
            folder = Path(settings.VAR_DIR) / "backups"
            folder.mkdir(parents=True, exist_ok=True)
            ext = "dump" if connection.vendor == "postgresql" else "sqlite3"
            output = folder / f"portal-{datetime.now():%Y%m%d-%H%M%S}.{ext}"
        try:
            backup(output)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Backed up to {output}"))
