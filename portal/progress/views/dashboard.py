from collections import defaultdict
from datetime import timedelta

from django.db.models import F, OuterRef, Prefetch, Q, Subquery, prefetch_related_objects
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from education import reading
from portal.content_cache.outline import outline
from portal.progress.charts import bar_chart
from portal.progress.models import Assignment
from portal.progress.queries import progress_of_learner
from portal.progress.rows import due_of
from quizzes.models import Attempt, AttemptQuestion, answers_shown_q

DUE_SOON_DAYS = 14
# What the page shows of each attempt (its score, result and when; an open one's deadline),
# and what the course progress counts: a learner may have dozens, so nothing else is loaded.
ATTEMPT_FIELDS = (
    "learner_id", "quiz_id", "number", "state", "started_at", "deadline", "submitted_at",
    "percent", "passed",
)  # fmt: skip


def next_step(course, lessons, quizzes):
    """The first unfinished lesson of the course, else its first quiz not yet passed."""
    for lesson in lessons:
        if lesson.course_id == course.pk and not lesson.is_done:
            return lesson
    for quiz in quizzes:
        if quiz.course_key == course.pk and not quiz.has_passed:
            return quiz
    return None


def assignments_of(user, today, progress):
    """The learner's assignments (personal and team), overdue first, then due soon, then
    the rest; done ones (completed, and not due for renewal) last. Due dates follow the
    team report's rule (rows.due_of): training that expires falls due again at expiry."""
    rows = list(
        Assignment.objects.filter(
            Q(learner=user) | Q(team__isnull=False, team_id=user.team_id)
        ).select_related("course")
    )
    for assignment in rows:
        course_progress = progress.get(assignment.course_id)
        completed_at = course_progress.completed_at if course_progress else None
        expires_on = course_progress.expires_on if course_progress else None
        assignment.is_done = bool(completed_at) and not course_progress.renewal_due
        assignment.due, overdue = due_of(
            completed_at, expires_on, assignment.due_on, int(assignment.due_on < today), today
        )
        assignment.is_overdue = bool(overdue)
        assignment.is_due_soon = (
            not assignment.is_done
            and not assignment.is_overdue
            and assignment.due <= today + timedelta(days=DUE_SOON_DAYS)
        )
    return sorted(
        rows,
        key=lambda a: (a.is_done, not a.is_overdue, not a.is_due_soon, a.due),
    )


def mistakes_to_review(user):
    """The questions answered wrongly in the latest finished attempt of each quiz."""
    latest = (
        Attempt.objects.finished()
        .filter(learner=user, quiz=OuterRef("attempt__quiz"))
        .order_by("-submitted_at", "-id")
        .values("id")[:1]
    )
    return (
        AttemptQuestion.objects.filter(attempt__learner=user, attempt_id=Subquery(latest))
        .filter(mark__lt=F("points"))
        .filter(answers_shown_q("attempt__"))
        .select_related("attempt__quiz")
        .only(
            "attempt_id",
            "position",
            "stem_html",
            "rationale_html",
            "choices",
            "mark",
            "points",
            "attempt__quiz__title",
        )
        .order_by("attempt__quiz__title", "position")[:20]
    )


def unfinished(attempts, now):
    """The open attempts among `attempts`, each with how many of its questions are answered,
    by the rule the submit page lists the unanswered ones with (`is_answered`), and whether
    its time is up (its next page shows the result). Reads their questions only if there is
    an open attempt: most visits have none."""
    still_open = [attempt for attempt in attempts if attempt.is_open]
    prefetch_related_objects(
        still_open,
        Prefetch("questions", queryset=AttemptQuestion.objects.only("attempt_id", "selected")),
    )
    for attempt in still_open:
        questions = attempt.questions.all()
        attempt.answered = sum(1 for question in questions if question.is_answered)
        attempt.question_total = len(questions)
        attempt.time_is_up = not attempt.accepts_answers_at(now)
    return still_open


def score_history(attempts):
    """{quiz: [percent, ...]} oldest first, for the small charts."""
    history = defaultdict(list)
    for attempt in sorted(attempts, key=lambda a: a.submitted_at):
        history[attempt.quiz].append(attempt.percent)
    return [
        {
            "quiz": quiz,
            "best": max(percents),
            "chart": bar_chart(
                [(_("Attempt %(number)d") % {"number": n}, p) for n, p in enumerate(percents, 1)],
                maximum=100,
                caption=_("Scores, oldest first"),
                unit="%",
                compact=True,
            ),
        }
        for quiz, percents in history.items()
    ]


def dashboard(request):
    user = request.user
    shared = outline()
    lessons = reading.with_progress(shared.lessons, user)
    # Finished and open attempts in one query: the open ones are the "Continue" buttons.
    every_attempt = list(
        Attempt.objects.filter(learner=user)
        .select_related("quiz")
        .only(*ATTEMPT_FIELDS, "quiz__title", "quiz__slug")
    )
    attempts = [attempt for attempt in every_attempt if not attempt.is_open]
    progress = progress_of_learner(user, shared.curriculum(), lessons, attempts)
    quizzes = shared.quizzes
    for quiz in quizzes:
        # Passed in this period: a quiz passed for a period being renewed is taken again.
        quiz.has_passed = (
            quiz.course_key in progress and quiz.pk in progress[quiz.course_key].passed
        )
    updated = [lesson for lesson in lessons if lesson.needs_review]
    # Passed in this period, but before the quiz's material change: to pass again.
    retake = set().union(*(course_progress.to_retake for course_progress in progress.values()))
    rows = [
        {"progress": course_progress, "next": next_step(course_progress.course, lessons, quizzes)}
        for course_progress in progress.values()
    ]
    return render(
        request,
        "progress/dashboard.html",
        {
            "unfinished": unfinished(every_attempt, timezone.now()),
            "rows": rows,
            "updated_lessons": updated,
            "updated_quizzes": [quiz for quiz in quizzes if quiz.pk in retake],
            "assignments": assignments_of(user, timezone.localdate(), progress),
            "recent": sorted(attempts, key=lambda a: a.submitted_at, reverse=True)[:8],
            "history": score_history(attempts),
            "mistakes": list(mistakes_to_review(user)),
        },
    )
