from django.contrib import admin
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from education.models import Course, Lesson, LessonProgress, Tag


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "position", "status", "updated_at")
    list_filter = ("status",)
    search_fields = ("title", "summary")
    prepopulated_fields = {"slug": ("title",)}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "course",
        "position",
        "status",
        "clinical_reviewer",
        "next_review_due",
        "updated_by",
        "updated_at",
    )
    list_filter = ("status", "course", "tags", "clinical_reviewer", "next_review_due")
    list_select_related = ("course", "clinical_reviewer", "updated_by")
    search_fields = ("title", "summary", "body")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("tags",)
    readonly_fields = ("rendered_preview", "updated_at", "updated_by")
    fieldsets = (
        (None, {"fields": ("course", "title", "slug", "position", "status", "tags")}),
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
        (
            _("Clinical governance"),
            {"fields": ("clinical_reviewer", "reviewed_on", "next_review_due")},
        ),
        (_("History"), {"fields": ("updated_at", "updated_by")}),
    )

    @admin.display(description=_("preview (as saved)"))
    def rendered_preview(self, lesson):
        # body_html was sanitised by nh3 when it was saved.
        return mark_safe(f'<div class="lesson-body">{lesson.body_html}</div>')

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(LessonProgress)
class LessonProgressAdmin(admin.ModelAdmin):
    list_display = ("learner", "lesson", "first_opened_at", "completed_at")
    list_filter = ("lesson__course", "lesson")
    list_select_related = ("learner", "lesson")
    search_fields = ("learner__username", "learner__display_name", "lesson__title")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
