from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from education.markdown import render_markdown
from education.models import (
    LIVE_ROWS,
    Course,
    Governed,
    Lesson,
    PublishedQuerySet,
    changed_since,
    draft_constraints,
    live_q,
)
from education.reading import renewal_opened
from education.validators import INT_MAX, NOT_EMPTY, SMALL_INT_MAX, one_of, whole_number
from quizzes.kinds import QuestionKind, answer_key_problems, kind_of

# Answers are accepted this long after the deadline, for slow networks and clicks in flight.
GRACE_PERIOD = timedelta(seconds=60)


class ReviewMode(models.TextChoices):
    LEARNING = "learning", _("Learning: show answers, feedback and rationales after submitting")
    ASSESSMENT = (
        "assessment",
        _(
            "Assessment: show the score and wrong questions; answers once passed or out of attempts"
        ),
    )


class AttemptState(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Submitted")
    EXPIRED = "expired", _("Expired")


class QuizQuerySet(PublishedQuerySet):
    def live(self):
        """Published quizzes, without asking whether their lesson or course is: for a page
        that has just found that lesson or course published."""
        return self.live_rows().filter(live_q())

    def outline(self):
        """Without the introduction: for lists, which never show it."""
        return self.defer("introduction", "introduction_html")

    def published(self):
        return self.live().filter(
            Q(lesson__isnull=True) | Q(lesson__in=Lesson.objects.published()),
            Q(course__isnull=True) | Q(course__in=Course.objects.published()),
        )


class Quiz(Governed):
    title = models.CharField(_("title"), max_length=200, error_messages=NOT_EMPTY)
    slug = models.SlugField(_("slug"), max_length=100)
    lesson = models.ForeignKey(
        Lesson,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        limit_choices_to=LIVE_ROWS,
        related_name="quizzes",
        verbose_name=_("lesson"),
    )
    course = models.ForeignKey(
        Course,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        limit_choices_to=LIVE_ROWS,
        related_name="quizzes",
        verbose_name=_("course"),
        help_text=_("For an end-of-course quiz; leave the lesson empty."),
    )
    introduction = models.TextField(_("introduction"), blank=True, help_text=_("Markdown."))
    introduction_html = models.TextField(editable=False, default="")
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"),
        default=70,
        validators=whole_number(0, 100),
        help_text=_("Announced to the learner before starting."),
    )
    attempts_allowed = models.PositiveSmallIntegerField(
        _("attempts allowed"),
        null=True,
        blank=True,
        validators=whole_number(1, SMALL_INT_MAX),
        help_text=_("Blank: unlimited."),
    )
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("time limit (minutes)"),
        null=True,
        blank=True,
        validators=whole_number(0, SMALL_INT_MAX),
        help_text=_("Blank: no time limit."),
    )
    retake_wait_hours = models.PositiveSmallIntegerField(
        _("wait between attempts (hours)"),
        null=True,
        blank=True,
        validators=whole_number(1, 720),
        help_text=_(
            "The least time from finishing an attempt to starting the next, so that learners "
            "go back to the lessons rather than retry at once. Blank: no wait."
        ),
    )
    shuffle_questions = models.BooleanField(_("shuffle questions"), default=False)
    shuffle_choices = models.BooleanField(_("shuffle choices"), default=False)
    draw_count = models.PositiveSmallIntegerField(
        _("questions per attempt"),
        null=True,
        blank=True,
        validators=whole_number(1, SMALL_INT_MAX),
        help_text=_("Draw this many questions at random from the active ones. Blank: all."),
    )
    partial_credit = models.BooleanField(
        _("partial credit for multiple response"),
        default=False,
        help_text=_("Right minus wrong choices, never below zero. Off: all or nothing."),
    )
    review_mode = models.CharField(
        _("review after submitting"),
        max_length=20,
        choices=ReviewMode,
        default=ReviewMode.LEARNING,
        error_messages=one_of(ReviewMode),
    )
    position = models.PositiveIntegerField(
        _("position"), default=0, validators=whole_number(0, INT_MAX)
    )
    material_change_at = models.DateTimeField(
        _("last material change"),
        null=True,
        blank=True,
        help_text=_("A pass before this no longer counts: learners are asked to pass it again."),
    )

    objects = QuizQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=["loaded_fingerprint", "updated_at", "introduction_html"]
    )

    class Meta:
        ordering = ("position", "id")
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        constraints = [
            *Governed.Meta.constraints,
            *draft_constraints(_("A quiz with this address already exists.")),
            models.CheckConstraint(condition=Q(pass_mark__lte=100), name="quiz_pass_mark_0_100"),
            models.CheckConstraint(
                condition=Q(lesson__isnull=False) | Q(course__isnull=False),
                name="quiz_belongs_to_lesson_or_course",
            ),
            models.CheckConstraint(
                condition=Q(review_mode__in=ReviewMode.values), name="quiz_review_mode_valid"
            ),
            models.CheckConstraint(
                condition=Q(attempts_allowed__isnull=True) | Q(attempts_allowed__gte=1),
                name="quiz_attempts_allowed_positive",
            ),
            models.CheckConstraint(
                condition=Q(draw_count__isnull=True) | Q(draw_count__gte=1),
                name="quiz_draw_count_positive",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.introduction_html = render_markdown(self.introduction)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("quizzes:quiz", args=[self.slug])

    @property
    def home_course(self):
        """The course the quiz counts towards: its lesson's, else its own. The progress
        queries say the same in SQL (Coalesce("lesson__course", "course"))."""
        return self.lesson.course if self.lesson_id else self.course

    @property
    def needs_retake(self):
        """Set `passed_at` (the learner's latest pass in this period) first: passed before the
        quiz's last material change, so the pass counts again only once passed again."""
        return changed_since(getattr(self, "passed_at", None), self.material_change_at)

    DRAFT_FIELDS = (
        "title", "lesson", "course", "introduction", "pass_mark", "attempts_allowed",
        "time_limit_minutes", "retake_wait_hours", "shuffle_questions", "shuffle_choices",
        "draw_count", "partial_credit", "review_mode", "position",
    )  # fmt: skip

    def copy_draft_children(self, draft):
        from quizzes.drafts import copy_questions

        copy_questions(self, draft, replacing=True)

    def publish_draft_children(self, draft):
        from quizzes.drafts import publish_questions

        publish_questions(draft, self)

    def workflow_problems(self):
        """Why this quiz cannot go to review or to learners as it is (asked by
        education.workflow before submitting and publishing): a message for each question
        whose answer key makes no sense, and each error of the item-writing checker.
        Retired questions' keys are checked too: a regrade still marks the attempts that
        were given them."""
        return [
            *(
                _("Question %(number)d (“%(question)s”): %(problem)s")
                % {"number": number, "question": question, "problem": problem}
                for number, question in enumerate(
                    self.questions.prefetch_related("choices").order_by("position", "id"),
                    start=1,
                )
                for problem in answer_key_problems(question.kind, question.choices.all())
            ),
            *(str(finding) for finding in self.item_findings() if finding.is_error),
        ]

    def item_findings(self):
        """What the item-writing checker finds in the active questions (quizzes.item_checks),
        for the editor and the reviewer."""
        from quizzes.item_checks import check_saved_quiz

        return check_saved_quiz(self)

    def clean(self):
        errors = {}
        if self.pass_mark is not None and self.pass_mark > 100:
            errors["pass_mark"] = _("The pass mark is a percentage from 0 to 100.")
        if self.lesson_id is None and self.course_id is None:
            errors["lesson"] = _("Choose the lesson this quiz belongs to, or a course.")
        if self.draw_count and self.pk:
            active = self.questions.filter(is_active=True).count()
            if self.draw_count > active:
                errors["draw_count"] = _(
                    "The quiz has only %(count)d active questions to draw from."
                ) % {"count": active}
        if errors:
            raise ValidationError(errors)


class Question(models.Model):
    quiz = models.ForeignKey(
        Quiz, on_delete=models.CASCADE, related_name="questions", verbose_name=_("quiz")
    )
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=QuestionKind,
        default=QuestionKind.SINGLE,
        error_messages=one_of(QuestionKind),
    )
    vignette = models.TextField(
        _("clinical vignette"), blank=True, help_text=_("Optional case shown above the stem.")
    )
    stem = models.TextField(_("question"), error_messages=NOT_EMPTY)
    rationale = models.TextField(
        _("rationale"),
        error_messages=NOT_EMPTY,
        help_text=_("Shown in review: why the answer is right."),
    )
    vignette_html = models.TextField(editable=False, default="")
    stem_html = models.TextField(editable=False, default="")
    rationale_html = models.TextField(editable=False, default="")
    points = models.PositiveSmallIntegerField(
        _("points"), default=1, validators=whole_number(1, SMALL_INT_MAX)
    )
    position = models.PositiveIntegerField(
        _("position"), default=0, validators=whole_number(0, INT_MAX)
    )
    objective = models.CharField(_("learning objective tested"), max_length=300, blank=True)
    reviewer_note = models.TextField(
        _("note for the clinical reviewer"),
        blank=True,
        help_text=_(
            "Where the question's reasoning goes beyond the source article, for the reviewer "
            "to check. Never shown to learners."
        ),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Retired questions are no longer drawn.")
    )
    updated_at = models.DateTimeField(_("last edited"), auto_now=True)
    # Optimistic locking, as for quizzes (education.admin_workflow.LockedVersionForm): every
    # save of the question's page, its choices included, increments it.
    version = models.PositiveIntegerField(default=1, editable=False)
    # On a draft's question: the live question it becomes when the draft is published.
    # Publishing matches by this, never by position, so a question inserted, removed or
    # moved in the draft leaves every live row (and the attempts pointing at it) its own.
    replaces = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("replaces"),
    )

    history = HistoricalRecords(
        excluded_fields=[
            "updated_at",
            "vignette_html",
            "stem_html",
            "rationale_html",
            "replaces",
            "version",
        ]
    )

    class Meta:
        ordering = ("position", "id")
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.CheckConstraint(condition=Q(points__gte=1), name="question_points_positive"),
            models.CheckConstraint(
                condition=Q(kind__in=QuestionKind.values), name="question_kind_valid"
            ),
        ]

    def __str__(self):
        return self.stem[:80]

    def save(self, *args, **kwargs):
        self.vignette_html = render_markdown(self.vignette)
        self.stem_html = render_markdown(self.stem)
        self.rationale_html = render_markdown(self.rationale)
        super().save(*args, **kwargs)


