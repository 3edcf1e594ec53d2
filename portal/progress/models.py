import calendar
import secrets
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from education.models import LIVE_ROWS, Course
from education.validators import quarter_hours_field
from portal.progress.item_analysis import shown_flags

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


def new_certificate_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))


def study_hours(course):
    """The course's estimated study time in hours, from its published lessons as they are now."""
    minutes = sum(course.lessons.published().values_list("estimated_minutes", flat=True))
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"))


def months_after(day, months):
    """The same day `months` later; the month's last day where it is shorter (31 Jan + 1
    month is 28 or 29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def validity(course, completed_at, valid_until=None):
    """(expires_on, renewal_opens_at) of a completion of `course` at `completed_at`: the last
    day it counts (the course's months later, less a day: completed on 15 January, valid
    until 14 January) and when its renewal opens; both None for a course whose completions
    never expire. `valid_until`: the expiry of the completion being renewed, if it has not
    lapsed: the new period then starts the day after it, so renewing early loses nothing.
    Fixed at completion, like the certificate's facts: changing a course's validity later
    leaves certificates already issued as they were."""
    if not course.valid_for_months:
        return None, None
    completed_on = timezone.localdate(completed_at)
    starts_on = completed_on
    if valid_until is not None and valid_until >= completed_on:
        starts_on = valid_until + timedelta(days=1)
    expires_on = months_after(starts_on, course.valid_for_months) - timedelta(days=1)
    opens_on = max(
        expires_on - timedelta(days=settings.RENEWAL_WINDOW_DAYS),
        completed_on + timedelta(days=1),
    )
    return expires_on, timezone.make_aware(datetime.combine(opens_on, time.min))


def completion_facts(course):
    """What a certificate states about the course, taken at the moment of completion: a later
    edit of the course or its lessons must not change a certificate already issued."""
    return {
        "course_title": course.title,
        "course_version": course.version,
        # The sign-off and disclosures learners were shown, as they were then.
        "signed_off_by": (
            course.clinical_reviewer.name_with_credentials if course.is_signed_off else ""
        ),
        "reviewed_on": course.reviewed_on if course.is_signed_off else None,
        "conflict_of_interest": course.conflict_of_interest,
        # A reviewer's designated credit, when there is one, is what the learner earns.
        "credit_hours": (
            course.credit_hours if course.credit_hours is not None else study_hours(course)
        ),
    }


class CompletionQuerySet(models.QuerySet):
    def renewal_due(self, now):
        """Completions whose renewal has opened (expiring soon) or that have expired."""
        return self.filter(renewal_opens_at__lte=now)

    def standing(self, now):
        """Completions with nothing left to do: they never expire or their renewal has not
        opened yet."""
        return self.exclude(renewal_opens_at__lte=now)


class CourseCompletion(models.Model):
    """A learner completed a course: recorded once per period (a course whose completions
    expire is completed again, each time a new period with its own row and certificate),
    with its date, its certificate code and the course's title, version and hours as they
    were then (see completion_facts), and when it expires (see validity)."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="course_completions",
        verbose_name=_("learner"),
    )
    course = models.ForeignKey(
        Course,
        on_delete=models.PROTECT,
        limit_choices_to=LIVE_ROWS,
        related_name="completions",
        verbose_name=_("course"),
    )
    period = models.PositiveIntegerField(
        _("period"),
        default=1,
        help_text=_("1 for the first completion of the course, 2 for its first renewal..."),
    )
    completed_at = models.DateTimeField(_("completed"))
    expires_on = models.DateField(
        _("expires on"),
        null=True,
        blank=True,
        help_text=_(
            "The last day the completion counts; after it the course must be completed "
            "again. Blank: never expires."
        ),
    )
    renewal_opens_at = models.DateTimeField(
        _("renewal opens"),
        null=True,
        blank=True,
        help_text=_(
            "From then, lessons read and quizzes passed count towards the renewal, and "
            "supervisors see the completion as expiring soon."
        ),
    )
    certificate_code = models.CharField(
        _("certificate code"), max_length=16, unique=True, default=new_certificate_code
    )
    course_title = models.CharField(
        _("course title at completion"),
        max_length=200,
        help_text=_("The title printed on the certificate, as the course was called then."),
    )
    course_version = models.PositiveIntegerField(
        _("course version at completion"),
        help_text=_("The version of the course the learner completed."),
    )
    credit_hours = models.DecimalField(
        _("credit hours"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        help_text=_("The study time printed on the certificate, fixed when it was completed."),
    )
    signed_off_by = models.CharField(
        _("clinical sign-off at completion"),
        max_length=360,
        blank=True,
        help_text=_(
            "The responsible clinical reviewer with credentials, as the course named them "
            "then. Blank: the course was awaiting clinical sign-off."
        ),
    )
    reviewed_on = models.DateField(_("last clinical review at completion"), null=True, blank=True)
    conflict_of_interest = models.TextField(
        _("conflict-of-interest statement at completion"), blank=True
    )
    attested_hours = quarter_hours_field(
        _("time spent (attested)"),
        _("The time the learner attests they spent, up to the credit hours."),
    )

    objects = CompletionQuerySet.as_manager()

    class Meta:
        ordering = ("-completed_at", "id")
        verbose_name = _("course completion")
        verbose_name_plural = _("course completions")
        constraints = [
            # Two requests completing the same period at once: one row, the other is refused.
            models.UniqueConstraint(
                fields=["learner", "course", "period"], name="completion_once_per_period"
            ),
            models.CheckConstraint(condition=Q(period__gte=1), name="completion_period_from_1"),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True, renewal_opens_at__isnull=True)
                | Q(expires_on__isnull=False, renewal_opens_at__isnull=False),
                name="completion_expiry_with_renewal",
            ),
            models.CheckConstraint(
                condition=Q(credit_hours__gte=0),
                name="completion_hours_not_negative",
                violation_error_message=_("Credit hours cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(attested_hours__isnull=True)
                | Q(attested_hours__gte=0, attested_hours__lte=F("credit_hours")),
                name="completion_attested_within_credit",
                violation_error_message=_(
                    "The time you spent can be from 0 up to the course's credit hours."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.learner} · {self.course}"


class Assignment(models.Model):
    """Required training: a course for a team or for one person, due on a date."""

    course = models.ForeignKey(
        Course,
        on_delete=models.PROTECT,
        limit_choices_to=LIVE_ROWS,
        related_name="assignments",
        verbose_name=_("course"),
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("team"),
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("person"),
    )
    due_on = models.DateField(_("due on"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    created_at = models.DateTimeField(_("assigned on"), auto_now_add=True)

    class Meta:
        ordering = ("due_on", "id")
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.CheckConstraint(
                condition=Q(team__isnull=True, learner__isnull=False)
                | Q(team__isnull=False, learner__isnull=True),
                name="assignment_team_xor_learner",
                violation_error_message=_("Choose a team, or one person, not both."),
            ),
        ]

    def __str__(self):
        return f"{self.course} → {self.team or self.learner} ({self.due_on})"

    def learners_due(self):
        """(learner, due on, period) for each active learner this assignment asks to
        complete the course: by its due date the first time; where the course's completions
        expire, again by the day their latest completion expires or this assignment's date,
        whichever is later (the assignment renews itself for each period). One query."""
        from portal.accounts.models import User

        latest = CourseCompletion.objects.filter(
            learner=OuterRef("pk"), course=self.course_id
        ).order_by("-period")
        learners = (
            User.objects.filter(is_active=True)
            .filter(Q(pk=self.learner_id) if self.learner_id else Q(team=self.team_id))
            .annotate(
                done_period=Subquery(latest.values("period")[:1]),
                done_expires_on=Subquery(latest.values("expires_on")[:1]),
            )
            .select_related("team")
        )
        for learner in learners:
            if learner.done_period is None:
                yield learner, self.due_on, 1
            elif learner.done_expires_on is not None:
                # By the expiry, or by this assignment's date if later (rows.due_of).
                yield learner, max(learner.done_expires_on, self.due_on), learner.done_period + 1

    def clean(self):
        from django.core.exceptions import ValidationError

        if (self.team_id is None) == (self.learner_id is None):
            raise ValidationError(_("Assign the course either to a team or to one person."))


class ReminderKind(models.TextChoices):
    WEEK_BEFORE = "week", _("7 days before")
    DAY_BEFORE = "day", _("1 day before")
    OVERDUE = "overdue", _("Overdue")


class ReminderSent(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="reminders")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=ReminderKind)
    # The period the reminder is for: each renewal of expiring training is reminded again.
    period = models.PositiveIntegerField(default=1)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-sent_at", "id")
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "learner", "kind", "period"],
                name="reminder_once_per_kind_and_period",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ReminderKind.values), name="reminder_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.assignment} · {self.learner} · {self.kind}"


class ItemStatistics(models.Model):
    """The stored result of an item analysis of one quiz (see portal/progress/statistics.py)."""

    quiz = models.ForeignKey("quizzes.Quiz", on_delete=models.CASCADE, related_name="statistics")
    first_attempts_only = models.BooleanField(default=True)
    computed_at = models.DateTimeField()
    attempt_count = models.PositiveIntegerField(default=0)
    stale = models.BooleanField(default=False, help_text=_("New attempts arrived since."))
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ("quiz", "first_attempts_only")
        verbose_name = _("item statistics")
        verbose_name_plural = _("item statistics")
        constraints = [
            models.UniqueConstraint(
                fields=["quiz", "first_attempts_only"], name="item_statistics_once_per_scope"
            ),
        ]

    def __str__(self):
        return f"{self.quiz} ({self.computed_at:%Y-%m-%d %H:%M})"

    @property
    def flagged_items(self):
        return [item for item in self.data.get("items", []) if shown_flags(item)]
