"""Move content between installations (staging to production) as a JSON content pack.

A pack holds courses, live lessons, quizzes, their questions and choices, with their
editorial workflow and clinical sign-off fields. Import is all or nothing, in two phases
like the curriculum loader: the whole pack is checked first and every problem is reported
with its JSON path ("lessons[3].course: unknown course 'x'"); only a pack without problems
is written, in one transaction.

Each quiz's questions go through the item-writing checker (quizzes/item_checks.py): the
findings are reported with the question they concern, and an error in a quiz the pack marks as
in review or published refuses the pack, as it would refuse publishing here.

An import never merges: a course, lesson or quiz whose slug already exists here is a
conflict. Imported objects get no loader fingerprint, so `load_curriculum` treats them as
edited content and never overwrites them.

This app sits above education and quizzes, and imports both.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from education.models import Course, Lesson, Status, Tag
from portal.content_transfer.curriculum import NO_NUL, SLUG_RE
from quizzes.item_checks import Item, check_quiz
from quizzes.kinds import answer_key_problems
from quizzes.models import Choice, Question, QuestionKind, Quiz, ReviewMode

FORMAT = "mbc-portal-content-pack"
VERSION = 1
CHANGE_REASON = "imported from a content pack"

SMALL_INT_MAX = 32_767  # PositiveSmallIntegerField, the same on every database
INT_MAX = 2_147_483_647  # PositiveIntegerField

SIGN_OFF_FIELDS = ("status", "publish_at", "clinical_reviewer", "reviewed_on", "next_review_due")
COURSE_FIELDS = ("slug", "title", "summary", "audience", "objectives", "position", "disclaimer")
LESSON_FIELDS = (
    "slug", "course", "title", "summary", "objectives", "body", "key_points", "references",
    "estimated_minutes", "position", "tags", "material_change_at", "reviewer_notes",
)  # fmt: skip
QUIZ_FIELDS = (
    "slug", "title", "lesson", "course", "introduction", "pass_mark", "attempts_allowed",
    "time_limit_minutes", "shuffle_questions", "shuffle_choices", "draw_count",
    "partial_credit", "review_mode", "position",
)  # fmt: skip
QUESTION_FIELDS = (
    "kind", "vignette", "stem", "rationale", "points", "position", "objective", "is_active",
    "reviewer_note",
)  # fmt: skip
CHOICE_FIELDS = ("text", "is_correct", "feedback", "position")
# Fields added after version 1 packs were first written: a pack without them still imports.
LATER_FIELDS = ("disclaimer", "reviewer_notes", "reviewer_note")
# A quiz in one of these states has passed (or is at) review: an item-writing error refuses it.
REVIEWED_STATES = (Status.IN_REVIEW, Status.PUBLISHED)


class ContentPackError(Exception):
    """The pack cannot be imported; `problems` lists every reason. Nothing was written."""

    def __init__(self, problems):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class ImportSummary:
    courses: int = 0
    lessons: int = 0
    quizzes: int = 0
    questions: int = 0
    choices: int = 0
    tags_created: int = 0
    dry_run: bool = False
    # "quizzes[0] 'slug', question 3: warning: ..." lines from the item-writing checker.
    findings: list = field(default_factory=list)

    def __str__(self):
        counts = {
            "courses": self.courses,
            "lessons": self.lessons,
            "quizzes": self.quizzes,
            "questions": self.questions,
            "choices": self.choices,
            "tags": self.tags_created,
        }
        if self.dry_run:
            return (
                _(
                    "Dry run: the pack is sound and would import %(courses)d course(s), "
                    "%(lessons)d lesson(s), %(quizzes)d quiz(zes), %(questions)d question(s) "
                    "and %(choices)d choice(s), creating %(tags)d new tag(s). Nothing was written."
                )
                % counts
            )
        return (
            _(
                "Imported %(courses)d course(s), %(lessons)d lesson(s), %(quizzes)d quiz(zes), "
                "%(questions)d question(s) and %(choices)d choice(s); created %(tags)d new tag(s)."
            )
            % counts
        )


# Export -----------------------------------------------------------------------------------


def _iso(value):
    return value.isoformat() if value is not None else None


def _username(user):
    return user.get_username() if user is not None else None


def _sign_off(obj):
    return {
        "status": obj.status,
        "publish_at": _iso(obj.publish_at),
        "clinical_reviewer": _username(obj.clinical_reviewer),
        "reviewed_on": _iso(obj.reviewed_on),
        "next_review_due": _iso(obj.next_review_due),
    }


def _export_course(course):
    return {name: getattr(course, name) for name in COURSE_FIELDS} | _sign_off(course)


def _export_lesson(lesson):
    values = {name: getattr(lesson, name) for name in LESSON_FIELDS if name != "tags"}
    return values | {
        "course": lesson.course.slug,
        "tags": sorted(tag.name for tag in lesson.tags.all()),
        "material_change_at": _iso(lesson.material_change_at),
        **_sign_off(lesson),
    }


def _export_quiz(quiz):
    values = {name: getattr(quiz, name) for name in QUIZ_FIELDS}
    return values | {
        "lesson": quiz.lesson.slug if quiz.lesson_id else None,
        "course": quiz.course.slug if quiz.course_id else None,
        **_sign_off(quiz),
        "questions": [
            {name: getattr(question, name) for name in QUESTION_FIELDS}
            | {
                "choices": [
                    {name: getattr(choice, name) for name in CHOICE_FIELDS}
                    for choice in question.choices.all()
                ]
            }
            for question in quiz.questions.all()
        ],
    }


def export_pack():
    """Every live course, lesson and quiz of this installation, as a JSON-ready dict."""
    # Live courses only, as for lessons: a course draft is this installation's work in progress.
    courses = Course.objects.live_rows().select_related("clinical_reviewer")
    # Live lessons only: a draft (draft_of set) is work in progress of this installation,
    # shares its slug with the live lesson, and is published here, not moved elsewhere.
    lessons = (
        Lesson.objects.live_rows()
        .select_related("course", "clinical_reviewer")
        .prefetch_related("tags")
    )
    # Live quizzes only, as for lessons: drafts are this installation's work in progress.
    quizzes = (
        Quiz.objects.live_rows()
        .select_related("lesson", "course", "clinical_reviewer")
        .prefetch_related("questions__choices")
    )
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().isoformat(),
        "courses": [_export_course(course) for course in courses],
        "lessons": [_export_lesson(lesson) for lesson in lessons],
        "quizzes": [_export_quiz(quiz) for quiz in quizzes],
    }


# Validation -------------------------------------------------------------------------------


class _Checker:
    """Reads one JSON object of the pack, collecting problems instead of stopping.

    Every key in `expected` is required (the value may be null where the field allows it),
    except LATER_FIELDS; keys the format does not know are reported too, so a typo never
    silently drops a value.
    """

    def __init__(self, raw, where, expected, problems):
        self.raw, self.where, self.problems = raw, where, problems
        missing = [key for key in expected if key not in raw and key not in LATER_FIELDS]
        unknown = [key for key in raw if key not in expected]
        if missing:
            self.problem(_("missing key(s): %(keys)s") % {"keys": ", ".join(missing)})
        if unknown:
            self.problem(_("unknown key(s): %(keys)s") % {"keys": ", ".join(map(str, unknown))})

    def problem(self, message, key=None):
        where = f"{self.where}.{key}" if key else self.where
        self.problems.append(f"{where}: {message}")

    def _value(self, key):
        return self.raw.get(key)

    def text(self, key, *, required=False, max_length=None):
        if key not in self.raw:
            return ""
        value = self._value(key)
        if not isinstance(value, str):
            self.problem(_("must be text"), key)
            return ""
        try:
            NO_NUL(value)
        except ValidationError as error:
            self.problem(error.messages[0], key)
            return ""
        if required and not value.strip():
            self.problem(_("must not be empty"), key)
        if max_length is not None and len(value) > max_length:
            self.problem(
                _("must be at most %(max)d characters long, not %(length)d")
                % {"max": max_length, "length": len(value)},
                key,
            )
        return value

    def slug(self, key, *, nullable=False):
        if key not in self.raw:
            return None
        value = self._value(key)
        if value is None and nullable:
            return None
        if not isinstance(value, str) or not SLUG_RE.match(value) or len(value) > 100:
            self.problem(_("must be lower-case words joined by hyphens (at most 100)"), key)
            return None
        return value

    def integer(self, key, *, minimum, maximum, nullable=False):
        if key not in self.raw:
            return None
        value = self._value(key)
        if value is None and nullable:
            return None
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or not minimum <= value <= maximum
        ):
            message = (
                _("must be a whole number from %(min)d to %(max)d, or null")
                if nullable
                else _("must be a whole number from %(min)d to %(max)d")
            )
            self.problem(message % {"min": minimum, "max": maximum}, key)
            return None
        return value

    def boolean(self, key):
        if key not in self.raw:
            return False
        value = self._value(key)
        if not isinstance(value, bool):
            self.problem(_("must be true or false"), key)
            return False
        return value

    def choice(self, key, choices):
        if key not in self.raw:
            return None
        value = self._value(key)
        if value not in choices.values:
            self.problem(
                _("must be one of %(choices)s, not %(value)s")
                % {"choices": ", ".join(choices.values), "value": _json_repr(value)},
                key,
            )
            return None
        return value

    def iso_date(self, key):
        if key not in self.raw or self._value(key) is None:
            return None
        value = self._value(key)
        try:
            if not isinstance(value, str):
                raise ValueError
            return date.fromisoformat(value)
        except ValueError:
            self.problem(_("must be a date (YYYY-MM-DD) or null"), key)
            return None

    def iso_datetime(self, key):
        if key not in self.raw or self._value(key) is None:
            return None
        value = self._value(key)
        try:
            if not isinstance(value, str):
                raise ValueError
            parsed = datetime.fromisoformat(value)
        except ValueError:
            self.problem(_("must be an ISO 8601 date and time or null"), key)
            return None
        if timezone.is_naive(parsed):
            # Two installations may run in different time zones: a naive time is ambiguous.
            self.problem(_("must include a time zone offset, e.g. +00:00"), key)
            return None
        return parsed

    def items(self, key):
        """The list of JSON objects under `key`, each with its path."""
        if key not in self.raw:
            return []
        return _objects(self._value(key), f"{self.where}.{key}", self.problems)


def _objects(value, where, problems):
    """[(path, object)] for a list of JSON objects; anything else is reported."""
    if not isinstance(value, list):
        problems.append(f"{where}: " + _("must be a list"))
        return []
    good = []
    for index, item in enumerate(value):
        if isinstance(item, dict):
            good.append((f"{where}[{index}]", item))
        else:
            problems.append(f"{where}[{index}]: " + _("must be an object"))
    return good


def _json_repr(value):
    return f"'{value}'" if isinstance(value, str) else repr(value)


def _check_sign_off(check, values):
    values["status"] = check.choice("status", Status)
    values["publish_at"] = check.iso_datetime("publish_at")
    reviewer = check.raw.get("clinical_reviewer")
    if reviewer is not None and not isinstance(reviewer, str):
        check.problem(_("must be a username or null"), "clinical_reviewer")
        reviewer = None
    values["clinical_reviewer"] = reviewer
    values["reviewed_on"] = check.iso_date("reviewed_on")
    values["next_review_due"] = check.iso_date("next_review_due")
    if (
        values["reviewed_on"]
        and values["next_review_due"]
        and values["next_review_due"] <= values["reviewed_on"]
    ):
        check.problem(_("must be after reviewed_on"), "next_review_due")
    return values


def _check_course(where, raw, problems):
    check = _Checker(raw, where, (*COURSE_FIELDS, *SIGN_OFF_FIELDS), problems)
    values = {
        "slug": check.slug("slug"),
        "title": check.text("title", required=True, max_length=200),
        "summary": check.text("summary"),
        "audience": check.text("audience", max_length=200),
        "objectives": check.text("objectives"),
        "position": check.integer("position", minimum=0, maximum=INT_MAX),
        "disclaimer": check.text("disclaimer"),
    }
    return check, _check_sign_off(check, values)


def _check_lesson(where, raw, problems):
    check = _Checker(raw, where, (*LESSON_FIELDS, *SIGN_OFF_FIELDS), problems)
    values = {
        "slug": check.slug("slug"),
        "course": check.slug("course"),
        "title": check.text("title", required=True, max_length=200),
        "summary": check.text("summary"),
        "objectives": check.text("objectives"),
        "body": check.text("body", required=True),
        "key_points": check.text("key_points"),
        "references": check.text("references"),
        "estimated_minutes": check.integer("estimated_minutes", minimum=0, maximum=SMALL_INT_MAX),
        "position": check.integer("position", minimum=0, maximum=INT_MAX),
        "material_change_at": check.iso_datetime("material_change_at"),
        "reviewer_notes": check.text("reviewer_notes"),
        "tags": [],
    }
    tags = raw.get("tags", [])
    if not isinstance(tags, list) or not all(
        isinstance(name, str) and slugify(name) and len(name) <= 60 for name in tags
    ):
        check.problem(_("must be a list of tag names (at most 60 characters each)"), "tags")
    else:
        values["tags"] = tags
    return check, _check_sign_off(check, values)


def _check_choice(where, raw, problems):
    check = _Checker(raw, where, CHOICE_FIELDS, problems)
    return {
        "text": check.text("text", required=True, max_length=500),
        "is_correct": check.boolean("is_correct"),
        "feedback": check.text("feedback", max_length=500),
        "position": check.integer("position", minimum=0, maximum=INT_MAX),
    }


def _check_question(where, raw, problems):
    check = _Checker(raw, where, (*QUESTION_FIELDS, "choices"), problems)
    values = {
        "kind": check.choice("kind", QuestionKind),
        "vignette": check.text("vignette"),
        "stem": check.text("stem", required=True),
        "rationale": check.text("rationale", required=True),
        "points": check.integer("points", minimum=1, maximum=SMALL_INT_MAX),
        "position": check.integer("position", minimum=0, maximum=INT_MAX),
        "objective": check.text("objective", max_length=300),
        "is_active": check.boolean("is_active"),
        "reviewer_note": check.text("reviewer_note"),
    }
    values["choices"] = choices = [
        _check_choice(choice_where, choice, problems)
        for choice_where, choice in check.items("choices")
    ]
    if "choices" in raw:
        for message in answer_key_problems(values["kind"], choices):
            check.problem(message, "choices")
    return values


def _check_quiz(where, raw, problems):
    check = _Checker(raw, where, (*QUIZ_FIELDS, *SIGN_OFF_FIELDS, "questions"), problems)
    values = {
        "slug": check.slug("slug"),
        "title": check.text("title", required=True, max_length=200),
        "lesson": check.slug("lesson", nullable=True),
        "course": check.slug("course", nullable=True),
        "introduction": check.text("introduction"),
        "pass_mark": check.integer("pass_mark", minimum=0, maximum=100),
        "attempts_allowed": check.integer(
            "attempts_allowed", minimum=1, maximum=SMALL_INT_MAX, nullable=True
        ),
        "time_limit_minutes": check.integer(
            "time_limit_minutes", minimum=0, maximum=SMALL_INT_MAX, nullable=True
        ),
        "shuffle_questions": check.boolean("shuffle_questions"),
        "shuffle_choices": check.boolean("shuffle_choices"),
        "draw_count": check.integer("draw_count", minimum=1, maximum=SMALL_INT_MAX, nullable=True),
        "partial_credit": check.boolean("partial_credit"),
        "review_mode": check.choice("review_mode", ReviewMode),
        "position": check.integer("position", minimum=0, maximum=INT_MAX),
    }
    _check_sign_off(check, values)
    if "lesson" in raw and "course" in raw and raw["lesson"] is None and raw["course"] is None:
        check.problem(_("a quiz belongs to a lesson or a course; both are null"))
    values["questions"] = questions = [
        _check_question(question_where, question, problems)
        for question_where, question in check.items("questions")
    ]
    active = sum(question["is_active"] for question in questions)
    if values["draw_count"] and values["draw_count"] > active:
        check.problem(
            _("the quiz has only %(count)d active questions to draw from") % {"count": active},
            "draw_count",
        )
    return check, values


def _check_unique_and_new(checked, kind, existing, problems):
    """Slugs must be unique within the pack, and new to this installation (no merging)."""
    seen = {}
    for check, values in checked:
        slug = values["slug"]
        if slug is None:
            continue
        if slug in seen:
            check.problem(
                _("%(kind)s '%(slug)s' is also in %(other)s")
                % {"kind": kind, "slug": slug, "other": seen[slug]},
                "slug",
            )
        elif slug in existing:
            check.problem(
                _("conflict: %(kind)s '%(slug)s' already exists in this database")
                % {"kind": kind, "slug": slug},
                "slug",
            )
        seen[slug] = check.where


def _check_reference(check, key, slug, known, kind):
    if slug is not None and slug not in known:
        check.problem(_("unknown %(kind)s '%(slug)s'") % {"kind": kind, "slug": slug}, key)


def validate_pack(data):
    """Check the whole pack against itself and this database.

    Returns the cleaned (courses, lessons, quizzes, reviewers by username); raises
    ContentPackError listing every problem.
    """
    if not isinstance(data, dict):
        raise ContentPackError([_("the pack must be a JSON object")])
    if data.get("format") != FORMAT:
        raise ContentPackError(
            [
                "format: "
                + _("this is not a content pack: expected '%(expected)s', found %(found)s")
                % {"expected": FORMAT, "found": _json_repr(data.get("format"))}
            ]
        )
    if isinstance(data.get("version"), bool) or data.get("version") != VERSION:
        raise ContentPackError(
            [
                "version: "
                + _("this portal reads version %(expected)d packs, not %(found)s")
                % {"expected": VERSION, "found": _json_repr(data.get("version"))}
            ]
        )
    problems = []
    for key in data:
        if key not in {"format", "version", "exported_at", "courses", "lessons", "quizzes"}:
            problems.append(f"{key}: " + _("unknown key"))
    sections = {
        key: _objects(data.get(key), key, problems) for key in ("courses", "lessons", "quizzes")
    }

    courses = [_check_course(where, raw, problems) for where, raw in sections["courses"]]
    lessons = [_check_lesson(where, raw, problems) for where, raw in sections["lessons"]]
    quizzes = [_check_quiz(where, raw, problems) for where, raw in sections["quizzes"]]

    course_slugs = {values["slug"] for _check, values in courses}
    lesson_slugs = {values["slug"] for _check, values in lessons}
    quiz_slugs = {values["slug"] for _check, values in quizzes}
    existing_courses = set(Course.objects.live_rows().values_list("slug", flat=True))
    # Only live lessons: a draft shares the slug of the lesson it will replace.
    existing_lessons = set(Lesson.objects.live_rows().values_list("slug", flat=True))
    _check_unique_and_new(courses, _("course"), existing_courses, problems)
    _check_unique_and_new(lessons, _("lesson"), existing_lessons, problems)
    _check_unique_and_new(
        quizzes,
        _("quiz"),
        set(
            Quiz.objects.live_rows()
            .filter(slug__in=quiz_slugs - {None})
            .values_list("slug", flat=True)
        ),
        problems,
    )

    known_courses = course_slugs | existing_courses
    known_lessons = lesson_slugs | existing_lessons
    for check, values in lessons:
        _check_reference(check, "course", values["course"], known_courses, _("course"))
    for check, values in quizzes:
        _check_reference(check, "lesson", values["lesson"], known_lessons, _("lesson"))
        _check_reference(check, "course", values["course"], known_courses, _("course"))

    bodies = dict(
        Lesson.objects.live_rows()
        .filter(slug__in=known_lessons - lesson_slugs)
        .values_list("slug", "body")
    ) | {values["slug"]: values["body"] for _check, values in lessons}
    findings = []
    for check, values in quizzes:
        findings += _item_findings(check, values, bodies.get(values["lesson"], ""))

    User = get_user_model()
    everything = [*courses, *lessons, *quizzes]
    usernames = {v["clinical_reviewer"] for _c, v in everything if v["clinical_reviewer"]}
    reviewers = {
        user.get_username(): user
        for user in User.objects.filter(**{f"{User.USERNAME_FIELD}__in": usernames})
    }
    for check, values in everything:
        username = values["clinical_reviewer"]
        if username and username not in reviewers:
            check.problem(
                _("unknown user '%(username)s': create the reviewer's account here first")
                % {"username": username},
                "clinical_reviewer",
            )

    if problems:
        raise ContentPackError(problems)
    return (
        [values for _c, values in courses],
        [values for _c, values in lessons],
        [values for _c, values in quizzes],
        reviewers,
        findings,
    )


def _item_findings(check, values, lesson_text):
    """The checker's findings on a quiz's active questions, as report lines; an error in a quiz
    the pack marks as reviewed is also a problem (the import would publish it)."""
    numbered = [
        (number, Item.from_data(question))
        for number, question in enumerate(values["questions"], start=1)
        if question["is_active"] and question["kind"]
    ]
    findings = check_quiz(
        [item for _n, item in numbered], lesson_text, [n for n, _item in numbered]
    )
    where = f"{check.where} '{values['slug']}'"
    for finding in findings:
        if finding.is_error and values["status"] in REVIEWED_STATES:
            check.problem(
                _(
                    "%(finding)s (a quiz in review or published cannot have item-writing "
                    "errors: fix the question, or import the quiz as a draft)"
                )
                % {"finding": finding}
            )
    return [f"{where}, {finding.severity}: {finding}" for finding in findings]


# Import -----------------------------------------------------------------------------------


def _governed(values, reviewers, names):
    fields = {name: values[name] for name in names}
    fields.update(
        status=values["status"],
        publish_at=values["publish_at"],
        clinical_reviewer=reviewers.get(values["clinical_reviewer"]),
        reviewed_on=values["reviewed_on"],
        next_review_due=values["next_review_due"],
    )
    return fields


def _save(obj):
    obj._change_reason = CHANGE_REASON  # django-simple-history's note on the history row
    obj.save()
    return obj


def _write(courses, lessons, quizzes, reviewers, summary):
    # save(), never bulk_create(): the models render Markdown and record history on save.
    course_by_slug = {}
    for values in courses:
        course_by_slug[values["slug"]] = _save(
            Course(**_governed(values, reviewers, COURSE_FIELDS))
        )
    wanted = {v["course"] for v in lessons} | {q["course"] for q in quizzes}
    course_by_slug |= {
        course.slug: course
        for course in Course.objects.live_rows().filter(
            slug__in=wanted - set(course_by_slug) - {None}
        )
    }

    tags = Tag.objects.in_bulk(
        {slugify(name) for v in lessons for name in v["tags"]}, field_name="slug"
    )
    lesson_by_slug = {}
    for values in lessons:
        fields = _governed(values, reviewers, [n for n in LESSON_FIELDS if n != "tags"])
        fields["course"] = course_by_slug[values["course"]]
        lesson = _save(Lesson(**fields))
        lesson_tags = []
        for name in values["tags"]:
            if slugify(name) not in tags:
                tags[slugify(name)] = Tag.objects.create(name=name, slug=slugify(name))
                summary.tags_created += 1
            lesson_tags.append(tags[slugify(name)])
        lesson.tags.set(lesson_tags)
        lesson_by_slug[values["slug"]] = lesson
    wanted = {q["lesson"] for q in quizzes} - set(lesson_by_slug) - {None}
    lesson_by_slug |= {
        lesson.slug: lesson for lesson in Lesson.objects.live_rows().filter(slug__in=wanted)
    }

    for values in quizzes:
        fields = _governed(values, reviewers, QUIZ_FIELDS)
        fields["lesson"] = lesson_by_slug.get(values["lesson"])
        fields["course"] = course_by_slug.get(values["course"])
        quiz = _save(Quiz(**fields))
        for question_values in values["questions"]:
            question = _save(
                Question(quiz=quiz, **{name: question_values[name] for name in QUESTION_FIELDS})
            )
            for choice_values in question_values["choices"]:
                _save(Choice(question=question, **choice_values))
                summary.choices += 1
            summary.questions += 1


def import_pack(data, *, dry_run=False):
    """Check the pack, then (unless `dry_run`) create everything in one transaction.

    Raises ContentPackError listing every problem; then nothing was written.
    """
    courses, lessons, quizzes, reviewers, findings = validate_pack(data)
    summary = ImportSummary(
        courses=len(courses),
        lessons=len(lessons),
        quizzes=len(quizzes),
        dry_run=dry_run,
        findings=findings,
    )
    if dry_run:
        summary.questions = sum(len(quiz["questions"]) for quiz in quizzes)
        summary.choices = sum(len(q["choices"]) for quiz in quizzes for q in quiz["questions"])
        tag_slugs = {slugify(name) for lesson in lessons for name in lesson["tags"]}
        summary.tags_created = len(tag_slugs) - Tag.objects.filter(slug__in=tag_slugs).count()
        return summary
    try:
        with transaction.atomic():
            _write(courses, lessons, quizzes, reviewers, summary)
    except IntegrityError as error:
        # Somebody created a conflicting slug between the check and the write.
        raise ContentPackError(
            [_("the database changed during the import; nothing was written (%s)") % error]
        ) from error
    return summary
