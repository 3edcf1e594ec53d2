from datetime import timedelta

from django.contrib.auth.decorators import permission_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from education.models import Course, Lesson, ProblemReport, ReportStatus, Status
from portal.progress.models import ItemStatistics
from quizzes.models import Quiz

GOVERNED = (Course, Lesson, Quiz)
REVIEW_WINDOW_DAYS = 30


@permission_required("education.change_lesson", raise_exception=True)
def editorial_queue(request):
    """What needs an editor's or reviewer's attention, in one place."""
    soon = timezone.localdate() + timedelta(days=REVIEW_WINDOW_DAYS)
    awaiting, review_due = [], []
    for model in GOVERNED:
        awaiting += model.objects.filter(status=Status.IN_REVIEW).select_related("updated_by")
        review_due += model.objects.filter(status=Status.PUBLISHED, next_review_due__lte=soon)
    for obj in (*awaiting, *review_due):
        opts = obj._meta
        obj.admin_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        obj.kind = opts.verbose_name
    flagged = [
        (stats.quiz, item)
        for stats in ItemStatistics.objects.filter(first_attempts_only=True).select_related("quiz")
        for item in stats.flagged_items
    ]
    return render(
        request,
        "progress/editorial.html",
        {
            "awaiting": awaiting,
            "review_due": sorted(review_due, key=lambda obj: obj.next_review_due),
            "today": timezone.localdate(),
            "reports": ProblemReport.objects.filter(status=ReportStatus.OPEN).select_related(
                "reporter"
            )[:50],
            "flagged": flagged,
        },
    )
