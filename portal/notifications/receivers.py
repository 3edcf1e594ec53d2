"""Notices for what happens in the layers below: a draft submitted, a problem reported or
resolved. The scheduled ones (reviews coming due, staff overdue) are in jobs.py."""

from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _

from education.signals import problem_reported, problem_resolved, submitted_for_review
from portal.notifications.models import NoticeKind
from portal.notifications.services import notify, with_permission


def _admin_url(obj, view):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[obj.pk])


@receiver(submitted_for_review)
def tell_reviewers_of_a_submission(sender, obj, user, **kwargs):
    notify(
        with_permission("education.publish_content").exclude(pk=user.pk),
        kind=NoticeKind.SUBMITTED,
        key=f"submitted:{obj._meta.label_lower}:{obj.pk}:{obj.version}",
        text=_("%(name)s submitted “%(item)s” for clinical review.") % {"name": user, "item": obj},
        url=_admin_url(obj, "review"),
    )


@receiver(problem_reported)
def tell_editors_of_a_report(sender, report, **kwargs):
    notify(
        with_permission("education.change_problemreport"),
        kind=NoticeKind.PROBLEM_REPORTED,
        key=f"reported:{report.pk}",
        text=_("A learner reported a problem with “%(item)s”.") % {"item": report.object_repr},
        url=reverse("admin:education_problemreport_change", args=[report.pk]),
    )


@receiver(problem_resolved)
def tell_the_reporter(sender, report, **kwargs):
    notify(
        [report.reporter],
        kind=NoticeKind.REPORT_RESOLVED,
        key=f"resolved:{report.pk}",
        text=_("The problem you reported with “%(item)s” was resolved: %(note)s")
        % {"item": report.object_repr, "note": report.resolution},
    )
