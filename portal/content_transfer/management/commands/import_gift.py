from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from education.models import Status
from portal.content_transfer.gift import (
    GiftError,
    import_findings,
    import_questions,
    line_problem,
    parse_gift,
)
from quizzes.models import QuestionKind, Quiz


class Command(BaseCommand):
    help = (
        "Import questions from a Moodle GIFT file into a quiz, after its existing questions. "
        "A published quiz changes only through review: import into its draft (--draft). "
        "All or nothing: a file with any problem writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("quiz_slug", help=_("Slug of the quiz to add the questions to."))
        parser.add_argument("file", help=_("GIFT file (UTF-8)."))
        parser.add_argument(
            "--draft",
            action="store_true",
            help=_("Import into the draft of the published quiz (start it in the admin first)."),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Check the file and report what would be imported; write nothing."),
        )

    def handle(self, *args, quiz_slug, file, draft, dry_run, **options):
        quiz = self._target(quiz_slug, draft)
        questions = self._parse(Path(file))
        for question in questions:
            for warning in question.warnings:  # what did not carry over, such as an image
                self.stderr.write(self.style.WARNING(warning))
        findings = import_findings(quiz, questions)
        for line, finding in findings:
            report = f"{finding.severity}: {finding.message}"
            self.stderr.write(self.style.WARNING(line_problem(line, report) if line else report))
        errors = [line for line, finding in findings if finding.is_error]
        if errors and quiz.status in (Status.IN_REVIEW, Status.PUBLISHED):
            # Learners (or the reviewer) would get these at once: as refused as publishing.
            raise CommandError(
                _(
                    "Nothing was imported: the quiz is %(status)s and the question(s) on "
                    "line(s) %(lines)s have item-writing errors (above). Fix them in the file, "
                    "or import into a quiz that is still a draft."
                )
                % {
                    "status": quiz.get_status_display().lower(),
                    "lines": ", ".join(str(line) for line in errors),
                }
            )
        if dry_run:
            self.stdout.write(
                _("Dry run, nothing written: %(summary)s")
                % {"summary": self._summary(questions, quiz)}
            )
            return
        import_questions(quiz=quiz, questions=questions)
        self.stdout.write(self.style.SUCCESS(self._summary(questions, quiz)))

    def _target(self, slug, draft):
        live = Quiz.objects.live_rows().filter(slug=slug).first()
        if live is None:
            raise CommandError(_("There is no quiz with the slug %(slug)s.") % {"slug": slug})
        if draft:
            target = Quiz.objects.filter(draft_of=live).first()
            if target is None or not target.accepts_edits:
                raise CommandError(
                    _(
                        "“%(quiz)s” has no draft open for editing. Use “Edit (starts a draft)” on it in "
                        "the admin, then import again with --draft."
                    )
                    % {"quiz": live}
                )
            return target
        if live.is_live:
            # Learners would get the questions at once, with nobody having reviewed them.
            raise CommandError(
                _(
                    "Nothing was imported: “%(quiz)s” is %(status)s, and a published quiz "
                    "changes only through a reviewed draft. Use “Edit (starts a draft)” on it in the "
                    "admin, then import with --draft."
                )
                % {"quiz": live, "status": live.get_status_display().lower()}
            )
        return live

    def _parse(self, path):
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s") % {"path": path, "error": error}
            ) from error
        try:
            return parse_gift(text)
        except GiftError as error:
            raise CommandError(
                _("Nothing was imported; fix these problems in %(path)s first:") % {"path": path}
                + "\n"
                + "\n".join(error.problems)
            ) from error

    def _summary(self, questions, quiz):
        kinds = Counter(question.kind for question in questions)
        return ngettext(
            "%(count)d question for %(quiz)s (%(kinds)s).",
            "%(count)d questions for %(quiz)s (%(kinds)s).",
            len(questions),
        ) % {
            "count": len(questions),
            "quiz": quiz.slug,
            "kinds": ", ".join(
                f"{kinds[kind]} {kind.label.lower()}" for kind in QuestionKind if kinds[kind]
            ),
        }
