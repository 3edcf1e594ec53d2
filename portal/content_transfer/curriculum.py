"""Load the shipped curriculum (education/curriculum/) into the database.

Two phases: every file is read and checked first, and only a fully valid curriculum is
written, in one transaction. A lesson or course that somebody changed in the admin since the
last load (its current fingerprint differs from the one the loader stored) is never
overwritten; it is reported as skipped.
"""

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.text import slugify

from education.models import Course, Lesson, Status, Tag
from portal.content_transfer.model_rules import field_problems

# The curriculum is education's content; this app only reads and writes it.
# Django's own check, as its form fields apply it: the databases cannot store NUL. Every
# import path (curriculum files, content packs, GIFT) applies it.
NO_NUL = ProhibitNullCharactersValidator()
CURRICULUM_DIR = Path(__file__).resolve().parents[2] / "education" / "curriculum"
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FRONT_MATTER = "+++"


class CurriculumError(Exception):
    def __init__(self, problems):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class LoadReport:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # (label, reason)


def display_path(path):
    try:
        return str(path.relative_to(CURRICULUM_DIR.parent.parent))
    except ValueError:
        return str(path)


def read_front_matter(path):
    """Split a '+++ TOML +++ Markdown' file into (metadata, body)."""
    text = path.read_text(encoding="utf-8")
    try:
        NO_NUL(text)
    except ValidationError as error:
        raise ValueError(error.messages[0]) from None
    if not text.startswith(FRONT_MATTER):
        raise ValueError("the file must start with a +++ metadata header")
    header, separator, body = text[len(FRONT_MATTER) :].partition(f"\n{FRONT_MATTER}")
    if not separator:
        raise ValueError("the +++ metadata header is not closed")
    return tomllib.loads(header), body.lstrip("\n")


class Checker:
    """Collects problems with a file's metadata instead of stopping at the first one."""

    def __init__(self, path, meta, problems):
        self.path, self.meta, self.problems = display_path(path), meta, problems

    def problem(self, message):
        self.problems.append(f"{self.path}: {message}")

    def text(self, key, *, required=True):
        value = self.meta.get(key, "")
        if not isinstance(value, str) or (required and not value.strip()):
            self.problem(f"'{key}' must be {'non-empty ' if required else ''}text")
            return ""
        return value.strip()

    def slug(self, key):
        value = self.text(key)
        if value and not SLUG_RE.match(value):
            self.problem(f"'{key}' must be lower-case words joined by hyphens, not {value!r}")
        return value

    def number(self, key, *, minimum, maximum, default=None):
        value = self.meta.get(key, default)
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or not minimum <= value <= maximum
        ):
            self.problem(f"'{key}' must be a whole number from {minimum} to {maximum}")
            return minimum
        return value

    def text_list(self, key, *, required=False):
        value = self.meta.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.problem(f"'{key}' must be a list of non-empty texts")
            return []
        if required and not value:
            self.problem(f"'{key}' must list at least one item")
        return [v.strip() for v in value]


