"""Admin support shared by the governed models (courses, lessons, quizzes): workflow
buttons with confirmation pages, optimistic locking, and version history with diffs."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import F, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from education import workflow
from education.comparison import compare_values, values_of
from education.dates import short_datetime
from education.models import Status, WorkflowAction
from portal.accounts.models import User


class LockedVersionForm(forms.ModelForm):
    """Refuses a save based on a version somebody else has changed since it was opened."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_version"].initial = self.instance.version

    def clean(self):
        data = super().clean()
        seen = data.get("seen_version")
        if self.instance.pk and seen is None and "seen_version" not in self.errors:
            # A form without the version it was opened at cannot be checked, so it could
            # overwrite a newer change unseen: refused like a stale one.
            raise forms.ValidationError(
                _(
                    "This page is out of date or incomplete, so it was not saved. Open it "
                    "again, then redo your changes."
                )
            )
        if self.instance.pk and seen is not None:
            model = type(self.instance)
            who = ["updated_by"] if any(f.name == "updated_by" for f in model._meta.fields) else []
            current = (
                model.objects.filter(pk=self.instance.pk)
                .values("version", "updated_at", *who)
                .first()
            )
            if current and current["version"] != seen:
                editor = User.objects.filter(pk=current.get("updated_by")).first()
                raise forms.ValidationError(
                    _(
                        "Changed by %(name)s at %(time)s since you opened it. Nothing was saved: "
                        "open it again to see their changes, then redo yours."
                    )
                    % {
                        "name": editor or _("someone"),
                        "time": timezone.localtime(current["updated_at"]).strftime("%H:%M"),
                    }
                )
        return data


class PublishForm(forms.Form):
    reviewer = forms.ModelChoiceField(
        queryset=User.objects.none(), label=_("Clinical reviewer"), help_text=_("Who approved it.")
    )
    reviewed_on = forms.DateField(
        label=_("Reviewed on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    next_review_due = forms.DateField(
        label=_("Next review due"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: 12 months after the review."),
    )
    publish_at = forms.DateTimeField(
        label=_("Publish at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Empty: now."),
    )
    material_change = forms.BooleanField(
        label=_("Material change: ask learners who completed it to review it again"),
        required=False,
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, reviewers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = reviewers


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


def reviewers():
    """The people who may be named as clinical reviewer: those who may publish."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(groups__permissions__codename="publish_content")
            | Q(user_permissions__codename="publish_content")
        )
        .distinct()
    )


TRANSITIONS = {
    # name: (label, needs publish permission, from statuses)
    "submit": (_("Submit for review"), False, {Status.DRAFT}),
    # Publish first: it is the step a reviewer who agrees takes, at the top of the page.
    "publish": (_("Publish"), True, {Status.IN_REVIEW}),
    "return": (_("Send back to draft"), True, {Status.IN_REVIEW}),
    "archive": (_("Archive"), True, {Status.PUBLISHED}),
    "unschedule": (_("Cancel the schedule"), True, {Status.PUBLISHED}),
}


class VersionHistoryMixin:
    """A 'Versions and changes' page for any model with simple-history's `history`."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<id:pk>/versions/",
                self.admin_site.admin_view(self.versions_view),
                name="{}_{}_versions".format(*info),
            ),
            *super().get_urls(),
        ]

    def versions_view(self, request, pk):
        """Every saved version, newest first, each with its changes against the previous."""
        obj = get_object_or_404(self.model, pk=pk)
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        if request.method == "POST":
            return self.restore_from_post(request, obj)
        records, versions, until, past = self.version_list(obj)
        chosen = self.chosen_pair(request, records)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "object": obj,
            "title": _("Versions of %(item)s") % {"item": obj},
            "versions": versions,
            "chosen": chosen,
            "chosen_changes": self.compare_versions(*chosen, until, past) if chosen else None,
            "can_restore": self.has_restore_permission(request, obj),
        }
        return TemplateResponse(request, "admin/education/versions.html", context)

    def restore_from_post(self, request, obj):
        """The version chosen on the versions page, restored as a new draft."""
        if not self.has_restore_permission(request, obj):
            raise PermissionDenied
        history_id = request.POST.get("history_id", "")
        historical = (
            obj.history.filter(history_id=history_id).first() if history_id.isdigit() else None
        )
        if historical is None:
            messages.error(request, _("That version does not exist: nothing was restored."))
            return redirect(request.path)
        try:
            restored = self.restore(historical, request.user)
        except workflow.WorkflowError as error:
            messages.error(request, str(error))
            return redirect(request.path)
        messages.success(request, self.restore_message(historical, restored))
        return redirect(change_url(restored))

    def version_list(self, obj):
        """(history records newest first; each with its changes against the one before; when
        each lasted until; what version_past reads once for the comparisons)."""
        # Related rows (a quiz's lesson...) read once for all versions, not once per version.
        related = [
            f.name
            for f in self.model._meta.fields
            if f.many_to_one and f.name in self.version_fields()
        ]
        records = list(
            obj.history.select_related("history_user")
            .prefetch_related(*related)
            .order_by("-history_date", "-history_id")
        )
        # Each version's content lasted until the next one was saved (None: it is current).
        until = {
            record.history_id: newer.history_date if newer else None
            for record, newer in zip(records, [None, *records[:-1]], strict=True)
        }
        past = self.version_past(obj)
        versions = [
            {
                "record": record,
                "changes": (
                    self.compare_versions(previous, record, until, past)
                    if previous is not None
                    else None
                ),
            }
            for record, previous in zip(records, [*records[1:], None], strict=True)
        ]
        return records, versions, until, past

    # Not compared: bookkeeping, not content.
    unversioned_fields = {
        "id",
        "version",
        "updated_by",
        "updated_at",
        "draft_of",
        "loaded_fingerprint",
    }

    def version_fields(self):
        recorded = {f.name for f in self.model.history.model._meta.fields}
        return [
            f.name
            for f in self.model._meta.fields
            if f.name in recorded and f.name not in self.unversioned_fields
        ]

    def compare_versions(self, older, newer, until, past):
        """What changed from the saved version `older` to `newer` (historical records;
        `until`: {history_id: when each version was replaced}; `past`: what
        version_past read for the page)."""
        names = self.version_fields()
        parts, template = self.version_parts(older, newer, until, past)
        return compare_values(
            self.model,
            values_of(older, names),
            values_of(newer, names),
            parts=parts,
            part_template=template,
        )

    def version_past(self, obj):
        """What a kind of content reads once for a page comparing its versions (the
        history of its parts), handed to each version_parts call."""
        return None

    def version_parts(self, older, newer, until, past):
        """(parts, template) a kind of content adds to a comparison of versions."""
        return [], ""

    def chosen_pair(self, request, records):
        """The two versions asked for with ?from=&to= (history ids), older first, or None."""
        by_id = {str(record.history_id): record for record in records}
        pair = [by_id.get(request.GET.get(name, "")) for name in ("from", "to")]
        if None in pair or pair[0] == pair[1]:
            return None
        return tuple(sorted(pair, key=lambda record: (record.history_date, record.history_id)))

    can_restore = False

    def has_restore_permission(self, request, obj):
        # Restoring writes a draft, never `obj` itself, so the right to change this kind of
        # content is what counts, even where the live object is read-only.
        return self.can_restore and self.has_change_permission(request)

    def restore(self, historical, user):
        """Write `historical` into a draft; return the object the editor should open."""
        raise PermissionDenied

    def restore_message(self, historical, restored):
        return format_html(
            _(
                'The version of {date} is now in the draft “<a href="{url}">{item}</a>”. '
                "Nothing was lost: every version is still in the history."
            ),
            date=short_datetime(historical.history_date),
            url=change_url(restored),
            item=restored,
        )


