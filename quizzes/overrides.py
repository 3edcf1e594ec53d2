"""Per-learner adjustments of a quiz (QuizOverride): an extra attempt, extra time on timed
attempts as an accommodation, or a reset. Granted by the learner's supervisor or a clinical
reviewer, each with its reason, and only ever added to: past attempts stay on record."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F, IntegerField, Max, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from quizzes.models import Attempt, OverrideKind, Quiz, QuizOverride, attempts_allowed


class OverrideError(Exception):
    """A refused adjustment, in words for the person who asked; nothing was changed."""


@dataclass
class Allowance:
    attempts_allowed: int | None  # None: unlimited
    extra_minutes: int


def allowance(quiz, learner):
    """What applies to `learner` at `quiz` now, with every adjustment granted so far (one
    query; none for a quiz with neither a limit of attempts nor of time)."""
    if quiz.attempts_allowed is None and not quiz.time_limit_minutes:
        return Allowance(attempts_allowed=None, extra_minutes=0)
    latest_time = QuizOverride.objects.filter(
        quiz=quiz.pk, learner=learner.pk, kind=OverrideKind.EXTRA_TIME
    ).values("extra_minutes")[:1]
    allowed, minutes = (
        Quiz.objects.filter(pk=quiz.pk)
        .annotate(
            allowed=attempts_allowed(
                quiz.pk, learner.pk, Value(quiz.attempts_allowed, output_field=IntegerField())
            ),
            minutes=Coalesce(Subquery(latest_time), 0),
        )
        .values_list("allowed", "minutes")
        .get()
    )
    return Allowance(attempts_allowed=allowed, extra_minutes=minutes)


def refusal(*, learner, quiz, kind, reason, extra_minutes=0):
    """Why this adjustment cannot be granted, in words, or None."""
    if not reason.strip():
        return _("Say why, for the record: nothing was changed.")
    if kind != OverrideKind.EXTRA_TIME and quiz.attempts_allowed is None:
        return _("This quiz allows unlimited attempts: nothing was changed.")
    if kind == OverrideKind.RESET and not Attempt.objects.filter(quiz=quiz, learner=learner):
        return _("There are no attempts to set aside yet: nothing was changed.")
    if kind == OverrideKind.EXTRA_TIME and not quiz.time_limit_minutes:
        return _("This quiz has no time limit: nothing was changed.")
    if kind == OverrideKind.EXTRA_TIME and not 0 <= extra_minutes <= 600:
        return _("Extra time must be from 0 to 600 minutes: nothing was changed.")
    return None


def grant(*, learner, quiz, kind, reason, by, extra_minutes=0):
    """Record one adjustment; extra time also applies to the attempt the learner has open."""
    problem = refusal(
        learner=learner, quiz=quiz, kind=kind, reason=reason, extra_minutes=extra_minutes
    )
    if problem:
        raise OverrideError(problem)
    used = Attempt.objects.filter(quiz=quiz, learner=learner).aggregate(n=Max("number"))["n"]
    with transaction.atomic():
        before = allowance(quiz, learner)
        # A reset leaves the learner the quiz's own number of attempts from now on: the
        # attempts used so far, less those granted as extra, are set aside.
        granted = QuizOverride.objects.filter(
            quiz=quiz, learner=learner, kind=OverrideKind.EXTRA_ATTEMPT
        ).count()
        set_aside = max(0, (used or 0) - granted) if kind == OverrideKind.RESET else 0
        override = QuizOverride.objects.create(
            learner=learner,
            quiz=quiz,
            kind=kind,
            extra_minutes=extra_minutes if kind == OverrideKind.EXTRA_TIME else 0,
            reset_after=set_aside,
            reason=reason.strip(),
            granted_by=by,
        )
        change = extra_minutes - before.extra_minutes
        if kind == OverrideKind.EXTRA_TIME and change:
            Attempt.objects.in_progress().filter(
                quiz=quiz, learner=learner, deadline__isnull=False
            ).update(deadline=F("deadline") + timedelta(minutes=change))
    return override
