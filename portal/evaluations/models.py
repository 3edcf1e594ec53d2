"""The learner's evaluation of a course, asked before the certificate is issued.

Each live course has its own short list of questions, which editors change in the admin
(`CourseEvaluation`, a proxy of the course, with the questions inline). A learner answers
once per completion (`Evaluation` -> `CourseCompletion`), and every answer keeps the question's
wording and kind as they were shown: an edited question never changes an answer already given.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from education.models import LIVE_ROWS, Course
from education.validators import INT_MAX, whole_number
from portal.progress.models import CourseCompletion


class AnswerKind(models.TextChoices):
    RATING = "rating", _("Rating from 1 (strongly disagree) to 5 (strongly agree)")
    YES_NO = "yes_no", _("Yes / no / not sure")
    TEXT = "text", _("Free text")


class YesNo(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    NOT_SURE = "not_sure", _("Not sure")


RATINGS = {
    1: _("Strongly disagree"),
    2: _("Disagree"),
    3: _("Neither agree nor disagree"),
    4: _("Agree"),
    5: _("Strongly agree"),
}


def rating_choices():
    """1 to 5, each with its words ("4 - Agree", with an en dash)."""
    return [(value, f"{value} \u2013 {label}") for value, label in RATINGS.items()]


class CourseEvaluation(Course):
    """A course seen from its evaluation: the admin page where editors keep its questions."""

    class Meta:
        proxy = True
        verbose_name = _("course evaluation")
        verbose_name_plural = _("course evaluations")


class QuestionQuerySet(models.QuerySet):
    def asked(self):
        """The questions a learner is shown now, in order."""
        return self.filter(active=True).order_by("position", "id")


class EvaluationQuestion(models.Model):
    course = models.ForeignKey(
        Course,
        on_delete=models.CASCADE,
        limit_choices_to=LIVE_ROWS,
        related_name="evaluation_questions",
        verbose_name=_("course"),
    )
    position = models.PositiveIntegerField(
        _("position"), default=0, validators=whole_number(0, INT_MAX)
    )
    kind = models.CharField(_("kind of answer"), max_length=10, choices=AnswerKind)
    # A certificate waits only for questions that were asked when its course was completed.
    created_at = models.DateTimeField(_("added"), default=timezone.now, editable=False)
    text = models.CharField(
        _("question"),
        max_length=300,
        help_text=_(
            "As learners read it. A rating question is a statement they agree or disagree "
            "with, e.g. “The course was relevant to my practice.”"
        ),
    )
    required = models.BooleanField(
        _("answer required"),
        default=True,
        help_text=_("Learners must answer it before they get their certificate."),
    )
    active = models.BooleanField(
        _("asked"),
        default=True,
        help_text=_(
            "Untick to stop asking it. A question already answered cannot be deleted; the "
            "answers keep its wording as it was shown."
        ),
    )

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ("position", "id")
        verbose_name = _("evaluation question")
        verbose_name_plural = _("evaluation questions")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=AnswerKind.values), name="evaluation_question_kind_valid"
            ),
        ]

    def __str__(self):
        return self.text


class Evaluation(models.Model):
    """One learner's answers for one completion of a course, given once."""

    completion = models.ForeignKey(
        CourseCompletion,
        on_delete=models.CASCADE,
        related_name="evaluations",
        verbose_name=_("completion"),
    )
    course_version = models.PositiveIntegerField(
        _("course version"), help_text=_("The version of the course the learner completed.")
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)

    class Meta:
        ordering = ("-submitted_at", "id")
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = [
            models.UniqueConstraint(
                fields=["completion"],
                name="evaluation_once_per_completion",
                violation_error_message=_("This completion has been evaluated already."),
            ),
        ]

    def __str__(self):
        return str(self.completion)


class Answer(models.Model):
    """One answer, with the question as it was shown."""

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="answers", verbose_name=_("evaluation")
    )
    question = models.ForeignKey(
        EvaluationQuestion,
        on_delete=models.PROTECT,
        related_name="answers",
        verbose_name=_("question"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    question_text = models.CharField(_("question as shown"), max_length=300)
    kind = models.CharField(_("kind of answer"), max_length=10, choices=AnswerKind)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    choice = models.CharField(_("answer"), max_length=10, choices=YesNo, blank=True)
    text = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ("position", "id")
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "question"], name="evaluation_answer_once_per_question"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="evaluation_answer_rating_1_to_5",
                violation_error_message=_("A rating is from 1 to 5."),
            ),
            # Exactly the one value its kind holds: a rating, a choice or a comment.
            models.CheckConstraint(
                condition=Q(kind=AnswerKind.RATING, rating__isnull=False, choice="", text="")
                | Q(
                    kind=AnswerKind.YES_NO,
                    rating__isnull=True,
                    choice__in=YesNo.values,
                    text="",
                )
                | (Q(kind=AnswerKind.TEXT, rating__isnull=True, choice="") & ~Q(text="")),
                name="evaluation_answer_fits_its_kind",
                violation_error_message=_("The answer does not fit the kind of question."),
            ),
        ]

    def __str__(self):
        return f"{self.question_text}: {self.value}"

    @property
    def value(self):
        if self.kind == AnswerKind.RATING:
            return self.rating
        if self.kind == AnswerKind.YES_NO:
            return self.get_choice_display()
        return self.text
