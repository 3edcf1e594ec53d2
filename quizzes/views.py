from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from education.problem_reports import ProblemReportForm, report_from_form
from portal.content_cache.outline import outline
from quizzes import overrides, services
from quizzes.models import Attempt, AttemptQuestion, Quiz
from quizzes.services import QuizError, StaleAnswerError


def attempt_for_user(request, pk):
    """The signed-in learner's own attempt; anyone else's is simply not found."""
    return get_object_or_404(Attempt.objects.select_related("quiz"), pk=pk, learner=request.user)


def published_quiz(slug):
    return get_object_or_404(
        Quiz.objects.published().select_related("lesson__course", "course", "clinical_reviewer"),
        slug=slug,
    )


def quiz_list(request):
    mine = Attempt.objects.filter(learner=request.user, quiz=OuterRef("pk"))
    quizzes = (
        Quiz.objects.published()
        .select_related("lesson", "course")
        .annotate(
            question_count=Count("questions", filter=Q(questions__is_active=True), distinct=True),
            attempts_used=Count(
                "attempts", filter=Q(attempts__learner=request.user), distinct=True
            ),
            best_percent=Max("attempts__percent", filter=Q(attempts__learner=request.user)),
            # Passed in this period: a pass for a period being renewed is taken again.
            has_passed=Exists(mine.passed().of_current_period()),
            # The latest pass: before the quiz's material change, it is to be passed again.
            passed_at=Subquery(
                mine.passed()
                .of_current_period()
                .order_by("-submitted_at")
                .values("submitted_at")[:1]
            ),
            in_progress=Exists(mine.in_progress()),
        )
        .order_by("lesson__course__position", "lesson__position", "position", "id")
    )
    return render(request, "quizzes/quiz_list.html", {"quizzes": quizzes})


def quiz_detail(request, slug):
    quiz = published_quiz(slug)
    attempts = list(Attempt.objects.filter(quiz=quiz, learner=request.user))
    now = timezone.now()
    for attempt in attempts:
        attempt.time_is_up = attempt.is_open and not attempt.accepts_answers_at(now)
    quiz.passed_at = max(
        (a.submitted_at or a.started_at for a in attempts if a.passed and not a.is_open),
        default=None,
    )
    allowance = overrides.allowance(quiz, request.user)
    return render(
        request,
        "quizzes/quiz_detail.html",
        {
            "quiz": quiz,
            "attempts": attempts,
            "open_attempt": next((a for a in attempts if a.is_open and not a.time_is_up), None),
            "time_up_attempt": next((a for a in attempts if a.time_is_up), None),
            "attempts_left": services.attempts_left(quiz, request.user, allowance),
            "time_limit": (quiz.time_limit_minutes or 0) + allowance.extra_minutes,
            "next_attempt_from": _future(services.next_attempt_from(quiz, attempts), now),
            "question_count": quiz.draw_count or quiz.questions.filter(is_active=True).count(),
        },
    )


def _future(moment, now):
    return moment if moment and moment > now else None


@require_POST
def start(request, slug):
    quiz = published_quiz(slug)
    try:
        attempt = services.start_attempt(learner=request.user, quiz=quiz)
    except QuizError as error:
        messages.error(request, str(error))
        return redirect(quiz)
    return redirect("quizzes:attempt", pk=attempt.pk)


def _answering_is_over(attempt):
    """Finished, or out of time. An attempt out of time is closed by the learner's "See your
    result" (a POST) or by the close_overdue_attempts job, never by a page being read."""
    return not attempt.accepts_answers_at(timezone.now())


@never_cache
def attempt_page(request, pk):
    attempt = get_object_or_404(Attempt, pk=pk, learner=request.user)
    # The quiz as every learner sees it comes from the cache; one no longer published (an
    # attempt outlives its quiz's archiving) is read from the database.
    attempt.quiz = outline().quiz(attempt.quiz_id) or attempt.quiz
    if _answering_is_over(attempt):
        return redirect("quizzes:attempt-result", pk=attempt.pk)
    questions = list(attempt.questions.all())
    return render(
        request,
        "quizzes/attempt.html",
        {"attempt": attempt, "quiz": attempt.quiz, "questions": questions, "now": timezone.now()},
    )


def _closed_response(request, attempt):
    messages.info(request, _("This attempt is already finished; here is its result."))
    return redirect("quizzes:attempt-result", pk=attempt.pk)


