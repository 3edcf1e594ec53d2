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
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from education.models import Course, Lesson, Status, Tag
from portal.content_transfer.curriculum import NO_NUL, SLUG_RE
from portal.content_transfer.model_rules import field_problems
from quizzes.item_checks import Item, check_quiz
from quizzes.kinds import answer_key_problems
from quizzes.models import Choice, Question, Quiz

FORMAT = "mbc-portal-content-pack"
VERSION = 1
CHANGE_REASON = "imported from a content pack"

SIGN_OFF_FIELDS = ("status", "publish_at", "clinical_reviewer", "reviewed_on", "next_review_due")
COURSE_FIELDS = (
    "slug", "title", "summary", "audience", "objectives", "position", "disclaimer",
    "conflict_of_interest", "valid_for_months",
)  # fmt: skip
LESSON_FIELDS = (
    "slug", "course", "title", "summary", "objectives", "body", "key_points", "references",
    "estimated_minutes", "position", "tags", "material_change_at", "reviewer_notes",
)  # fmt: skip
QUIZ_FIELDS = (
    "slug", "title", "lesson", "course", "introduction", "pass_mark", "attempts_allowed",
    "time_limit_minutes", "retake_wait_hours", "shuffle_questions", "shuffle_choices",
    "draw_count", "partial_credit", "review_mode", "position", "material_change_at",
)  # fmt: skip
QUESTION_FIELDS = (
    "kind", "vignette", "stem", "rationale", "points", "position", "objective", "is_active",
    "reviewer_note",
)  # fmt: skip
CHOICE_FIELDS = ("text", "is_correct", "feedback", "position")
# Fields added after version 1 packs were first written: a pack without them still imports.
LATER_FIELDS = (
    "disclaimer", "reviewer_notes", "reviewer_note", "conflict_of_interest", "valid_for_months",
    "retake_wait_hours", "material_change_at",
)  # fmt: skip
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
        "material_change_at": _iso(quiz.material_change_at),
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
#
# The pack's own rules are checked here: its keys, each value's JSON type, references by slug,
# slugs unique within the pack and new to this installation. Each field's rules (lengths,
# ranges, choices, required text, the model's clean() and check constraints) are the model's:
# every object becomes an unsaved instance that full_clean() validates.


class _Reader:
    """One JSON object of the pack, collecting problems instead of stopping.

    Every key in `expected` is required (the value may be null where the field allows it),
    except LATER_FIELDS; keys the format does not know are reported too, so a typo never
    silently drops a value. Until `finish()`, problems are held so that each key reports one,
    in the format's key order, and the object's own problems follow.
    """

    def __init__(self, raw, where, expected, problems):
        self.raw, self.where, self.expected, self.problems = raw, where, expected, problems
        self.by_key, self.general, self.finished = {}, [], False
        missing = [key for key in expected if key not in raw and key not in LATER_FIELDS]
        unknown = [key for key in raw if key not in expected]
        if missing:
            self._report(_("missing key(s): %(keys)s") % {"keys": ", ".join(missing)})
        if unknown:
            self._report(_("unknown key(s): %(keys)s") % {"keys": ", ".join(map(str, unknown))})

    def _report(self, message, key=None):
        where = f"{self.where}.{key}" if key else self.where
        self.problems.append(f"{where}: {message}")

    def problem(self, message, key=None):
        if self.finished:
            self._report(message, key)
        elif key:
            self.by_key.setdefault(key, message)
        else:
            self.general.append(message)

    def finish(self):
        """Report what was held; later problems are reported as they come."""
        self.finished = True
        for key in self.expected:
            if key in self.by_key:
                self._report(self.by_key[key], key)
        for message in self.general:
            self._report(message)

    def instance(self, model, names):
        """An unsaved `model` holding the values of `names`, each read as its model field
        takes it, and validated by the model itself (model_rules)."""
        values = {}
        for name in names:
            if name in self.raw:
                try:
                    values[name] = _from_json(model._meta.get_field(name), self.raw[name])
                except ValidationError as error:
                    self.problem(error.messages[0], name)
        obj = model(**values)
        for key, message in field_problems(obj, values):
            self.problem(message, key)
        return obj

    def reference(self, key, *, nullable=False):
        """The slug of another object of the pack or of this database (checked later)."""
        value = self.raw.get(key)
        if value is None and (nullable or key not in self.raw):
            return None
        if not isinstance(value, str) or not SLUG_RE.match(value):
            self.problem(SLUG_FORMAT, key)
            return None
        return value

    def username(self):
        value = self.raw.get("clinical_reviewer")
        if value is not None and not isinstance(value, str):
            self.problem(_("must be a username or null"), "clinical_reviewer")
            return None
        return value

    def items(self, key):
        """The list of JSON objects under `key`, each with its path."""
        if key not in self.raw:
            return []
        return _objects(self.raw[key], f"{self.where}.{key}", self.problems)