class Choice(models.Model):
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="choices", verbose_name=_("question")
    )
    text = models.CharField(_("text"), max_length=500, error_messages=NOT_EMPTY)
    is_correct = models.BooleanField(_("correct"), default=False)
    feedback = models.CharField(
        _("feedback"),
        max_length=500,
        blank=True,
        help_text=_("Shown in review next to this choice."),
    )
    position = models.PositiveIntegerField(
        _("position"), default=0, validators=whole_number(0, INT_MAX)
    )
    # On a draft's choice: the live choice it becomes on publishing (see Question.replaces).
    replaces = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("replaces"),
    )

    history = HistoricalRecords(excluded_fields=["replaces"])

    class Meta:
        ordering = ("position", "id")
        verbose_name = _("choice")
        verbose_name_plural = _("choices")

    def __str__(self):
        return self.text


def answers_shown_q(prefix=""):
    """Whether a finished attempt's review may show the answers (the key, the feedback and
    the rationale), as a condition on attempts (`prefix`: the path to the attempt, e.g.
    "attempt__"): in a learning quiz always; in an assessment once the learner has passed it,
    or has used every attempt allowed and has none open. The result page and the dashboard's
    mistakes both ask this."""
    mine = Attempt.objects.filter(
        quiz=OuterRef(f"{prefix}quiz"), learner=OuterRef(f"{prefix}learner")
    ).order_by()
    used = mine.values("quiz").annotate(n=Count("pk")).values("n")[:1]
    allowed = attempts_allowed(
        OuterRef(f"{prefix}quiz"),
        OuterRef(f"{prefix}learner"),
        F(f"{prefix}quiz__attempts_allowed"),
    )
    return (
        Q(**{f"{prefix}quiz__review_mode": ReviewMode.LEARNING})
        | Q(**{f"{prefix}passed": True})
        | (
            LessThanOrEqual(allowed, Subquery(used))
            & ~Exists(mine.filter(state=AttemptState.IN_PROGRESS))
        )
    )


