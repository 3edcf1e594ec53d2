import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from portal.content_transfer.content_pack import ContentPackError, import_pack


class Command(BaseCommand):
    help = (
        "Import a JSON content pack written by export_content. All or nothing: a malformed "
        "pack, or one whose slugs already exist here, is reported and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="The content pack (JSON).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the pack only; write nothing."
        )

    def handle(self, *args, file, dry_run, **options):
        data = self.read(file)
        try:
            summary = import_pack(data, dry_run=dry_run)
        except ContentPackError as error:
            raise CommandError(
                _("Nothing was imported from %(file)s; fix these problems first:") % {"file": file}
                + "\n"
                + "\n".join(error.problems)
            ) from error
        for line in summary.findings:  # item-writing findings, for the editor to weigh
            self.stderr.write(self.style.WARNING(line))
        self.stdout.write(self.style.SUCCESS(str(summary)))

    def read(self, file):
        try:
            with open(file, encoding="utf-8") as handle:
                return json.load(handle)
        except OSError as error:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": file, "error": error.strerror}
            ) from error
        except UnicodeDecodeError as error:
            raise CommandError(
                _("Cannot read %(file)s: it is not UTF-8 text.") % {"file": file}
            ) from error
        except json.JSONDecodeError as error:
            raise CommandError(
                _("%(file)s is not valid JSON: %(error)s (line %(line)d, column %(column)d).")
                % {"file": file, "error": error.msg, "line": error.lineno, "column": error.colno}
            ) from error
