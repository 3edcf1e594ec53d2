from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Floor, Now
from django.db.models.lookups import Exact
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from education.markdown import render_markdown
from education.validators import (
    INT_MAX,
    NOT_EMPTY,
    SMALL_INT_MAX,
    one_of,
    quarter_hours_field,
    whole_number,
)


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


def lines(text):
    """The non-empty lines of a one-item-per-line field, for objectives and key points."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def live_q(prefix=""):
    """Published, and its scheduled publication time (if any) has come."""
    return Q(**{f"{prefix}status": Status.PUBLISHED}) & (
        Q(**{f"{prefix}publish_at__isnull": True}) | Q(**{f"{prefix}publish_at__lte": Now()})
    )


class PublishedQuerySet(models.QuerySet):
    def live_rows(self):
        """The rows learners can be shown: not a draft of a new version of one."""
        return self.filter(**LIVE_ROWS)

    def published(self):
        return self.filter(live_q())

    def never_signed_off(self):
        """Live rows shown to learners that no named clinical reviewer has approved."""
        return self.live_rows().filter(
            Q(status=Status.PUBLISHED)
            & (Q(clinical_reviewer__isnull=True) | Q(reviewed_on__isnull=True))
        )


class CourseQuerySet(PublishedQuerySet):
    def published(self):
        # A scheduled draft is already "published" while it waits for its time to replace
        # the live course; learners only ever see the live row.
        return super().published().live_rows()


class Governed(models.Model):
    """The editorial workflow and clinical-governance fields shared by courses, lessons and
    quizzes (see education/workflow.py for the transitions)."""

    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status,
        default=Status.DRAFT,
        error_messages=one_of(Status),
    )
    publish_at = models.DateTimeField(
        _("publish at"),
        null=True,
        blank=True,
        help_text=_("Learners see it from this moment. Empty: as soon as it is published."),
    )
    clinical_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("clinical reviewer"),
        help_text=_("The clinician who approved this text. Empty: awaiting clinical sign-off."),
    )
    reviewed_on = models.DateField(_("last reviewed on"), null=True, blank=True)
    next_review_due = models.DateField(_("next review due"), null=True, blank=True)
    # Optimistic locking: each save through the admin increments it; a save based on an
    # older version is refused instead of overwriting somebody else's change.
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(_("last edited"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last edited by"),
    )
    # A published course, lesson or quiz is never edited in place: its next version is a
    # draft row beside it, which replaces it when published (education/workflow.py).
    draft_of = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="drafts",
        verbose_name=_("new version of"),
        help_text=_("The published version this draft will replace when it is published."),
    )
    # What the curriculum loader last wrote; a different current value means an editor
    # changed it in the admin, and the loader must leave it alone.
    loaded_fingerprint = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="%(class)s_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(next_review_due__isnull=True)
                | Q(reviewed_on__isnull=True)
                | Q(next_review_due__gt=models.F("reviewed_on")),
                name="%(class)s_review_due_after_review",
                violation_error_message=_("The next review must be due after the review date."),
            ),
        ]

    def validate_constraints(self, exclude=None):
        # No form shows `draft_of`, yet the live-slug constraints are conditional on it, and
        # Django skips a constraint whose condition uses an excluded field: a clashing slug
        # would pass the form and fail in the database (a 500). Check them anyway.
        if exclude:
            exclude = set(exclude) - {"draft_of"}
        super().validate_constraints(exclude=exclude)

    @property
    def is_published(self):
        return self.status == Status.PUBLISHED

    @property
    def is_live(self):
        """Published (or archived) and not a draft: it changes only by publishing a reviewed
        draft (a quiz's questions with it)."""
        return self.draft_of_id is None and not self.accepts_edits

    @property
    def accepts_edits(self):
        """A draft or in review. A new version signed off and waiting for its publication
        time is as frozen as a live one: what was approved is what goes live."""
        return self.status in {Status.DRAFT, Status.IN_REVIEW}

    @property
    def is_signed_off(self):
        return self.clinical_reviewer_id is not None and self.reviewed_on is not None

    @property
    def review_overdue(self):
        return self.next_review_due is not None and self.next_review_due < timezone.localdate()

    # What a draft copies from the live row, and gives back to it when published.
    DRAFT_FIELDS = ()

    def copy_draft_children(self, draft):
        """Called on the live row when its draft is made: copy what hangs off it and is
        edited with it (a quiz's questions). Courses and lessons have nothing to copy."""

    def publish_draft_children(self, draft):
        """Called on the live row when `draft` is published onto it, before the draft row is
        deleted: take over what was copied by copy_draft_children."""


def draft_constraints(slug_clash_message):
    """For a model whose next version is drafted beside the live row (`draft_of`): the draft
    shares its live row's slug, so only live rows' slugs must be unique, and a live row has
    one draft at most."""
    return [
        models.UniqueConstraint(
            fields=["slug"],
            condition=Q(draft_of__isnull=True),
            name="%(class)s_live_slug_unique",
            violation_error_message=slug_clash_message,
        ),
        models.UniqueConstraint(
            fields=["draft_of"],
            condition=Q(draft_of__isnull=False),
            name="%(class)s_one_draft_per_live_%(class)s",
        ),
    ]


class Course(Governed):
    title = models.CharField(_("title"), max_length=200, error_messages=NOT_EMPTY)
    slug = models.SlugField(
        _("slug"), max_length=100, help_text=_("The course's address: lower-case-with-hyphens.")
    )
    summary = models.TextField(_("summary"), blank=True, help_text=_("Shown on the course list."))
    audience = models.CharField(
        _("audience"), max_length=200, blank=True, help_text=_("Who the course is written for.")
    )
    objectives = models.TextField(
        _("learning objectives"), blank=True, help_text=_("One objective per line.")
    )
    disclaimer = models.TextField(
        _("medical disclaimer"),
        blank=True,
        help_text=_(
            "Shown with every lesson and quiz of the course. Blank: the portal's general "
            "disclaimer."
        ),
    )
    conflict_of_interest = models.TextField(
        _("conflict-of-interest statement"),
        blank=True,
        help_text=_(
            "The authors' and clinical reviewer's declared interests, shown to learners before "
            "they start and on the certificate. Blank: shown as not yet recorded."
        ),
    )
    credit_hours = quarter_hours_field(
        _("CPD credit (hours)"),
        _(
            "The credit a reviewer designates for the course, in quarter hours. Blank: the "
            "certificate states the lessons' estimated study time."
        ),
    )
    valid_for_months = models.PositiveSmallIntegerField(
        _("valid for (months)"),
        null=True,
        blank=True,
        validators=whole_number(1, 120),
        help_text=_(
            "Mandatory training that learners renew: a completion expires after this many "
            "months and the learner completes the course again. Blank: completions never "
            "expire."
        ),
    )
    released_on = models.DateField(
        _("released on"),
        null=True,
        blank=True,
        help_text=_("When learners first saw the course. Set when it is first published."),
    )
    position = models.PositiveIntegerField(
        _("position"), default=0, validators=whole_number(0, INT_MAX)
    )
    # Only the course's own fields: its lessons and quizzes stay attached to the live row.
    DRAFT_FIELDS = (
        "title",
        "summary",
        "audience",
        "objectives",
        "disclaimer",
        "conflict_of_interest",
        "credit_hours",
        "valid_for_months",
        "position",
    )

    objects = CourseQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["loaded_fingerprint", "updated_at"])

    class Meta:
        ordering = ("position", "id")
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            *Governed.Meta.constraints,
            *draft_constraints(_("A course with this address already exists.")),
            # Whole quarter hours and not negative, whatever path writes the row.
            models.CheckConstraint(
                condition=Q(credit_hours__isnull=True)
                | (
                    Q(credit_hours__gte=0)
                    & Exact(F("credit_hours") * 4, Floor(F("credit_hours") * 4))
                ),
                name="course_credit_quarter_hours",
                violation_error_message=_(
                    "Give the hours in quarter-hour steps (for example 1.25), not below 0."
                ),
            ),
            models.CheckConstraint(
                condition=Q(valid_for_months__isnull=True)
                | Q(valid_for_months__gte=1, valid_for_months__lte=120),
                name="course_validity_1_to_120_months",
                violation_error_message=_("A course is valid for 1 to 120 months, or blank."),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def objective_list(self):
        return lines(self.objectives)


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=60)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)

    class Meta:
        ordering = ("name", "id")
        verbose_name = _("topic tag")
        verbose_name_plural = _("topic tags")

    def __str__(self):
        return self.name