SLUG_FORMAT = _("must be lower-case words joined by hyphens")


def _from_json(field, value):
    """`value` as the model `field` takes it; ValidationError when its JSON type is not the
    field's (a number where text is expected, true where a number is). JSON has no dates:
    they are ISO 8601 text."""
    if value is None and field.null:
        return None
    if isinstance(field, models.BooleanField):
        if isinstance(value, bool):
            return value
        raise ValidationError(_("must be true or false"))
    if isinstance(field, models.IntegerField):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ValidationError(
            _("must be a whole number or null") if field.null else _("must be a whole number")
        )
    if isinstance(field, models.DateTimeField):
        return _moment(value)
    if isinstance(field, models.DateField):
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            raise ValidationError(_("must be a date (YYYY-MM-DD) or null")) from None
    if isinstance(field, models.SlugField):
        if isinstance(value, str) and SLUG_RE.match(value):
            return value
        raise ValidationError(SLUG_FORMAT)
    if not isinstance(value, str):
        raise ValidationError(_("must be text"))
    NO_NUL(value)
    # As a form strips it: white space alone is empty.
    return value if value.strip() else ""


def _moment(value):
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationError(_("must be an ISO 8601 date and time or null")) from None
    if timezone.is_naive(parsed):
        # Two installations may run in different time zones: a naive time is ambiguous.
        raise ValidationError(_("must include a time zone offset, e.g. +00:00"))
    return parsed


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


# The governed fields a pack sets; the reviewer is a username, resolved when writing.
GOVERNED_FIELDS = [name for name in SIGN_OFF_FIELDS if name != "clinical_reviewer"]


@dataclass
class _Entry:
    """One object of the pack, read and validated: its unsaved instance, and the slugs and
    username that become foreign keys when it is written."""

    check: _Reader
    obj: object
    slug: str | None = None
    refs: dict = field(default_factory=dict)
    tags: list = field(default_factory=list)
    children: list = field(default_factory=list)


def _governed_entry(check, model, names, **refs):
    slug = check.reference("slug")
    obj = check.instance(model, [*names, *GOVERNED_FIELDS])
    return _Entry(check, obj, slug, {**refs, "clinical_reviewer": check.username()})


def _check_course(where, raw, problems):
    check = _Reader(raw, where, (*COURSE_FIELDS, *SIGN_OFF_FIELDS), problems)
    entry = _governed_entry(check, Course, COURSE_FIELDS)
    check.finish()
    return entry


def _check_lesson(where, raw, problems):
    check = _Reader(raw, where, (*LESSON_FIELDS, *SIGN_OFF_FIELDS), problems)
    fields = [name for name in LESSON_FIELDS if name not in {"course", "tags"}]
    entry = _governed_entry(check, Lesson, fields, course=check.reference("course"))
    tags = raw.get("tags", [])
    name_length = Tag._meta.get_field("name").max_length
    if not isinstance(tags, list) or not all(
        isinstance(name, str) and slugify(name) and len(name) <= name_length for name in tags
    ):
        check.problem(_("must be a list of tag names (at most 60 characters each)"), "tags")
    else:
        entry.tags = tags
    check.finish()
    return entry


def _check_choice(where, raw, problems):
    check = _Reader(raw, where, CHOICE_FIELDS, problems)
    entry = _Entry(check, check.instance(Choice, CHOICE_FIELDS))
    check.finish()
    return entry


