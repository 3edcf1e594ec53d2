from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from education import problem_reports, workflow
from education.admin_workflow import WorkflowAdminMixin
from education.forms import LiveChoiceField
from education.markdown import render_markdown
from education.models import (
    Course,
    Lesson,
    LessonProgress,
    ProblemReport,
    ReportStatus,
    Status,
    Tag,
    WorkflowEvent,
)


def governance_fieldset(before=(), after=()):
    """The admin's "Workflow and clinical governance" box of a course, lesson or quiz: the
    sign-off fields every kind of content has, with what one kind adds around them."""
    return (
        _("Workflow and clinical governance"),
        {
            "fields": (
                *before,
                "status",
                "publish_at",
                "clinical_reviewer",
                "reviewed_on",
                "next_review_due",
                *after,
                "updated_by",
                "updated_at",
            )
        },
    )


MARKDOWN_HELP = _(
    "Markdown: ## Heading, ### Subheading, - list item, 1. numbered item, **bold**, *italic*, "
    "> quote, [link text](https://...), tables with | pipes |. HTML is shown as plain text."
)


class DraftBesideLiveAdminMixin:
    """For models whose published row changes only by publishing a reviewed draft of it
    (`draft_of`): the live row is read-only and offers "Edit (starts a draft)"."""

    # Frozen on the live row: learners see them, so they change only through review.
    live_content_fields = ()
    # Frozen on a draft: publishing does not copy them to the live row.
    draft_frozen_fields = ()
    new_draft_message = _("Learners keep seeing the published text until this draft is published.")

    @staticmethod
    def is_live(obj):
        return obj is not None and obj.draft_of_id is None and obj.status != Status.DRAFT

    @classmethod
    def is_frozen(cls, obj):
        """Live, or a new version already signed off and waiting for its publication time:
        what the reviewer approved is what goes live."""
        return cls.is_live(obj) or (obj is not None and obj.status == Status.PUBLISHED)

    def get_readonly_fields(self, request, obj=None):
        readonly = [*super().get_readonly_fields(request, obj), "draft_of"]
        if self.is_frozen(obj):
            readonly += self.live_content_fields
        elif obj is not None and obj.draft_of_id is not None:
            readonly += self.draft_frozen_fields
        return list(dict.fromkeys(readonly))

    def get_prepopulated_fields(self, request, obj=None):
        if "slug" in self.get_readonly_fields(request, obj):
            return {}
        return super().get_prepopulated_fields(request, obj)

    def change_url(self, pk):
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[pk])

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if self.is_live(obj) and self.has_change_permission(request, obj):
            draft = self.model.objects.filter(draft_of=obj).first()
            if draft is None:
                context["new_draft_url"] = reverse(
                    f"admin:{self.opts.app_label}_{self.opts.model_name}_new_draft", args=[obj.pk]
                )
            else:
                context["open_draft_url"] = self.change_url(draft.pk)
        if self.is_frozen(obj):
            # Nothing on the page can be saved: no Save or Delete buttons to puzzle over.
            context.update(
                show_save=False,
                show_save_and_continue=False,
                show_save_and_add_another=False,
                show_delete=False,
            )
        return super().render_change_form(
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )

    def get_urls(self):
        return [
            path(
                "<id:pk>/new-draft/",
                self.admin_site.admin_view(require_POST(self.new_draft_view)),
                name=f"{self.opts.app_label}_{self.opts.model_name}_new_draft",
            ),
            *super().get_urls(),
        ]

    def new_draft_view(self, request, pk):
        live = get_object_or_404(self.model, pk=pk)
        try:
            draft = workflow.start_draft(live=live, user=request.user)
        except workflow.WorkflowError as error:
            messages.error(request, str(error))
            return redirect(self.change_url(pk))
        messages.info(request, self.new_draft_message)
        return redirect(self.change_url(draft.pk))


@admin.register(Course)
class CourseAdmin(DraftBesideLiveAdminMixin, WorkflowAdminMixin, admin.ModelAdmin):
    list_display = (
        "title",
        "position",
        "status",
        "is_new_version",
        "clinical_reviewer",
        "next_review_due",
        "updated_at",
    )
    list_filter = (
        "status",
        ("draft_of", admin.EmptyFieldListFilter),
        "clinical_reviewer",
        "next_review_due",
    )
    list_select_related = ("clinical_reviewer",)
    search_fields = ("title", "summary")
    prepopulated_fields = {"slug": ("title",)}
    # The release date is when publishing first showed the course to learners.
    readonly_fields = ("updated_by", "updated_at", "released_on")
    can_restore = True
    live_content_fields = (
        "title", "slug", "position", "summary", "audience", "objectives", "disclaimer",
        "conflict_of_interest", "credit_hours", "valid_for_months",
    )  # fmt: skip
    # The draft shares its live course's address, which publishing keeps.
    draft_frozen_fields = ("slug",)
    fieldsets = (
        (None, {"fields": ("title", "slug", "position", "draft_of")}),
        (
            _("Text"),
            {
                "fields": (
                    "summary",
                    "audience",
                    "objectives",
                    "disclaimer",
                    "conflict_of_interest",
                    "credit_hours",
                    "valid_for_months",
                )
            },
        ),
        governance_fieldset(after=("released_on",)),
    )

    @admin.display(description=_("new version of a live course"), boolean=True)
    def is_new_version(self, course):
        return course.draft_of_id is not None


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


CONTENT_FIELDS = (
    "course", "title", "slug", "position", "tags", "summary", "objectives", "body",
    "key_points", "references", "reviewer_notes", "estimated_minutes",
)  # fmt: skip


