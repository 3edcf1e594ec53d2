"""Every change to an attempt. Each is one transaction (saving an answer on PostgreSQL: one
statement) guarded by a conditional update on the attempt's state or by a unique constraint,
so double clicks, two tabs and concurrent requests cannot start twice or grade twice, on
SQLite and PostgreSQL alike."""

import logging
import random
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, connections, router, transaction
from django.db.models import Exists, F, Max
from django.db.models.expressions import RawSQL
from django.db.models.sql import UpdateQuery
from django.utils import timezone
from django.utils.translation import gettext as _

from education.dates import short_datetime
from education.models import WorkflowAction
from education.workflow import record
from quizzes import overrides
from quizzes.grading import score_percent
from quizzes.kinds import kind_of, mark_for
from quizzes.models import (
    GRACE_PERIOD,
    Attempt,
    AttemptQuestion,
    AttemptState,
    Question,
    Regrade,
)
from quizzes.signals import attempt_graded

MAX_CHOICES_PER_ANSWER = 20


logger = logging.getLogger(__name__)


class QuizError(Exception):
    """A request the learner may see explained; nothing was written."""


class StaleAnswerError(QuizError):
    """The page that sent the answer had not seen the latest one: nothing was written."""


def attempts_left(quiz, learner, allowance=None):
    """None: unlimited. `allowance`: the learner's at this quiz, if already read."""
    if quiz.attempts_allowed is None:
        return None
    allowed = (allowance or overrides.allowance(quiz, learner)).attempts_allowed
    used = Attempt.objects.filter(quiz=quiz, learner=learner).count()
    return max(0, allowed - used)


def next_attempt_from(quiz, attempts):
    """When the learner may start another attempt at `quiz`, given their `attempts` (the
    latest finished one counts), or None when they need not wait."""
    if not quiz.retake_wait_hours:
        return None
    finished = [attempt.submitted_at for attempt in attempts if attempt.submitted_at]
    return max(finished) + timedelta(hours=quiz.retake_wait_hours) if finished else None


def snapshot_questions(quiz, rng):
    questions = list(quiz.questions.filter(is_active=True).prefetch_related("choices"))
    if quiz.draw_count and quiz.draw_count < len(questions):
        questions = sorted(
            rng.sample(questions, quiz.draw_count), key=lambda q: (q.position, q.id)
        )
    if quiz.shuffle_questions:
        rng.shuffle(questions)
    rows = []
    for position, question in enumerate(questions, start=1):
        choices = [
            {"id": c.id, "text": c.text, "correct": c.is_correct, "feedback": c.feedback}
            for c in question.choices.all()
        ]
        if quiz.shuffle_choices and kind_of(question.kind).shuffles_choices:
            rng.shuffle(choices)
        rows.append(
            AttemptQuestion(
                question=question,
                position=position,
                kind=question.kind,
                points=question.points,
                vignette_html=question.vignette_html,
                stem_html=question.stem_html,
                rationale_html=question.rationale_html,
                choices=choices,
            )
        )
    return rows


def start_attempt(*, learner, quiz, now=None, rng=None):
    """Resume the learner's open attempt, or start the next one if attempts are left."""
    now = now or timezone.now()
    close_overdue_attempts(now=now, learner=learner, quiz=quiz)
    existing = Attempt.objects.in_progress().filter(learner=learner, quiz=quiz).first()
    if existing:
        return existing
    last_number = (
        Attempt.objects.filter(learner=learner, quiz=quiz).aggregate(n=Max("number"))["n"] or 0
    )
    allowance = overrides.allowance(quiz, learner)
    if allowance.attempts_allowed is not None and last_number >= allowance.attempts_allowed:
        # The last attempt may be one another tab started a moment ago: resume it.
        existing = Attempt.objects.in_progress().filter(learner=learner, quiz=quiz).first()
        if existing:
            return existing
        raise QuizError(_("You have used all the attempts allowed for this quiz."))
    if quiz.retake_wait_hours:
        finished = Attempt.objects.finished().filter(learner=learner, quiz=quiz)
        opens = next_attempt_from(quiz, finished.only("submitted_at"))
        if opens and now < opens:
            raise QuizError(
                _(
                    "Your next attempt can start from %(time)s. Until then, go back over the lessons."
                )
                % {"time": short_datetime(opens)}
            )
    rows = snapshot_questions(quiz, rng or random.Random())
    if not rows:
        raise QuizError(_("This quiz has no questions yet."))
    deadline = None
    if quiz.time_limit_minutes:
        deadline = now + timedelta(minutes=quiz.time_limit_minutes + allowance.extra_minutes)
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                learner=learner,
                quiz=quiz,
                number=last_number + 1,
                started_at=now,
                deadline=deadline,
                max_score=sum(row.points for row in rows),
                pass_mark=quiz.pass_mark,
            )
            for row in rows:
                row.attempt = attempt
            AttemptQuestion.objects.bulk_create(rows)
    except IntegrityError:
        # Another tab started the same attempt a moment ago: continue in that one.
        existing = Attempt.objects.in_progress().filter(learner=learner, quiz=quiz).first()
        if existing is None:
            raise QuizError(_("The quiz could not be started. Please try again.")) from None
        return existing
    return attempt


