from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from portal.accounts.roles import editors_only
from portal.progress import statistics
from portal.progress.charts import bar_chart
from portal.progress.item_analysis import FLAG_LABELS, enough_attempts, shown_flags
from portal.progress.models import ItemStatistics
from quizzes.models import Quiz


def attempts_in_words(count):
    count = int(count)
    return ngettext("%(count)d attempt", "%(count)d attempts", count) % {"count": count}


@editors_only
def statistics_index(request):
    stored = {(s.quiz_id): s for s in ItemStatistics.objects.filter(first_attempts_only=True)}
    quizzes = list(
        Quiz.objects.live_rows()
        .select_related("lesson")
        .order_by("lesson__course__position", "lesson__position", "id")
    )
    for quiz in quizzes:
        quiz.stats = stored.get(quiz.pk)
    return render(request, "progress/statistics_index.html", {"quizzes": quizzes})


@editors_only
def item_analysis(request, slug):
    quiz = get_object_or_404(Quiz.objects.live_rows(), slug=slug)
    first_only = request.GET.get("attempts") != "all"
    stats = ItemStatistics.objects.filter(quiz=quiz, first_attempts_only=first_only).first()
    distribution = None
    if stats and stats.data.get("summary", {}).get("attempts"):
        distribution = bar_chart(
            [
                (f"{low}-{low + 9}%", n)
                for low, n in zip(
                    range(0, 100, 10), stats.data["summary"]["distribution"], strict=True
                )
            ],
            maximum=max(stats.data["summary"]["distribution"]) or 1,
            caption=_("Attempts in each band of scores"),
            describe=attempts_in_words,
        )
    for item in stats.data.get("items", []) if stats else []:
        item["flag_labels"] = [FLAG_LABELS[code] for code in shown_flags(item)]
        item["too_few"] = not enough_attempts(item["attempts"])
    return render(
        request,
        "progress/item_analysis.html",
        {
            "quiz": quiz,
            "stats": stats,
            "first_only": first_only,
            "distribution": distribution,
            "min_attempts": settings.ITEM_FLAG_MIN_ATTEMPTS,
        },
    )


@editors_only
@require_POST
def refresh_item_analysis(request, slug):
    quiz = get_object_or_404(Quiz.objects.live_rows(), slug=slug)
    first_only = request.POST.get("attempts") != "all"
    statistics.refresh(quiz, first_only=first_only)
    messages.success(request, _("Statistics recomputed."))
    url = redirect("progress:item-analysis", slug=quiz.slug).url
    return redirect(url + ("" if first_only else "?attempts=all"))