def attempts_allowed(quiz, learner, quiz_allows):
    """The attempts `learner` may make at `quiz` (refs or values): what the quiz allows
    (`quiz_allows`, None: unlimited), plus each extra attempt granted to them, plus the
    attempts set aside: by a reset (QuizOverride), or by the renewal of the quiz's course,
    whichever sets more aside."""
    granted = QuizOverride.objects.filter(quiz=quiz, learner=learner).order_by().values("quiz")
    extra = granted.filter(kind=OverrideKind.EXTRA_ATTEMPT).annotate(n=Count("pk")).values("n")
    set_aside = granted.filter(kind=OverrideKind.RESET).annotate(n=Max("reset_after")).values("n")
    return (
        quiz_allows
        + Coalesce(Subquery(extra[:1]), 0)
        + Greatest(Coalesce(Subquery(set_aside[:1]), 0), renewal_set_aside(quiz, learner))
    )


# An attempt belongs to the period in which it was finished, as progress counts it
# (portal.progress.queries); one still open, to the period it was started in.
PERIOD_ALIASES = {
    "course_key": Coalesce("quiz__lesson__course", "quiz__course"),
    "finished": Coalesce("submitted_at", "started_at"),
}


def renewal_set_aside(quiz, learner):
    """The attempts at `quiz` (ref or value) that `learner` made before their renewal of
    its course opened, for a course whose completions expire: those belonged to the period
    being renewed, and the renewal has the quiz's attempts afresh."""
    earlier = (
        Attempt.objects.filter(quiz=quiz, learner=learner)
        .alias(**PERIOD_ALIASES)
        .filter(finished__lt=renewal_opened("course_key"))
        .order_by()
        .values("quiz")
        .annotate(n=Max("number"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(earlier), 0)


class AttemptQuerySet(models.QuerySet):
    def finished(self):
        return self.exclude(state=AttemptState.IN_PROGRESS)

    def of_current_period(self):
        """Without the attempts of a period being renewed (education.reading.renewal_opened)."""
        return (
            self.alias(**PERIOD_ALIASES)
            .alias(since=renewal_opened("course_key"))
            .filter(Q(since__isnull=True) | Q(finished__gte=F("since")))
        )

    def passed(self):
        return self.filter(passed=True)

    def answers_shown(self):
        return self.filter(answers_shown_q())

    def in_progress(self):
        return self.filter(state=AttemptState.IN_PROGRESS)

    def overdue(self, now):
        return self.in_progress().filter(deadline__lt=now - GRACE_PERIOD)


class Attempt(models.Model):
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="quiz_attempts",
        verbose_name=_("learner"),
    )
    quiz = models.ForeignKey(
        Quiz, on_delete=models.PROTECT, related_name="attempts", verbose_name=_("quiz")
    )
    number = models.PositiveSmallIntegerField(_("attempt number"))
    state = models.CharField(
        _("state"), max_length=20, choices=AttemptState, default=AttemptState.IN_PROGRESS
    )
    started_at = models.DateTimeField(_("started"))
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("finished"), null=True, blank=True)
    last_answer_at = models.DateTimeField(_("last answer saved"), null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=2, default=Decimal(0))
    max_score = models.DecimalField(
        _("maximum"), max_digits=7, decimal_places=2, default=Decimal(0)
    )
    percent = models.DecimalField(
        _("percent"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    pass_mark = models.PositiveSmallIntegerField(_("pass mark at the time"))

    objects = AttemptQuerySet.as_manager()

    class Meta:
        ordering = ("-started_at", "-id")
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "quiz"],
                condition=Q(state=AttemptState.IN_PROGRESS),
                name="attempt_one_in_progress_per_learner_quiz",
            ),
            models.UniqueConstraint(
                fields=["learner", "quiz", "number"], name="attempt_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=F("max_score")),
                name="attempt_score_within_maximum",
            ),
            models.CheckConstraint(
                condition=Q(state__in=AttemptState.values), name="attempt_state_valid"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="attempt_number_positive"),
        ]

    def __str__(self):
        return f"{self.learner} · {self.quiz} · #{self.number}"

    @property
    def is_open(self):
        return self.state == AttemptState.IN_PROGRESS

    @property
    def ran_out_of_time(self):
        return self.state == AttemptState.EXPIRED

    def accepts_answers_at(self, now):
        return self.is_open and (self.deadline is None or now <= self.deadline + GRACE_PERIOD)


