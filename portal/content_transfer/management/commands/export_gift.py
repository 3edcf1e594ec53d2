from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.content_transfer.gift import export_gift, gift_form
from quizzes.models import Quiz


class Command(BaseCommand):
    help = "Export a quiz's questions in Moodle's GIFT format, to standard output or a file."

    def add_arguments(self, parser):
        parser.add_argument("quiz_slug", help=_("Slug of the quiz to export."))
        parser.add_argument("--output", help=_("Write to this file instead of standard output."))
        parser.add_argument(
            "--include-retired",
            action="store_true",
            help=_("Export retired (inactive) questions too."),
        )

    def handle(self, *args, quiz_slug, output, include_retired, **options):
        quiz = Quiz.objects.live_rows().filter(slug=quiz_slug).first()
        if quiz is None:
            raise CommandError(_("There is no quiz with the slug %(slug)s.") % {"slug": quiz_slug})
        questions = quiz.questions.prefetch_related("choices")
        if not include_retired:
            questions = questions.filter(is_active=True)
        questions = list(questions)
        gift = f"// {quiz.title} ({quiz.slug})\n\n" + export_gift(questions)
        if output:
            Path(output).write_text(gift, encoding="utf-8")
        else:
            self.stdout.write(gift, ending="")
        self._report(questions, output)

    def _report(self, questions, output):
        # On stderr, so that the GIFT on standard output can be piped into a file as it is.
        skipped = sum(gift_form(question) is None for question in questions)
        written = len(questions) - skipped
        self.stderr.write(
            ngettext(
                "Exported %(count)d question to %(target)s.",
                "Exported %(count)d questions to %(target)s.",
                written,
            )
            % {"count": written, "target": output or _("standard output")}
        )
        if skipped:
            self.stderr.write(
                self.style.WARNING(
                    ngettext(
                        "%(count)d question was not exported: its answer key does not fit its "
                        "kind (see the comment in the file).",
                        "%(count)d questions were not exported: their answer keys do not fit "
                        "their kinds (see the comments in the file).",
                        skipped,
                    )
                    % {"count": skipped}
                )
            )