def _check_question(where, raw, problems):
    check = _Reader(raw, where, (*QUESTION_FIELDS, "choices"), problems)
    entry = _Entry(check, check.instance(Question, QUESTION_FIELDS))
    check.finish()
    entry.children = [
        _check_choice(choice_where, choice, problems)
        for choice_where, choice in check.items("choices")
    ]
    if "choices" in raw:
        kind = entry.obj.kind if "kind" not in check.by_key else None
        for message in answer_key_problems(kind, [choice.obj for choice in entry.children]):
            check.problem(message, "choices")
    return entry


def _check_quiz(where, raw, problems):
    check = _Reader(raw, where, (*QUIZ_FIELDS, *SIGN_OFF_FIELDS, "questions"), problems)
    fields = [name for name in QUIZ_FIELDS if name not in {"lesson", "course"}]
    entry = _governed_entry(
        check,
        Quiz,
        fields,
        lesson=check.reference("lesson", nullable=True),
        course=check.reference("course", nullable=True),
    )
    if "lesson" in raw and "course" in raw and raw["lesson"] is None and raw["course"] is None:
        check.problem(_("a quiz belongs to a lesson or a course; both are null"))
    check.finish()
    entry.children = [
        _check_question(question_where, question, problems)
        for question_where, question in check.items("questions")
    ]
    active = sum(question.obj.is_active for question in entry.children)
    draw_count = entry.obj.draw_count if "draw_count" not in check.by_key else None
    if draw_count and draw_count > active:
        check.problem(
            _("the quiz has only %(count)d active questions to draw from") % {"count": active},
            "draw_count",
        )
    return entry


def _check_unique_and_new(entries, kind, existing):
    """Slugs must be unique within the pack, and new to this installation (no merging)."""
    seen = {}
    for entry in entries:
        if entry.slug is None:
            continue
        if entry.slug in seen:
            entry.check.problem(
                _("%(kind)s '%(slug)s' is also in %(other)s")
                % {"kind": kind, "slug": entry.slug, "other": seen[entry.slug]},
                "slug",
            )
        elif entry.slug in existing:
            entry.check.problem(
                _("conflict: %(kind)s '%(slug)s' already exists in this database")
                % {"kind": kind, "slug": entry.slug},
                "slug",
            )
        seen[entry.slug] = entry.check.where


def _check_reference(entry, key, known, kind):
    slug = entry.refs[key]
    if slug is not None and slug not in known:
        entry.check.problem(_("unknown %(kind)s '%(slug)s'") % {"kind": kind, "slug": slug}, key)