class AttemptQuestion(models.Model):
    """One question exactly as this attempt showed it, and the learner's answer.

    `choices` is the frozen list, in display order, of
    {"id": choice id, "text", "correct", "feedback"}: later edits to the question never
    change it, except through an explicit regrade.
    """

    attempt = models.ForeignKey(
        Attempt, on_delete=models.CASCADE, related_name="questions", verbose_name=_("attempt")
    )
    question = models.ForeignKey(
        Question,
        on_delete=models.PROTECT,
        related_name="attempt_questions",
        verbose_name=_("question"),
    )
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=20, choices=QuestionKind)
    points = models.PositiveSmallIntegerField(_("points"))
    vignette_html = models.TextField(blank=True)
    stem_html = models.TextField()
    rationale_html = models.TextField(blank=True)
    choices = models.JSONField(_("choices as shown"))
    selected = models.JSONField(_("selected choice ids"), default=list, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    # Moves on with every saved answer. A page sends the revision it last saw, so a stale
    # page (another tab, a device left open) cannot overwrite a newer answer.
    revision = models.PositiveIntegerField(default=0)
    mark = models.DecimalField(_("mark"), max_digits=7, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ("attempt", "position")
        verbose_name = _("question of an attempt")
        verbose_name_plural = _("questions of attempts")
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "position"], name="attempt_question_position_unique"
            ),
            models.UniqueConstraint(fields=["attempt", "question"], name="attempt_question_once"),
            models.CheckConstraint(
                condition=Q(mark__isnull=True) | (Q(mark__gte=0) & Q(mark__lte=F("points"))),
                name="attempt_question_mark_within_points",
            ),
        ]

    def __str__(self):
        return f"{self.attempt} · Q{self.position}"

    @property
    def kind_rules(self):
        """What this kind of question is (quizzes/kinds.py): e.g. `kind_rules.allows_many`."""
        return kind_of(self.kind)

    @property
    def is_answered(self):
        return bool(self.selected)

    @property
    def is_correct(self):
        return self.mark is not None and self.mark == self.points

    @property
    def correct_ids(self):
        return {choice["id"] for choice in self.choices if choice["correct"]}


