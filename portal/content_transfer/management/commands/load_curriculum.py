from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.content_transfer.curriculum import (
    CURRICULUM_DIR,
    CurriculumError,
    LoadReport,
    parse_curriculum,
    write_courses,
    write_lessons,
)
from portal.content_transfer.curriculum_quizzes import parse_quizzes, write_quizzes


class Command(BaseCommand):
    help = (
        "Create or update the shipped courses, lessons and quizzes from education/curriculum/. "
        "Never overwrites content edited in the admin; all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--directory", default=CURRICULUM_DIR, help="Curriculum folder.")

    def handle(self, *args, directory, **options):
        directory = Path(directory)
        try:
            courses, lessons = parse_curriculum(directory)
        except CurriculumError as error:
            problems = error.problems  # quizzes are checked once their lessons are sound
        else:
            problems = []
            quizzes = parse_quizzes(lessons, problems, directory)
        if problems:
            raise CommandError(
                "Nothing was loaded; fix these files first:\n" + "\n".join(problems)
            )
        report = LoadReport()
        with transaction.atomic():
            write_courses(courses, report)
            write_lessons(lessons, report)
            write_quizzes(quizzes, report)
        for label in report.created:
            self.stdout.write(f"created   {label}")
        for label in report.updated:
            self.stdout.write(f"updated   {label}")
        for label, reason in report.skipped:
            self.stdout.write(self.style.WARNING(f"skipped   {label}: {reason}"))
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(report.created)} created, {len(report.updated)} updated, "
                f"{len(report.unchanged)} unchanged, {len(report.skipped)} skipped."
            )
        )