def _read(path, problems):
    try:
        return read_front_matter(path)
    except (ValueError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        problems.append(f"{display_path(path)}: {error}")
        return None, None


def parse_courses(directory, problems):
    courses = []
    for path in sorted((directory / "courses").glob("*.md")):
        meta, body = _read(path, problems)
        if meta is None:
            continue
        check = Checker(path, meta, problems)
        courses.append(
            {
                "path": check.path,
                "slug": check.slug("slug"),
                "title": check.text("title"),
                "position": check.number("position", minimum=0, maximum=10_000),
                "audience": check.text("audience", required=False),
                "objectives": "\n".join(check.text_list("objectives")),
                "disclaimer": check.text("disclaimer", required=False),
                "summary": body.strip(),
            }
        )
    return courses


def parse_lessons(directory, problems):
    lessons = []
    for path in sorted((directory / "lessons").glob("*.md")):
        meta, body = _read(path, problems)
        if meta is None:
            continue
        check = Checker(path, meta, problems)
        if not body.strip():
            check.problem("the lesson text after the header is empty")
        lessons.append(
            {
                "path": check.path,
                "slug": check.slug("slug"),
                "course": check.slug("course"),
                "title": check.text("title"),
                "position": check.number("position", minimum=0, maximum=10_000),
                "estimated_minutes": check.number("minutes", minimum=1, maximum=600),
                "summary": check.text("summary", required=False),
                "objectives": "\n".join(check.text_list("objectives", required=True)),
                "key_points": "\n".join(check.text_list("key_points")),
                "references": "\n".join(check.text_list("references")),
                "reviewer_notes": "\n".join(check.text_list("reviewer_notes")),
                "tags": sorted(set(check.text_list("tags"))),
                "body": body.strip() + "\n",
            }
        )
    return lessons


# A file's key for a model field, where the two differ.
FILE_KEYS = {"estimated_minutes": "minutes"}


def check_model_rules(model, data, names, problems, where=""):
    """Report what the model's own rules (lengths, ranges, required text) say of the values
    a curriculum file gives it; asked once every file reads, so that a value the format
    refused is not reported twice."""
    obj = model(**{name: data[name] for name in names})
    for key, message in field_problems(obj, names):
        key = f"'{FILE_KEYS.get(key, key)}': " if key else ""
        problems.append(f"{data['path']}: {where}{key}{message}")


def check_unique(items, key, kind, problems):
    seen = {}
    for item in items:
        value = item[key]
        if value in seen:
            problems.append(f"{item['path']}: {kind} slug {value!r} is also used by {seen[value]}")
        seen[value] = item["path"]


def fingerprint(values):
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


COURSE_FIELDS = ("title", "position", "audience", "objectives", "disclaimer", "summary")
LESSON_FIELDS = (
    "title", "position", "estimated_minutes", "summary", "objectives", "key_points",
    "references", "reviewer_notes", "body",
)  # fmt: skip
# Fields added after hospitals had loaded the curriculum. While empty they are left out of
# the state a fingerprint is taken of, so that an item loaded before they existed is not
# mistaken for one an editor has changed since.
LATER_FIELDS = ("reviewer_notes", "reviewer_note", "disclaimer")


def without_empty_later_fields(state):
    return {name: value for name, value in state.items() if name not in LATER_FIELDS or value}


def read_facts(directory=CURRICULUM_DIR):
    """The source article's facts (facts.toml): {id: statement}; empty if there is none."""
    path = directory / "facts.toml"
    if not path.exists():
        return {}
    return tomllib.loads(path.read_text(encoding="utf-8"))["facts"]


def course_state(course):
    return without_empty_later_fields(
        {
            **{name: getattr(course, name) for name in COURSE_FIELDS},
            "status": course.status,
        }
    )


def lesson_state(lesson, tags):
    return without_empty_later_fields(
        {
            **{name: getattr(lesson, name) for name in LESSON_FIELDS},
            "course": lesson.course.slug,
            "tags": sorted(tags),
            "status": lesson.status,
            "clinical_reviewer": lesson.clinical_reviewer_id,
            "reviewed_on": lesson.reviewed_on,
        }
    )


def parse_curriculum(directory=CURRICULUM_DIR):
    """Read and check every course and lesson file; raise CurriculumError listing problems."""
    problems = []
    courses = parse_courses(directory, problems)
    lessons = parse_lessons(directory, problems)
    check_unique(courses, "slug", "course", problems)
    check_unique(lessons, "slug", "lesson", problems)
    known_courses = {c["slug"] for c in courses} | set(
        Course.objects.values_list("slug", flat=True)
    )
    for lesson in lessons:
        if lesson["course"] and lesson["course"] not in known_courses:
            problems.append(f"{lesson['path']}: unknown course {lesson['course']!r}")
    if not problems:
        for course in courses:
            check_model_rules(Course, course, ("slug", *COURSE_FIELDS), problems)
        for lesson in lessons:
            check_model_rules(Lesson, lesson, ("slug", *LESSON_FIELDS), problems)
    if problems:
        raise CurriculumError(problems)
    return courses, lessons


def _plan(obj, loaded_state, desired_state):
    """What to do with an existing object: 'skip' (edited), 'unchanged' or 'update'."""
    if obj.loaded_fingerprint != fingerprint(loaded_state):
        return "skip"
    if fingerprint(desired_state) == obj.loaded_fingerprint:
        return "unchanged"
    return "update"


def _record(report, outcome, label):
    if outcome == "skip":
        report.skipped.append((label, "edited in the admin since the last load"))
    else:
        {"create": report.created, "update": report.updated, "unchanged": report.unchanged}[
            outcome
        ].append(label)


def write_courses(courses, report):
    # Only live courses: a draft of a published course shares its slug.
    existing = {
        course.slug: course
        for course in Course.objects.live_rows().filter(slug__in=[c["slug"] for c in courses])
    }
    for data in courses:
        values = {name: data[name] for name in COURSE_FIELDS}
        course = existing.get(data["slug"])
        if course is None:
            course = Course(slug=data["slug"], status=Status.PUBLISHED)
            outcome = "create"
        else:
            before = course_state(course)
            outcome = _plan(course, before, without_empty_later_fields({**before, **values}))
        if outcome in {"create", "update"}:
            for name, value in values.items():
                setattr(course, name, value)
            course.loaded_fingerprint = fingerprint(course_state(course))
            course.save()
        _record(report, outcome, f"course {data['slug']}")


def write_lessons(lessons, report):
    courses = {course.slug: course for course in Course.objects.live_rows()}
    # Only live lessons: a draft of a published lesson shares its slug.
    existing = {
        lesson.slug: lesson
        for lesson in Lesson.objects.live_rows()
        .filter(slug__in=[data["slug"] for data in lessons])
        .prefetch_related("tags")
        .select_related("course")
    }
    tags = {}
    for data in lessons:
        for name in data["tags"]:
            if slugify(name) not in tags:
                tags[slugify(name)] = Tag.objects.get_or_create(
                    slug=slugify(name), defaults={"name": name.replace("-", " ").capitalize()}
                )[0]
        values = {name: data[name] for name in LESSON_FIELDS}
        values["course"] = courses[data["course"]]
        new_tags = [tags[slugify(name)] for name in data["tags"]]
        new_tag_names = [tag.name for tag in new_tags]
        lesson = existing.get(data["slug"])
        if lesson is None:
            lesson = Lesson(slug=data["slug"], status=Status.PUBLISHED)
            outcome = "create"
        else:
            before = lesson_state(lesson, [tag.name for tag in lesson.tags.all()])
            desired = without_empty_later_fields(
                {**before, **values, "course": data["course"], "tags": sorted(new_tag_names)}
            )
            outcome = _plan(lesson, before, desired)
        if outcome in {"create", "update"}:
            for name, value in values.items():
                setattr(lesson, name, value)
            lesson.loaded_fingerprint = fingerprint(lesson_state(lesson, new_tag_names))
            lesson.save()
            lesson.tags.set(new_tags)
        _record(report, outcome, f"lesson {data['slug']}")
