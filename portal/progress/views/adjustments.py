from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from portal.progress.scope import report_scope
from quizzes import overrides
from quizzes.forms import QuizOverrideForm
from quizzes.models import Attempt, Quiz, QuizOverride


@never_cache
def adjust_quiz(request, pk, quiz_pk):
    """A supervisor adjusts a quiz for one of their learners: an extra attempt, extra time
    as an accommodation, or a fresh set of attempts; each with its reason, on record."""
    _teams, learners = report_scope(request.user)
    learner = get_object_or_404(learners, pk=pk)
    quiz = get_object_or_404(Quiz.objects.live_rows(), pk=quiz_pk)
    form = QuizOverrideForm(request.POST or None, quiz=quiz, learner=learner)
    if request.method == "POST" and form.is_valid():
        try:
            overrides.grant(learner=learner, quiz=quiz, by=request.user, **form.cleaned_data)
        except overrides.OverrideError as error:  # changed since the form was checked
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("%(kind)s recorded for %(learner)s.")
                % {"kind": form.instance.get_kind_display(), "learner": learner},
            )
            return redirect("progress:learner-detail", pk=learner.pk)
    return render(
        request,
        "progress/adjust_quiz.html",
        {
            "learner": learner,
            "quiz": quiz,
            "form": form,
            "allowance": overrides.allowance(quiz, learner),
            "used": Attempt.objects.filter(quiz=quiz, learner=learner).count(),
            "granted": QuizOverride.objects.filter(quiz=quiz, learner=learner).select_related(
                "granted_by"
            ),
        },
    )
