from django.contrib import admin

from education.admin import ReadOnlyAdmin
from education.forms import LiveChoiceField
from portal.accounts.roles import sees_all_progress
from portal.admin_site import ReadableAutocompleteSelect
from portal.progress.models import Assignment, CourseCompletion, ReminderSent


@admin.register(CourseCompletion)
class CourseCompletionAdmin(ReadOnlyAdmin):
    list_display = (
        "learner",
        "course",
        "completed_at",
        "period",
        "expires_on",
        "course_version",
        "credit_hours",
        "certificate_code",
    )
    list_filter = ("course",)
    list_select_related = ("learner", "course")
    search_fields = ("learner__username", "learner__display_name", "certificate_code")


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ("course", "team", "learner", "due_on", "assigned_by", "created_at")
    list_filter = ("course", "team", "due_on")
    list_select_related = ("course", "team", "learner", "assigned_by")
    autocomplete_fields = ("learner",)
    exclude = ("assigned_by",)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if sees_all_progress(request.user):
            return queryset
        teams = request.user.supervised_teams.all()
        return queryset.filter(team__in=teams) | queryset.filter(learner__team__in=teams)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "course":
            # Offers live courses only (Assignment.course limit_choices_to) and says why a
            # draft is refused.
            kwargs["form_class"] = LiveChoiceField
        if db_field.name in self.autocomplete_fields:
            kwargs["widget"] = ReadableAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.assigned_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ReminderSent)
class ReminderSentAdmin(ReadOnlyAdmin):
    list_display = ("assignment", "learner", "kind", "sent_at")
    list_select_related = ("assignment__course", "learner")