def _validated_choice_ids(attempt_question, raw_ids):
    if len(raw_ids) > MAX_CHOICES_PER_ANSWER:
        raise QuizError(_("Too many choices were sent."))
    try:
        ids = {int(raw) for raw in raw_ids}
    except (TypeError, ValueError):
        raise QuizError(_("That answer is not one of the choices.")) from None
    offered = {choice["id"] for choice in attempt_question.choices}
    if not ids <= offered:
        raise QuizError(_("That answer is not one of the choices of this question."))
    if not kind_of(attempt_question.kind).allows_many and len(ids) > 1:
        raise QuizError(_("Choose only one answer for this question."))
    return sorted(ids, key=[c["id"] for c in attempt_question.choices].index)


def save_answer(*, attempt, attempt_question, choice_ids, revision=None, now=None):
    """Store one answer the moment it is given. An empty list clears the answer.
    `revision`: the answer's revision the page last saw (AttemptQuestion.revision); if
    another answer was saved since, StaleAnswerError. Returns the new revision."""
    now = now or timezone.now()
    if attempt_question.attempt_id != attempt.pk:
        raise QuizError(_("That question is not part of this attempt."))
    ids = _validated_choice_ids(attempt_question, choice_ids)
    # The conditional update of the attempt takes its row lock, so a concurrent submit
    # either sees this answer or makes this update find no open attempt.
    still_open = (
        Attempt.objects.in_progress()
        .filter(pk=attempt.pk)
        .exclude(deadline__lt=now - GRACE_PERIOD)
    )
    answer = AttemptQuestion.objects.filter(pk=attempt_question.pk)
    touched = still_open
    if revision is not None:
        if revision < 0:  # nothing a page could have seen
            _refuse_stale(attempt, attempt_question, revision)
        answer = answer.filter(revision=revision)
        # A stale answer changes nothing, the attempt's last answer time included.
        touched = still_open.filter(Exists(answer))
    values = {"selected": ids, "answered_at": now if ids else None, "revision": F("revision") + 1}
    using = router.db_for_write(AttemptQuestion)
    if connections[using].vendor == "postgresql":
        saved = _save_in_one_statement(touched, now, answer, values, using)
    else:
        with transaction.atomic(using=using):
            saved = touched.update(last_answer_at=now) and answer.update(**values)
    if not saved:
        if revision is not None and still_open.exists():
            _refuse_stale(attempt, attempt_question, revision)
        raise QuizError(_("This attempt is closed; answers can no longer be changed."))
    return None if revision is None else revision + 1


def _refuse_stale(attempt, attempt_question, revision):
    logger.warning(
        "Stale answer refused: attempt %s, question %s, page at revision %s",
        attempt.pk,
        attempt_question.pk,
        revision,
    )
    raise StaleAnswerError(
        _("This page is out of date: reload it to see your latest answers. Nothing was changed.")
    )