@admin.register(Lesson)
class LessonAdmin(DraftBesideLiveAdminMixin, WorkflowAdminMixin, admin.ModelAdmin):
    list_display = (
        "title",
        "course",
        "status",
        "is_new_version",
        "clinical_reviewer",
        "next_review_due",
        "updated_by",
        "updated_at",
    )
    list_filter = (
        "status",
        "course",
        "tags",
        "clinical_reviewer",
        "next_review_due",
        "updated_by",
    )
    list_select_related = ("course", "clinical_reviewer", "updated_by")
    search_fields = ("title", "summary", "body")
    prepopulated_fields = {"slug": ("title",)}
    # Plain checkboxes: the two-box "filter" widget puts ARIA labels on bare spans (axe).
    formfield_overrides = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}
    change_form_template = "admin/education/lesson_change_form.html"
    can_restore = True
    live_content_fields = CONTENT_FIELDS
    fieldsets = (
        (None, {"fields": ("course", "title", "slug", "position", "tags", "draft_of")}),
        (
            _("Text"),
            {
                "fields": (
                    "summary",
                    "objectives",
                    "body",
                    "rendered_preview",
                    "key_points",
                    "references",
                    "estimated_minutes",
                )
            },
        ),
        governance_fieldset(before=("reviewer_notes",), after=("material_change_at",)),
    )

    @admin.display(description=_("new version of a live lesson"), boolean=True)
    def is_new_version(self, lesson):
        return lesson.draft_of_id is not None

    @admin.display(description=_("preview"))
    def rendered_preview(self, lesson):
        # body_html was sanitised by nh3 when it was saved; markdown_preview.js refreshes
        # this box as the editor types, through the same sanitiser.
        return format_html(
            '<div class="lesson-body markdown-preview" aria-live="polite" data-preview-url="{}">{}</div>',
            reverse("admin:education_lesson_markdown_preview"),
            mark_safe(lesson.body_html),
        )

    class Media:
        js = ("js/markdown_preview.js",)

    def markdown_preview_view(self, request):
        if not self.has_change_permission(request) and not self.has_add_permission(request):
            raise PermissionDenied
        text = request.POST.get("text", "")[:200_000]
        return HttpResponse(render_markdown(text))

    def get_readonly_fields(self, request, obj=None):
        return [
            *super().get_readonly_fields(request, obj),
            "rendered_preview",
            "material_change_at",
            "updated_by",
            "updated_at",
        ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "course":
            # Offers live courses only (Lesson.course limit_choices_to) and says why a draft
            # is refused.
            kwargs["form_class"] = LiveChoiceField
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "body":
            field.help_text = MARKDOWN_HELP
        return field

    def get_urls(self):
        return [
            path(
                "<id:pk>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="education_lesson_preview",
            ),
            path(
                "markdown-preview/",
                self.admin_site.admin_view(require_POST(self.markdown_preview_view)),
                name="education_lesson_markdown_preview",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request, pk):
        """The lesson exactly as a learner would see it; records no progress."""
        lesson = get_object_or_404(
            Lesson.objects.select_related("course", "clinical_reviewer"), pk=pk
        )
        if not self.has_view_permission(request, lesson):
            raise PermissionDenied
        return TemplateResponse(
            request,
            "education/lesson_detail.html",
            {"lesson": lesson, "preview": True, "previous": None, "next": None},
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Nobody, superusers included, adds, changes or deletes these rows here: learner
    records and audit trails are kept as they were written."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LessonProgress)
class LessonProgressAdmin(ReadOnlyAdmin):
    list_display = ("learner", "lesson", "first_opened_at", "first_completed_at", "completed_at")
    list_filter = ("lesson__course", "lesson")
    list_select_related = ("learner", "lesson")
    search_fields = ("learner__username", "learner__display_name", "lesson__title")


@admin.register(WorkflowEvent)
class WorkflowEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "action", "object_repr", "actor", "comment")
    # Only the kinds of content the log holds, not every table Django knows.
    list_filter = ("action", ("content_type", admin.RelatedOnlyFieldListFilter), "actor")
    list_select_related = ("actor",)
    search_fields = ("object_repr", "comment")
    date_hierarchy = "at"


@admin.register(ProblemReport)
class ProblemReportAdmin(admin.ModelAdmin):
    list_display = ("created_at", "object_repr", "short_text", "reporter", "status", "resolved_by")
    list_filter = ("status", "content_type")
    list_select_related = ("reporter", "resolved_by")
    search_fields = ("object_repr", "text", "resolution")
    fields = (
        "object_repr",
        "version_link",
        "text",
        "reporter",
        "created_at",
        "status",
        "resolution",
    )
    readonly_fields = ("object_repr", "version_link", "text", "reporter", "created_at")

    @admin.display(description=_("report"))
    def short_text(self, report):
        return report.text[:80]

    @admin.display(description=_("version the learner saw"))
    def version_link(self, report):
        model = report.content_type.model_class()
        url = reverse(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_versions",
            args=[report.object_id],
        )
        return format_html(
            '<a href="{}">{}</a> ({})', url, _("versions and changes"), report.version_seen
        )

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        if obj.status == ReportStatus.RESOLVED and obj.resolved_at is None:
            problem_reports.resolve(obj, user=request.user)
            return
        super().save_model(request, obj, form, change)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class ResolutionNeedsNote(form):
            def clean(self):
                data = super().clean()
                if (
                    data.get("status") == ReportStatus.RESOLVED
                    and not (data.get("resolution") or "").strip()
                ):
                    self.add_error("resolution", _("Say how it was resolved: the note is kept."))
                return data

        return ResolutionNeedsNote