class Regrade(models.Model):
    """An audited change of an attempt's score after its quiz's answer key changed."""

    attempt = models.ForeignKey(
        Attempt, on_delete=models.CASCADE, related_name="regrades", verbose_name=_("attempt")
    )
    regraded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    regraded_at = models.DateTimeField(_("when"), auto_now_add=True)
    old_score = models.DecimalField(_("old score"), max_digits=7, decimal_places=2)
    new_score = models.DecimalField(_("new score"), max_digits=7, decimal_places=2)

    class Meta:
        ordering = ("-regraded_at", "-id")
        verbose_name = _("regrade")
        verbose_name_plural = _("regrades")

    def __str__(self):
        return f"{self.attempt}: {self.old_score} → {self.new_score}"


class OverrideKind(models.TextChoices):
    EXTRA_ATTEMPT = "extra_attempt", _("One extra attempt")
    EXTRA_TIME = "extra_time", _("Extra time on each attempt")
    RESET = "reset", _("A fresh set of attempts")


class QuizOverride(models.Model):
    """One audited adjustment of a quiz for one learner, granted by their supervisor or a
    clinical reviewer: an extra attempt, extra time on timed attempts (an accommodation), or
    a reset. Rows are only ever added: what applies now is read from all of them
    (quizzes/overrides.py), and past attempts are never deleted."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="quiz_overrides",
        verbose_name=_("learner"),
    )
    quiz = models.ForeignKey(
        Quiz, on_delete=models.PROTECT, related_name="overrides", verbose_name=_("quiz")
    )
    kind = models.CharField(_("adjustment"), max_length=20, choices=OverrideKind)
    extra_minutes = models.PositiveSmallIntegerField(
        _("extra minutes"),
        default=0,
        help_text=_("Added to the time limit of every attempt from now on; 0 takes it away."),
    )
    reset_after = models.PositiveSmallIntegerField(
        _("attempts set aside"),
        default=0,
        help_text=_("A reset: attempts up to this number stay on record but no longer count."),
    )
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("granted by"),
    )
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)

    class Meta:
        ordering = ("-granted_at", "-id")
        verbose_name = _("quiz adjustment")
        verbose_name_plural = _("quiz adjustments")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=OverrideKind.values), name="quiz_override_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(extra_minutes__lte=600), name="quiz_override_extra_minutes_at_most_600"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="quiz_override_reason_given"),
        ]

    def __str__(self):
        return f"{self.learner} · {self.quiz} · {self.get_kind_display()}"