# A course or lesson draft is deleted when it is published, so nothing may hang off it: every
# foreign key to Course or Lesson offers (and validates) only live rows with
# limit_choices_to=LIVE_ROWS.
# education.forms.LiveChoiceField says why when a form is given a draft anyway.
LIVE_ROWS = {"draft_of__isnull": True}


LESSON_TEXT_FIELDS = ("objectives", "body", "body_html", "key_points", "references")


def changed_since(done_at, material_change_at):
    """Whether work done at `done_at` (a completion, a pass) predates the item's last
    material change, so that it no longer counts until done again. The one rule, in Python,
    of queries.counts_from and the CSV's SQL."""
    return bool(done_at and material_change_at and done_at < material_change_at)


class LessonQuerySet(PublishedQuerySet):
    def published(self):
        return self.live_rows().filter(live_q(), live_q("course__"))

    def outline(self):
        """Without the lesson text: for lists, which never show it."""
        return self.defer(*LESSON_TEXT_FIELDS)

    def search(self, terms):
        """Simple database search over titles, summaries and text: every word must appear."""
        query = Q()
        for word in terms.split()[:10]:
            query &= (
                Q(title__icontains=word) | Q(summary__icontains=word) | Q(body__icontains=word)
            )
        return self.filter(query)


class Lesson(Governed):
    course = models.ForeignKey(
        Course,
        on_delete=models.PROTECT,
        limit_choices_to=LIVE_ROWS,
        related_name="lessons",
        verbose_name=_("course"),
    )
    title = models.CharField(_("title"), max_length=200, error_messages=NOT_EMPTY)
    slug = models.SlugField(
        _("slug"), max_length=100, help_text=_("The lesson's address: lower-case-with-hyphens.")
    )
    summary = models.TextField(_("summary"), blank=True)
    objectives = models.TextField(
        _("learning objectives"),
        blank=True,
        help_text=_("One per line. Shown to the learner before the lesson text."),
    )
    body = models.TextField(
        _("lesson text"),
        error_messages=NOT_EMPTY,
        help_text=_(
            "Markdown: ## for headings, - for lists, **bold**, | tables |, > quotes. "
            "HTML is not allowed and is shown as text."
        ),
    )
    body_html = models.TextField(_("rendered text"), editable=False, default="")
    key_points = models.TextField(_("key points"), blank=True, help_text=_("One per line."))
    references = models.TextField(_("references"), blank=True, help_text=_("One per line."))
    reviewer_notes = models.TextField(
        _("notes for the clinical reviewer"),
        blank=True,
        help_text=_(
            "Where the lesson goes beyond the source article (general practice, safety "
            "advice, an inference), one per line, for the reviewer to check. Never shown to "
            "learners."
        ),
    )
    estimated_minutes = models.PositiveSmallIntegerField(
        _("estimated minutes"), default=10, validators=whole_number(0, SMALL_INT_MAX)
    )
    position = models.PositiveIntegerField(
        _("position"), default=0, validators=whole_number(0, INT_MAX)
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="lessons", verbose_name=_("tags"))
    material_change_at = models.DateTimeField(
        _("last material change"),
        null=True,
        blank=True,
        help_text=_("Learners who completed the lesson before this are asked to review it."),
    )

    DRAFT_FIELDS = (
        "course", "title", "summary", "objectives", "body", "key_points", "references",
        "reviewer_notes", "estimated_minutes", "position",
    )  # fmt: skip
    objects = LessonQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["loaded_fingerprint", "updated_at", "body_html"])

    class Meta:
        ordering = ("course__position", "position", "id")
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        permissions = [("publish_content", _("Can publish lessons, courses and quizzes"))]
        constraints = [
            *Governed.Meta.constraints,
            *draft_constraints(_("A lesson with this address already exists.")),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.body_html = render_markdown(self.body)
        if kwargs.get("update_fields") is not None and "body" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "body_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("education:lesson", args=[self.slug])

    @property
    def needs_review(self):
        """Read with `reading.with_progress(lessons, learner)`: the learner completed it before its last
        material change, so they are asked to read it again."""
        return changed_since(getattr(self, "completed_at", None), self.material_change_at)

    @property
    def is_done(self):
        """Read with `reading.with_progress`: completed in this period, and since its last
        material change (what course progress counts)."""
        return bool(getattr(self, "completed_at", None)) and not self.needs_review

    @property
    def objective_list(self):
        return lines(self.objectives)

    @property
    def key_point_list(self):
        return lines(self.key_points)

    @property
    def reference_list(self):
        return lines(self.references)


class LessonProgressQuerySet(models.QuerySet):
    def completed(self):
        return self.filter(completed_at__isnull=False)


class LessonProgress(models.Model):
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="lesson_progress",
        verbose_name=_("learner"),
    )
    lesson = models.ForeignKey(
        Lesson, on_delete=models.PROTECT, related_name="progress", verbose_name=_("lesson")
    )
    first_opened_at = models.DateTimeField(_("first opened"), default=timezone.now)
    last_opened_at = models.DateTimeField(_("last opened"), default=timezone.now)
    completed_at = models.DateTimeField(
        _("completed"),
        null=True,
        blank=True,
        help_text=_("The latest completion: a review after a material change moves it."),
    )
    first_completed_at = models.DateTimeField(
        _("first completed"),
        null=True,
        blank=True,
        help_text=_("When the learner first completed the lesson; reviews do not change it."),
    )

    objects = LessonProgressQuerySet.as_manager()

    class Meta:
        ordering = ("learner", "lesson")
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "lesson"], name="lesson_progress_once_per_learner"
            ),
        ]

    def __str__(self):
        return f"{self.learner} · {self.lesson}"