class LockedVersionAdminMixin:
    """Optimistic locking in the admin (LockedVersionForm): each save moves `version` on."""

    form = LockedVersionForm

    def save_model(self, request, obj, form, change):
        if change:
            obj.version = F("version") + 1
        super().save_model(request, obj, form, change)
        obj.refresh_from_db(fields=["version"])  # the F() expression, read back as a number


class WorkflowAdminMixin(LockedVersionAdminMixin, VersionHistoryMixin):
    change_form_template = "admin/education/governed_change_form.html"
    workflow_readonly = (
        "status",
        "clinical_reviewer",
        "reviewed_on",
        "next_review_due",
        "publish_at",
    )

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), *self.workflow_readonly)

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        return fields if "seen_version" in fields else [*fields, "seen_version"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        names = {name for _, options in fieldsets for name in options["fields"]}
        if "seen_version" not in names:
            fieldsets = [*fieldsets, (None, {"fields": ("seen_version",), "classes": ("hidden",)})]
        return fieldsets

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    def restore(self, historical, user):
        return workflow.restore_version(historical=historical, user=user)

    def available_transitions(self, request, obj):
        if obj is None:
            return []
        waiting = (
            obj.status == Status.PUBLISHED and obj.publish_at and obj.publish_at > timezone.now()
        )
        return [
            (name, label)
            for name, (label, needs_publish, sources) in TRANSITIONS.items()
            if obj.status in sources
            and (not needs_publish or workflow.can_publish(request.user))
            # Signed off and waiting for its time: its schedule can be cancelled, and only that.
            and (name == "unschedule") == bool(waiting)
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        transitions = self.available_transitions(request, obj)
        context["transitions"] = transitions
        context["can_submit_for_review"] = any(name == "submit" for name, _label in transitions)
        if obj is not None and obj.status == Status.DRAFT:
            last = workflow.latest_event(obj, WorkflowAction.SUBMITTED, WorkflowAction.RETURNED)
            context["returned"] = last if last and last.action == WorkflowAction.RETURNED else None
        return super().render_change_form(
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )

    def response_change(self, request, obj):
        if "_submit_for_review" in request.POST:
            # Saved first, so the editor's last edits go to review with the comment.
            return redirect(f"{self.review_url(obj)}#transition-submit")
        return super().response_change(request, obj)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<id:pk>/workflow/<str:transition>/",
                self.admin_site.admin_view(self.transition_view),
                name="{}_{}_transition".format(*info),
            ),
            path(
                "<id:pk>/review/",
                self.admin_site.admin_view(self.review_view),
                name="{}_{}_review".format(*info),
            ),
            *super().get_urls(),
        ]

    def transition_form(self, transition, request, data=None):
        if transition == "publish":
            form = PublishForm(
                data,
                reviewers=reviewers(),
                initial={"reviewer": request.user.pk, "reviewed_on": timezone.localdate()},
            )
            if not workflow.can_change_materially(self.model):
                del form.fields["material_change"]  # a course: its lessons and quizzes do
            return form
        return CommentForm(data)

    def transition_view(self, request, pk, transition):
        """A workflow step, POSTed from the review page; the review page is where it is
        asked for (GET), and where a refused one is shown again with its message."""
        obj = get_object_or_404(self.model, pk=pk)
        if not self.has_change_permission(request, obj) or transition not in TRANSITIONS:
            raise PermissionDenied
        if TRANSITIONS[transition][1] and not workflow.can_publish(request.user):
            raise PermissionDenied
        if request.method != "POST":
            return redirect(f"{self.review_url(obj)}#transition-{transition}")
        form = self.transition_form(transition, request, request.POST)
        if form.is_valid():
            try:
                result = self.perform(transition, obj, request.user, form.cleaned_data)
            except workflow.WorkflowError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, self.done_message(transition, result))
                return redirect(change_url(result))
        return self.review_response(request, obj, bound=(transition, form))

    def done_message(self, transition, obj):
        if transition == "submit":
            return _(
                "Submitted for review. The clinical reviewers see it, with your comment, in the editorial queue."
            )
        if transition == "return":
            return _("Sent back to the editor, with your comment.")
        if transition == "archive":
            return _("Archived: learners no longer see it.")
        if transition == "unschedule":
            return _("Schedule cancelled: it is back in review, and needs signing off again.")
        if obj.publish_at and obj.publish_at > timezone.now():
            return _(
                "Scheduled: learners see it from %(date)s. Until then it can be cancelled from the editorial queue."
            ) % {"date": short_datetime(obj.publish_at)}
        return _("Published: learners see it now.")

    def review_url(self, obj):
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_review", args=[obj.pk])

    def review_fields(self):
        """What a reviewer compares: what a draft gives its live row when published."""
        return (*self.model.DRAFT_FIELDS, *(f.name for f in self.model._meta.many_to_many))

    def review_parts(self, live, draft):
        """(parts, template) the comparison adds for this kind of content: a quiz's questions."""
        return [], ""

    def review_comparison(self, obj):
        """(live, what changes when `obj` is published): against the live version it will
        replace, or, for content never published, everything (live None)."""
        live = obj.draft_of if obj.draft_of_id else None
        names = self.review_fields()
        parts, template = self.review_parts(live, obj)
        return live, compare_values(
            self.model,
            values_of(live, names) if live is not None else None,
            values_of(obj, names),
            parts=parts,
            part_template=template,
        )

    def review_view(self, request, pk):
        obj = get_object_or_404(self.model, pk=pk)
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        return self.review_response(request, obj)

    def review_response(self, request, obj, bound=None):
        """The review page: what will change, the comments so far, the item-writing check,
        and the workflow steps open to this person (`bound`: a refused one, with its data)."""
        steps = []
        if self.has_change_permission(request, obj):
            for name, label in self.available_transitions(request, obj):
                form = (
                    bound[1] if bound and bound[0] == name else self.transition_form(name, request)
                )
                url = reverse(
                    f"admin:{self.opts.app_label}_{self.opts.model_name}_transition",
                    args=[obj.pk, name],
                )
                steps.append({"name": name, "label": label, "form": form, "url": url})
        live, comparison = self.review_comparison(obj)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "object": obj,
            "live": live,
            "title": _("Review: %(item)s") % {"item": obj},
            "comparison": comparison,
            "events": workflow.events_of(obj),
            "steps": steps,
            "change_url": change_url(obj),
            # What the item-writing checker finds, for a quiz (quizzes.item_checks): the
            # reviewer sees it before publishing.
            "findings": obj.item_findings() if hasattr(obj, "item_findings") else None,
        }
        return TemplateResponse(request, "admin/education/review.html", context)

    def perform(self, transition, obj, user, data):
        if transition == "submit":
            workflow.submit_for_review(obj=obj, user=user, comment=data["comment"])
        elif transition == "return":
            workflow.return_to_draft(obj=obj, user=user, comment=data["comment"])
        elif transition == "archive":
            workflow.archive(obj=obj, user=user, comment=data["comment"])
        elif transition == "unschedule":
            workflow.cancel_schedule(obj=obj, user=user, comment=data["comment"])
        else:
            return workflow.publish(
                obj=obj,
                user=user,
                reviewer=data["reviewer"],
                reviewed_on=data["reviewed_on"],
                next_review_due=data["next_review_due"],
                publish_at=data["publish_at"],
                material_change=data.get("material_change", False),
                comment=data["comment"],
            )
        return obj


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
