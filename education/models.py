from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from education.markdown import render_markdown


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


def lines(text):
    """The non-empty lines of a one-item-per-line field, for objectives and key points."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class PublishedQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)


class Course(models.Model):
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    summary = models.TextField(_("summary"), blank=True, help_text=_("Shown on the course list."))
    audience = models.CharField(
        _("audience"), max_length=200, blank=True, help_text=_("Who the course is written for.")
    )
    objectives = models.TextField(
        _("learning objectives"), blank=True, help_text=_("One objective per line.")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.DRAFT)
    updated_at = models.DateTimeField(_("last edited"), auto_now=True)
    # See Lesson.loaded_fingerprint.
    loaded_fingerprint = models.CharField(max_length=64, blank=True, editable=False)

    objects = PublishedQuerySet.as_manager()

    class Meta:
        ordering = ("position", "id")
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="course_status_valid"
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


class LessonQuerySet(PublishedQuerySet):
    def published(self):
        return super().published().filter(course__status=Status.PUBLISHED)

    def search(self, terms):
        """Simple database search over titles, summaries and text: every word must appear."""
        query = Q()
        for word in terms.split()[:10]:
            query &= (
                Q(title__icontains=word) | Q(summary__icontains=word) | Q(body__icontains=word)
            )
        return self.filter(query)

    def with_progress_of(self, user):
        progress = LessonProgress.objects.filter(learner=user, lesson=models.OuterRef("pk"))
        return self.annotate(
            opened_at=models.Subquery(progress.values("first_opened_at")[:1]),
            completed_at=models.Subquery(progress.values("completed_at")[:1]),
        )


class Lesson(models.Model):
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="lessons", verbose_name=_("course")
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    summary = models.TextField(_("summary"), blank=True)
    objectives = models.TextField(
        _("learning objectives"),
        blank=True,
        help_text=_("One per line. Shown to the learner before the lesson text."),
    )
    body = models.TextField(
        _("lesson text"),
        help_text=_(
            "Markdown: ## for headings, - for lists, **bold**, | tables |, > quotes. "
            "HTML is not allowed and is shown as text."
        ),
    )
    body_html = models.TextField(_("rendered text"), editable=False, default="")
    key_points = models.TextField(_("key points"), blank=True, help_text=_("One per line."))
    references = models.TextField(_("references"), blank=True, help_text=_("One per line."))
    estimated_minutes = models.PositiveSmallIntegerField(_("estimated minutes"), default=10)
    position = models.PositiveIntegerField(_("position"), default=0)
    tags = models.ManyToManyField(Tag, blank=True, related_name="lessons", verbose_name=_("tags"))
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.DRAFT)
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
    updated_at = models.DateTimeField(_("last edited"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last edited by"),
    )
    # What the curriculum loader last wrote; a different current value means an editor
    # changed the lesson in the admin, and the loader must leave it alone.
    loaded_fingerprint = models.CharField(max_length=64, blank=True, editable=False)

    objects = LessonQuerySet.as_manager()

    class Meta:
        ordering = ("course__position", "position", "id")
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        permissions = [("publish_content", _("Can publish lessons, courses and quizzes"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="lesson_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(next_review_due__isnull=True)
                | Q(reviewed_on__isnull=True)
                | Q(next_review_due__gt=models.F("reviewed_on")),
                name="lesson_review_due_after_review",
            ),
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
    def objective_list(self):
        return lines(self.objectives)

    @property
    def key_point_list(self):
        return lines(self.key_points)

    @property
    def reference_list(self):
        return lines(self.references)

    @property
    def is_signed_off(self):
        return self.clinical_reviewer_id is not None and self.reviewed_on is not None

    @property
    def review_overdue(self):
        return self.next_review_due is not None and self.next_review_due < timezone.localdate()


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
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

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