@require_POST
def save_answers(request, pk):
    """The form post that works without scripting: saves every answer on the page."""
    attempt = attempt_for_user(request, pk)
    if not attempt.is_open:
        return _closed_response(request, attempt)
    questions = {str(q.pk): q for q in attempt.questions.all()}
    shown = [key for key in request.POST.getlist("shown") if key in questions]
    try:
        with transaction.atomic():
            for key in shown:
                values = request.POST.getlist(f"q{key}")
                # An empty multiple-response answer clears it; a radio group cannot be cleared.
                if values or questions[key].kind_rules.allows_many:
                    services.save_answer(
                        attempt=attempt,
                        attempt_question=questions[key],
                        choice_ids=values,
                        revision=_revision(request.POST.get(f"r{key}")),
                    )
    except QuizError as error:
        messages.error(request, str(error))
        if not Attempt.objects.in_progress().filter(pk=attempt.pk).exists():
            return redirect("quizzes:attempt-result", pk=attempt.pk)
        return render(
            request,
            "quizzes/attempt.html",
            {
                "attempt": attempt,
                "quiz": attempt.quiz,
                "questions": list(attempt.questions.all()),
                "now": timezone.now(),
            },
            status=409 if isinstance(error, StaleAnswerError) else 400,
        )
    if "review" in request.POST:
        return redirect("quizzes:attempt-submit", pk=attempt.pk)
    messages.success(request, _("Your answers are saved."))
    return redirect("quizzes:attempt", pk=attempt.pk)


@require_POST
def save_answer(request, pk, question_pk):
    """The background save of one answer, posted by quiz.js as the learner answers."""
    # One query for both: this is the request a whole ward sends as it answers.
    attempt_question = get_object_or_404(
        AttemptQuestion.objects.select_related("attempt"),
        pk=question_pk,
        attempt_id=pk,
        attempt__learner=request.user,
    )
    attempt = attempt_question.attempt
    try:
        revision = services.save_answer(
            attempt=attempt,
            attempt_question=attempt_question,
            choice_ids=request.POST.getlist("choice"),
            revision=_revision(request.POST.get("revision")),
        )
    except QuizError as error:
        stale = isinstance(error, StaleAnswerError) or not attempt.is_open
        return JsonResponse({"saved": False, "error": str(error)}, status=409 if stale else 400)
    # The new revision, for the page's next save (a client that sent none gets none).
    return JsonResponse({"saved": True} | ({} if revision is None else {"revision": revision}))


def _revision(raw):
    """The answer revision a page sent (its pages always send one). Nonsense is taken as out
    of date (-1 matches no revision). None, when a client sends none (the benchmark, a
    script), writes without the check."""
    if raw is None:
        return None
    try:
        return max(-1, int(raw))
    except ValueError:
        return -1


@never_cache
def submit(request, pk):
    attempt = attempt_for_user(request, pk)
    if request.method == "POST":
        # Marks it, late or not (an attempt out of time keeps the answers saved in time).
        services.submit_attempt(attempt=attempt)
        return redirect("quizzes:attempt-result", pk=attempt.pk)
    if _answering_is_over(attempt):
        return redirect("quizzes:attempt-result", pk=attempt.pk)
    questions = list(attempt.questions.all())
    return render(
        request,
        "quizzes/submit.html",
        {
            "attempt": attempt,
            "quiz": attempt.quiz,
            "unanswered": [q for q in questions if not q.is_answered],
        },
    )


@never_cache
def result(request, pk):
    attempt = attempt_for_user(request, pk)
    if attempt.is_open:
        if not _answering_is_over(attempt):
            return redirect("quizzes:attempt", pk=attempt.pk)
        return render(request, "quizzes/time_up.html", {"attempt": attempt, "quiz": attempt.quiz})
    quiz = attempt.quiz
    questions = list(attempt.questions.all())
    for question in questions:  # one report form each, with ids of its own
        question.report_form = ProblemReportForm(auto_id=f"report-{question.pk}-%s")
    show_answers = Attempt.objects.filter(pk=attempt.pk).answers_shown().exists()
    return render(
        request,
        "quizzes/result.html",
        {
            "attempt": attempt,
            "quiz": quiz,
            "questions": questions,
            "show_answers": show_answers,
            "wrong": [q for q in questions if not q.is_correct],
            "after": after_passing(attempt, request.user) if attempt.passed else None,
        },
    )


def after_passing(attempt, learner):
    """Where a passed quiz leads: its course complete (with the certificate), else the next
    lesson, else the rest of the course. None for a quiz no longer published."""
    course, next_lesson = outline().after_quiz(attempt.quiz_id)
    if course is None:
        return None
    # Passing this attempt recorded the completion (portal.progress, on commit), before the
    # redirect here. It is read through the learner's relation: progress sits above quizzes,
    # which never import it.
    complete = learner.course_completions.standing(timezone.now()).filter(course=course).exists()
    return {"course": course, "complete": complete, "next_lesson": next_lesson}


@require_POST
def report_question(request, pk, question_pk):
    """A learner reports an error or ambiguity in a question they have seen reviewed."""
    attempt = attempt_for_user(request, pk)
    row = get_object_or_404(attempt.questions.select_related("question"), pk=question_pk)
    if attempt.is_open:
        messages.error(request, _("Questions can be reported from the review, after submitting."))
    else:
        report_from_form(request, obj=row.question, version_seen=f"attempt question #{row.pk}")
    return redirect("quizzes:attempt-result", pk=attempt.pk)