def validate_pack(data):
    """Check the whole pack against itself and this database.

    Returns the checked (courses, lessons, quizzes) entries, the reviewers by username and the
    item-writing findings; raises ContentPackError listing every problem.
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

    lesson_slugs = {entry.slug for entry in lessons}
    quiz_slugs = {entry.slug for entry in quizzes}
    existing_courses = set(Course.objects.live_rows().values_list("slug", flat=True))
    # Only live lessons: a draft shares the slug of the lesson it will replace.
    existing_lessons = set(Lesson.objects.live_rows().values_list("slug", flat=True))
    _check_unique_and_new(courses, _("course"), existing_courses)
    _check_unique_and_new(lessons, _("lesson"), existing_lessons)
    _check_unique_and_new(
        quizzes,
        _("quiz"),
        set(
            Quiz.objects.live_rows()
            .filter(slug__in=quiz_slugs - {None})
            .values_list("slug", flat=True)
        ),
    )

    known_courses = {entry.slug for entry in courses} | existing_courses
    known_lessons = lesson_slugs | existing_lessons
    for entry in lessons:
        _check_reference(entry, "course", known_courses, _("course"))
    for entry in quizzes:
        _check_reference(entry, "lesson", known_lessons, _("lesson"))
        _check_reference(entry, "course", known_courses, _("course"))

    bodies = dict(
        Lesson.objects.live_rows()
        .filter(slug__in=known_lessons - lesson_slugs)
        .values_list("slug", "body")
    ) | {entry.slug: entry.obj.body for entry in lessons}
    findings = []
    for entry in quizzes:
        findings += _item_findings(entry, bodies.get(entry.refs["lesson"], ""))

    User = get_user_model()
    everything = [*courses, *lessons, *quizzes]
    usernames = {entry.refs["clinical_reviewer"] for entry in everything} - {None}
    reviewers = {
        user.get_username(): user
        for user in User.objects.filter(**{f"{User.USERNAME_FIELD}__in": usernames})
    }
    for entry in everything:
        username = entry.refs["clinical_reviewer"]
        if username and username not in reviewers:
            entry.check.problem(
                _("unknown user '%(username)s': create the reviewer's account here first")
                % {"username": username},
                "clinical_reviewer",
            )

    if problems:
        raise ContentPackError(problems)
    return courses, lessons, quizzes, reviewers, findings


def _item_findings(entry, lesson_text):
    """The checker's findings on a quiz's active questions, as report lines; an error in a quiz
    the pack marks as reviewed is also a problem (the import would publish it)."""
    numbered = [
        (number, Item.from_question(question.obj, [choice.obj for choice in question.children]))
        for number, question in enumerate(entry.children, start=1)
        if question.obj.is_active and "kind" not in question.check.by_key
    ]
    findings = check_quiz(
        [item for _n, item in numbered], lesson_text, [n for n, _item in numbered]
    )
    where = f"{entry.check.where} '{entry.slug}'"
    for finding in findings:
        if finding.is_error and entry.obj.status in REVIEWED_STATES:
            entry.check.problem(
                _(
                    "%(finding)s (a quiz in review or published cannot have item-writing "
                    "errors: fix the question, or import the quiz as a draft)"
                )
                % {"finding": finding}
            )
    return [f"{where}, {finding.severity}: {finding}" for finding in findings]


# Import -----------------------------------------------------------------------------------


def _save(obj):
    obj._change_reason = CHANGE_REASON  # django-simple-history's note on the history row
    obj.save()
    return obj


def _write(courses, lessons, quizzes, reviewers, summary):
    # save(), never bulk_create(): the models render Markdown and record history on save.
    for entry in [*courses, *lessons, *quizzes]:
        entry.obj.clinical_reviewer = reviewers.get(entry.refs["clinical_reviewer"])
    course_by_slug = {entry.slug: _save(entry.obj) for entry in courses}
    wanted = {e.refs["course"] for e in lessons} | {e.refs["course"] for e in quizzes}
    course_by_slug |= {
        course.slug: course
        for course in Course.objects.live_rows().filter(
            slug__in=wanted - set(course_by_slug) - {None}
        )
    }

    tags = Tag.objects.in_bulk(
        {slugify(name) for entry in lessons for name in entry.tags}, field_name="slug"
    )
    lesson_by_slug = {}
    for entry in lessons:
        entry.obj.course = course_by_slug[entry.refs["course"]]
        lesson = _save(entry.obj)
        lesson_tags = []
        for name in entry.tags:
            if slugify(name) not in tags:
                tags[slugify(name)] = Tag.objects.create(name=name, slug=slugify(name))
                summary.tags_created += 1
            lesson_tags.append(tags[slugify(name)])
        lesson.tags.set(lesson_tags)
        lesson_by_slug[entry.slug] = lesson
    wanted = {e.refs["lesson"] for e in quizzes} - set(lesson_by_slug) - {None}
    lesson_by_slug |= {
        lesson.slug: lesson for lesson in Lesson.objects.live_rows().filter(slug__in=wanted)
    }

    for entry in quizzes:
        entry.obj.lesson = lesson_by_slug.get(entry.refs["lesson"])
        entry.obj.course = course_by_slug.get(entry.refs["course"])
        quiz = _save(entry.obj)
        for question in entry.children:
            question.obj.quiz = quiz
            _save(question.obj)
            for choice in question.children:
                choice.obj.question = question.obj
                _save(choice.obj)
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
        summary.questions = sum(len(quiz.children) for quiz in quizzes)
        summary.choices = sum(len(q.children) for quiz in quizzes for q in quiz.children)
        tag_slugs = {slugify(name) for lesson in lessons for name in lesson.tags}
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