def _save_in_one_statement(still_open, now, answer, values, using):
    """PostgreSQL: the attempt's update and, only if it found the attempt open, the answer's,
    as one statement (a data-modifying WITH), so that saving an answer, which a whole ward does
    at once, costs one round trip instead of four (BEGIN, two updates, COMMIT). The attempt's
    row lock is taken as by a separate update. Returns how many answers were updated."""

    def update_sql(queryset, values):
        query = queryset.query.chain(UpdateQuery)
        query.add_update_values(values)
        return query.get_compiler(using).as_sql()

    attempt_sql, attempt_params = update_sql(still_open, {"last_answer_at": now})
    answer_sql, answer_params = update_sql(
        answer.filter(attempt_id__in=RawSQL('SELECT "id" FROM "still_open"', ())), values
    )
    # As QuerySet.update does: an error inside a caller's atomic block marks it for rollback.
    with transaction.mark_for_rollback_on_error(using), connections[using].cursor() as cursor:
        cursor.execute(
            f'WITH "still_open" AS ({attempt_sql} RETURNING "id") {answer_sql}',
            (*attempt_params, *answer_params),
        )
        return cursor.rowcount


def _grade(attempt):
    """Mark every question of a closed attempt and store the totals."""
    partial = attempt.quiz.partial_credit
    rows = list(attempt.questions.all())
    for row in rows:
        row.mark = mark_for(
            kind=row.kind,
            points=row.points,
            correct_ids=row.correct_ids,
            selected_ids=row.selected,
            partial_credit=partial,
        )
    AttemptQuestion.objects.bulk_update(rows, ["mark"])
    score = sum((row.mark for row in rows), start=Decimal("0.00"))
    percent = score_percent(score, attempt.max_score)
    Attempt.objects.filter(pk=attempt.pk).update(
        score=score, percent=percent, passed=percent >= attempt.pass_mark
    )


def submit_attempt(*, attempt, now=None):
    """Close and grade the attempt exactly once. Returns True if this call graded it."""
    now = now or timezone.now()
    late = attempt.deadline is not None and now > attempt.deadline + GRACE_PERIOD
    with transaction.atomic():
        closed = (
            Attempt.objects.in_progress()
            .filter(pk=attempt.pk)
            .update(
                state=AttemptState.EXPIRED if late else AttemptState.SUBMITTED,
                submitted_at=attempt.deadline if late else now,
            )
        )
        if not closed:
            return False
        _grade(attempt)
        transaction.on_commit(lambda: attempt_graded.send(sender=Attempt, attempt=attempt))
    return True


def close_overdue_attempts(*, now=None, **filters):
    """Expire attempts past their deadline and grace, scoring the answers saved in time.
    Idempotent: an attempt already closed is left alone. Returns how many were closed."""
    now = now or timezone.now()
    closed = 0
    for attempt in Attempt.objects.overdue(now).filter(**filters).select_related("quiz"):
        closed += submit_attempt(attempt=attempt, now=now)
    return closed


def regrade_preview(quiz):
    """Every finished attempt whose score would change under the quiz's current answer key:
    a list of (attempt, old score, new score)."""
    key = {
        question.id: {c.id for c in question.choices.all() if c.is_correct}
        for question in Question.objects.filter(quiz=quiz).prefetch_related("choices")
    }
    changes = []
    attempts = (
        Attempt.objects.finished()
        .filter(quiz=quiz)
        .select_related("learner")
        .prefetch_related("questions")
    )
    for attempt in attempts:
        new_score = sum(
            (
                mark_for(
                    kind=row.kind,
                    points=row.points,
                    correct_ids=key.get(row.question_id, set()),
                    selected_ids=row.selected,
                    partial_credit=quiz.partial_credit,
                )
                for row in attempt.questions.all()
            ),
            start=Decimal("0.00"),
        )
        if new_score != attempt.score:
            changes.append((attempt, attempt.score, new_score))
    return changes, key


def apply_regrade(*, quiz, user):
    """Apply the current answer key to the attempts it changes, with an audit row each."""
    with transaction.atomic():
        changes, key = regrade_preview(quiz)
        if changes:
            record(
                quiz, WorkflowAction.REGRADED, user, comment=f"{len(changes)} attempt(s) changed"
            )
        for attempt, old_score, _new_score in changes:
            rows = list(attempt.questions.all())
            for row in rows:
                correct = key.get(row.question_id, set())
                row.choices = [{**c, "correct": c["id"] in correct} for c in row.choices]
            AttemptQuestion.objects.bulk_update(rows, ["choices"])
            _grade(attempt)
            attempt.refresh_from_db()
            Regrade.objects.create(
                attempt=attempt, regraded_by=user, old_score=old_score, new_score=attempt.score
            )
            transaction.on_commit(
                lambda attempt=attempt: attempt_graded.send(sender=Attempt, attempt=attempt)
            )
    return changes
