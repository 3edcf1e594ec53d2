from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from education.models import Status
from portal.content_transfer.curriculum import CURRICULUM_DIR, CurriculumError, parse_curriculum
from portal.content_transfer.curriculum_quizzes import parse_quizzes
from quizzes.item_checks import Item, check_quiz
from quizzes.models import Quiz


class Command(BaseCommand):
    help = (
        "Check quiz questions against the item-writing rules (quizzes/item_checks.py): every "
        "quiz that is not archived, or one, or the shipped curriculum files. Exits with an "
        "error status when any error is found."
    )

    def add_arguments(self, parser):
        parser.add_argument("quiz", nargs="?", help="The address (slug) of one quiz.")
        parser.add_argument(
            "--curriculum",
            action="store_true",
            help="Check the curriculum files instead of the quizzes in the database.",
        )
        parser.add_argument("--directory", default=CURRICULUM_DIR, help="Curriculum folder.")
        parser.add_argument(
            "--summary", action="store_true", help="Print the table only, not each finding."
        )

    def handle(self, *args, quiz, curriculum, directory, summary, **options):
        results = (
            self.from_files(Path(directory), quiz) if curriculum else self.from_database(quiz)
        )
        if not results:
            raise CommandError(f"No quiz {quiz!r} was found." if quiz else "No quiz to check.")
        if not summary:
            self.print_findings(results)
        self.print_table(results)
        errors = sum(f.is_error for _label, _count, findings in results for f in findings)
        if errors:
            raise CommandError(
                f"{errors} error(s): a quiz with an error cannot be submitted or published."
            )

    def from_database(self, slug):
        quizzes = Quiz.objects.exclude(status=Status.ARCHIVED).select_related("lesson")
        if slug:
            quizzes = quizzes.filter(slug=slug)
        return [
            (
                f"{quiz.slug}{' (draft)' if quiz.draft_of_id else ''}",
                quiz.questions.filter(is_active=True).count(),
                quiz.item_findings(),
            )
            for quiz in quizzes.order_by("position", "slug", "id")
        ]

    def from_files(self, directory, slug):
        try:
            _courses, lessons = parse_curriculum(directory)
        except CurriculumError as error:
            problems = error.problems
        else:
            problems = []
            quizzes = parse_quizzes(lessons, problems, directory)
        if problems:
            raise CommandError("The curriculum files do not load:\n" + "\n".join(problems))
        bodies = {lesson["slug"]: lesson["body"] for lesson in lessons}
        return [
            (
                quiz["slug"],
                len(quiz["questions"]),
                check_quiz(
                    [Item.from_data(question) for question in quiz["questions"]],
                    bodies.get(quiz["lesson"], ""),
                ),
            )
            for quiz in quizzes
            if not slug or quiz["slug"] == slug
        ]

    def print_findings(self, results):
        for label, _count, findings in results:
            if not findings:
                continue
            self.stdout.write(label)
            for finding in findings:
                where = f"Q{finding.question}" if finding.question else "quiz"
                style = self.style.ERROR if finding.is_error else self.style.WARNING
                self.stdout.write(
                    f"  {where:<5} {style(finding.severity):<8} {finding.code}: {finding.message}"
                )
        self.stdout.write("")

    def print_table(self, results):
        width = max(len("Quiz"), *(len(label) for label, _count, _findings in results))
        self.stdout.write(f"{'Quiz':<{width}}  Questions  Errors  Warnings")
        totals = [0, 0, 0]
        codes = Counter()
        for label, count, findings in results:
            errors = sum(f.is_error for f in findings)
            row = (count, errors, len(findings) - errors)
            totals = [a + b for a, b in zip(totals, row, strict=True)]
            codes.update(f.code for f in findings)
            self.stdout.write(f"{label:<{width}}  {row[0]:>9}  {row[1]:>6}  {row[2]:>8}")
        self.stdout.write(f"{'Total':<{width}}  {totals[0]:>9}  {totals[1]:>6}  {totals[2]:>8}")
        for code, number in sorted(codes.items()):
            self.stdout.write(f"  {code}: {number}")
