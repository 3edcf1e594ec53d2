from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.evaluations.defaults import add_default_questions
from portal.evaluations.models import CourseEvaluation, EvaluationQuestion


class EvaluationQuestionInline(admin.TabularInline):
    model = EvaluationQuestion
    fields = ("position", "kind", "text", "required", "active")
    extra = 0
    # Deleting a question that has answers is refused by the admin (the answers PROTECT it).


@admin.register(CourseEvaluation)
class CourseEvaluationAdmin(admin.ModelAdmin):
    """Each live course's evaluation questions. The course itself is edited on its own page:
    here nothing of it changes, only its questions."""

    list_display = ("title", "questions_asked", "evaluations_received")
    search_fields = ("title", "slug")
    fields = ("title",)
    readonly_fields = ("title",)
    inlines = (EvaluationQuestionInline,)
    actions = ("give_default_questions",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .live_rows()
            .annotate(
                asked=Count(
                    "evaluation_questions",
                    filter=Q(evaluation_questions__active=True),
                    distinct=True,
                ),
                received=Count("completions__evaluations", distinct=True),
            )
        )

    @admin.display(description=_("questions asked"), ordering="asked")
    def questions_asked(self, obj):
        return obj.asked

    @admin.display(description=_("evaluations received"), ordering="received")
    def evaluations_received(self, obj):
        return obj.received

    @admin.action(description=_("Add the default questions (to courses that have none)"))
    def give_default_questions(self, request, queryset):
        given = add_default_questions(queryset.order_by())
        self.message_user(
            request,
            ngettext(
                "%(count)d course got the default questions.",
                "%(count)d courses got the default questions.",
                given,
            )
            % {"count": given},
            messages.SUCCESS,
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """The course row is not touched (its version, history and content cache stay)."""
