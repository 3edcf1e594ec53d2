from datetime import timedelta

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from education import workflow
from education.models import Course, Lesson, ProblemReport, ReportStatus, Status
from portal.accounts.roles import editors_only
from portal.progress.models import ItemStatistics
from quizzes.models import Quiz

GOVERNED = (Course, Lesson, Quiz)
REVIEW_WINDOW_DAYS = 30


def _with_links(objects):
    for obj in objects:
        opts = obj._meta
        obj.admin_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        obj.review_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_review", args=[obj.pk])
        obj.kind = opts.verbose_name
    return objects


@editors_only
def editorial_queue(request):
    """What needs an editor's or reviewer's attention, in one place: each item with who
    submitted or sent it back, when, and their comment."""
    soon = timezone.localdate() + timedelta(days=REVIEW_WINDOW_DAYS)
    awaiting, returned, scheduled, review_due, unsigned = [], [], [], [], []
    for model in GOVERNED:
        unsigned += model.objects.never_signed_off()
        awaiting += model.objects.filter(status=Status.IN_REVIEW)
        returned += model.objects.filter(status=Status.DRAFT)
        scheduled += workflow.scheduled(model)
        review_due += model.objects.filter(status=Status.PUBLISHED, next_review_due__lte=soon)
    last = workflow.latest_events([*awaiting, *returned])
    for obj in awaiting:
        obj.submitted = last.get(obj)
    returned = [obj for obj in returned if last.get(obj) and last[obj].returned]
    for obj in returned:
        obj.returned = last[obj]
    flagged = [
        (stats.quiz, item)
        for stats in ItemStatistics.objects.filter(first_attempts_only=True).select_related("quiz")
        for item in stats.flagged_items
    ]
    return render(
        request,
        "progress/editorial.html",
        {
            "awaiting": _with_links(awaiting),
            "returned": _with_links(returned),
            "scheduled": _with_links(sorted(scheduled, key=lambda obj: obj.publish_at)),
            "review_due": _with_links(sorted(review_due, key=lambda obj: obj.next_review_due)),
            "unsigned": _with_links(unsigned),
            "today": timezone.localdate(),
            "reports": ProblemReport.objects.filter(status=ReportStatus.OPEN).select_related(
                "reporter"
            )[:50],
            "flagged": flagged,
            "min_attempts": settings.ITEM_FLAG_MIN_ATTEMPTS,
        },
    )
