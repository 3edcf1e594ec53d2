from django.core.management.base import BaseCommand, CommandError

from portal.accounts.user_import import UserImportError, import_users


class Command(BaseCommand):
    help = (
        "Create staff training accounts from a CSV file with the columns "
        "username,email,display_name,profession,team,role. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="CSV file, UTF-8.")
        parser.add_argument(
            "--temporary-passwords",
            action="store_true",
            help="Print a temporary password per account; it must be changed at first sign-in.",
        )
        parser.add_argument(
            "--send-welcome",
            action="store_true",
            help="E-mail each account a link to set its password.",
        )

    def handle(self, *args, path, temporary_passwords, send_welcome, **options):
        try:
            with open(path, encoding="utf-8-sig") as csv_file:
                text = csv_file.read()
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        try:
            result = import_users(
                text, temporary_passwords=temporary_passwords, send_welcome=send_welcome
            )
        except UserImportError as error:
            raise CommandError(
                f"Nothing was imported from {path}:\n" + "\n".join(error.errors)
            ) from None
        for team in result.teams_created:
            self.stdout.write(f"Created team {team}")
        for account in result.accounts:
            line = f"Created {account.user.username}"
            if account.temporary_password:
                line += f"  temporary password: {account.temporary_password}"
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Imported {len(result.accounts)} accounts."))