class WorkflowAction(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted for review")
    RETURNED = "returned", _("Returned to draft")
    PUBLISHED = "published", _("Published")
    SCHEDULED = "scheduled", _("Scheduled for publication")
    UNSCHEDULED = "unscheduled", _("Schedule cancelled, back in review")
    ARCHIVED = "archived", _("Archived")
    DRAFT_STARTED = "draft_started", _("New draft started")
    RESTORED = "restored", _("Earlier version restored as a draft")
    REGRADED = "regraded", _("Attempts regraded")


class WorkflowEvent(models.Model):
    """The audit log of editorial and grading decisions. Read-only everywhere."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(_("item"), max_length=300)
    action = models.CharField(_("action"), max_length=20, choices=WorkflowAction)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ("-at", "-id")
        verbose_name = _("workflow event")
        verbose_name_plural = _("audit log")
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=WorkflowAction.values), name="workflow_event_action_valid"
            ),
        ]

    def __str__(self):
        return f"{self.get_action_display()}: {self.object_repr}"


class ReportStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class ProblemReport(models.Model):
    """A learner's report of an error or ambiguity in a lesson or a question."""

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("reported by"),
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    version_seen = models.CharField(
        _("version seen"),
        max_length=100,
        help_text=_("The history record (lesson) or attempt question (quiz) the learner saw."),
    )
    object_repr = models.CharField(_("item"), max_length=300)
    text = models.TextField(_("what is wrong"), max_length=2000)
    created_at = models.DateTimeField(_("reported"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus, default=ReportStatus.OPEN
    )
    resolution = models.TextField(_("resolution note"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        ordering = ("status", "-created_at", "-id")
        verbose_name = _("problem report")
        verbose_name_plural = _("problem reports")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReportStatus.values), name="problem_report_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=ReportStatus.OPEN) | ~Q(resolution=""),
                name="problem_report_resolved_with_note",
            ),
        ]

    def __str__(self):
        return f"{self.object_repr}: {self.text[:60]}"
