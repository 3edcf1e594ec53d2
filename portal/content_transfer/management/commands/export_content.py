import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from portal.content_transfer.content_pack import export_pack


class Command(BaseCommand):
    help = (
        "Write every course, live lesson and quiz (with questions, choices and their workflow "
        "fields) as a JSON content pack, for import_content on another installation."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", metavar="FILE", help="Write the pack to this file (default: stdout)."
        )

    def handle(self, *args, output, **options):
        pack = export_pack()
        text = json.dumps(pack, indent=2, ensure_ascii=False) + "\n"
        if output is None:
            self.stdout.write(text, ending="")
            return
        try:
            with open(output, "w", encoding="utf-8") as file:
                file.write(text)
        except OSError as error:
            raise CommandError(
                _("Cannot write %(file)s: %(error)s") % {"file": output, "error": error.strerror}
            ) from error
        self.stdout.write(
            _(
                "Exported %(courses)d course(s), %(lessons)d lesson(s) and %(quizzes)d quiz(zes) to %(file)s."
            )
            % {
                "courses": len(pack["courses"]),
                "lessons": len(pack["lessons"]),
                "quizzes": len(pack["quizzes"]),
                "file": output,
            }
        )
