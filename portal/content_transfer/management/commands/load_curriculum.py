from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from education.models import Course
from portal.content_transfer.curriculum import (
    CURRICULUM_DIR,
    CurriculumError,
    LoadReport,
    parse_curriculum,
    write_courses,
    write_lessons,
)
from portal.content_transfer.curriculum_quizzes import parse_quizzes, write_quizzes
from portal.evaluations.defaults import add_default_questions


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
            # A course loaded for the first time gets the default evaluation questions.
            evaluated = add_default_questions(
                Course.objects.live_rows().filter(slug__in=[c["slug"] for c in courses])
            )
        for label in report.created:
            self.stdout.write(f"created   {label}")
        for label in report.updated:
            self.stdout.write(f"updated   {label}")
        if evaluated:
            self.stdout.write(f"evaluation questions added to {evaluated} course(s)")
        for label, reason in report.skipped:
            self.stdout.write(self.style.WARNING(f"skipped   {label}: {reason}"))
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(report.created)} created, {len(report.updated)} updated, "
                f"{len(report.unchanged)} unchanged, {len(report.skipped)} skipped."
            )
        )
