from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import transaction
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from education.admin_workflow import VersionHistoryMixin, WorkflowAdminMixin
from education.models import Status
from quizzes import services
from quizzes.models import Attempt, Choice, Question, QuestionKind, Quiz, Regrade


class ChoiceInlineFormSet(forms.BaseInlineFormSet):
    """The answer key must make sense for the question's kind."""

    def clean(self):
        super().clean()
        kept = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        correct = sum(1 for data in kept if data.get("is_correct"))
        kind = self.instance.kind
        if len(kept) < 2:
            raise forms.ValidationError(_("A question needs at least two choices."))
        if kind in {QuestionKind.SINGLE, QuestionKind.TRUE_FALSE} and correct != 1:
            raise forms.ValidationError(
                _("A single-answer or true/false question needs exactly one correct choice.")
            )
        if kind == QuestionKind.MULTIPLE and correct < 1:
            raise forms.ValidationError(
                _("A multiple-response question needs at least one correct choice.")
            )


class ChoiceInline(admin.TabularInline):
    model = Choice
    formset = ChoiceInlineFormSet
    fields = ("position", "text", "is_correct", "feedback")
    extra = 0
    min_num = 2

    def has_delete_permission(self, request, obj=None):
        # Attempts show the choices they were given; retire the question instead.
        if obj is not None and obj.attempt_questions.exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Question)
class QuestionAdmin(VersionHistoryMixin, admin.ModelAdmin):
    list_display = ("short_stem", "quiz", "kind", "points", "position", "is_active")
    list_filter = ("quiz", "kind", "is_active")
    list_select_related = ("quiz",)
    search_fields = ("stem", "vignette", "rationale")
    inlines = [ChoiceInline]
    fields = (
        "quiz",
        "position",
        "kind",
        "vignette",
        "stem",
        "rationale",
        "points",
        "objective",
        "is_active",
    )

    @admin.display(description=_("question"))
    def short_stem(self, question):
        return question.stem[:90]


class QuestionInline(admin.TabularInline):
    model = Question
    fields = ("position", "kind", "stem", "points", "is_active")
    extra = 0
    show_change_link = True
    formfield_overrides = {
        Question._meta.get_field("stem").__class__: {"widget": forms.Textarea(attrs={"rows": 2})}
    }

    def has_delete_permission(self, request, obj=None):
        return False  # retire a question (untick "active"), or delete it from its own page


@admin.register(Quiz)
class QuizAdmin(WorkflowAdminMixin, admin.ModelAdmin):
    list_display = (
        "title", "lesson", "status", "pass_mark", "active_questions", "clinical_reviewer",
        "next_review_due", "updated_by", "updated_at",
    )  # fmt: skip
    list_filter = (
        "status",
        "review_mode",
        "lesson__course",
        "clinical_reviewer",
        "next_review_due",
    )
    list_select_related = ("lesson", "clinical_reviewer", "updated_by")
    search_fields = ("title", "introduction")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [QuestionInline]
    actions = ["duplicate", "regrade"]
    readonly_fields = ("preview_link",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "title",
                    "slug",
                    "lesson",
                    "course",
                    "position",
                    "status",
                    "preview_link",
                )
            },
        ),
        (_("For the learner"), {"fields": ("introduction", "pass_mark", "review_mode")}),
        (
            _("Rules"),
            {
                "fields": (
                    "attempts_allowed",
                    "time_limit_minutes",
                    "draw_count",
                    "shuffle_questions",
                    "shuffle_choices",
                    "partial_credit",
                )
            },
        ),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(active_count=Count("questions", filter=Q(questions__is_active=True)))
        )

    @admin.display(description=_("active questions"), ordering="active_count")
    def active_questions(self, quiz):
        return quiz.active_count

    @admin.display(description=_("preview"))
    def preview_link(self, quiz):
        if quiz.pk is None:
            return "—"
        url = reverse("admin:quizzes_quiz_preview", args=[quiz.pk])
        return format_html('<a href="{}">{}</a>', url, _("Preview as a learner sees it"))

    def get_urls(self):
        return [
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="quizzes_quiz_preview",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request, pk):
        """The questions as a learner would see them; creates no attempt."""
        quiz = self.get_object(request, pk)
        if quiz is None or not self.has_view_permission(request, quiz):
            return self._get_obj_does_not_exist_redirect(request, self.opts, str(pk))
        questions = services.snapshot_questions(quiz, services.random.Random())
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Preview: %(title)s") % {"title": quiz.title},
            "quiz": quiz,
            "questions": questions,
        }
        return TemplateResponse(request, "admin/quizzes/quiz/preview.html", context)

    @admin.action(description=_("Duplicate the selected quizzes as drafts"))
    def duplicate(self, request, queryset):
        with transaction.atomic():
            for quiz in queryset.prefetch_related("questions__choices"):
                copy_quiz(quiz, request.user)
        self.message_user(request, _("Duplicated. The copies are drafts."), messages.SUCCESS)

    @admin.action(
        description=_("Regrade finished attempts with the current answer key"),
        permissions=["publish"],
    )
    def regrade(self, request, queryset):
        if request.POST.get("apply") == "yes":
            changed = 0
            for quiz in queryset:
                changed += len(services.apply_regrade(quiz=quiz, user=request.user))
            self.message_user(
                request,
                ngettext("Regraded %(count)d attempt.", "Regraded %(count)d attempts.", changed)
                % {"count": changed},
                messages.SUCCESS,
            )
            return None
        previews = [(quiz, services.regrade_preview(quiz)[0]) for quiz in queryset]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Regrade: dry run"),
            "previews": previews,
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/quizzes/quiz/regrade.html", context)

    def has_publish_permission(self, request):
        return request.user.has_perm("education.publish_content")


def copy_quiz(quiz, user):
    questions = list(quiz.questions.all())
    original_pk = quiz.pk
    number = Quiz.objects.filter(slug__startswith=f"{quiz.slug}-copy").count() + 1
    quiz.pk = None
    quiz._state.adding = True
    quiz.slug = f"{quiz.slug}-copy-{number}"[:100]
    quiz.title = _("%(title)s (copy)") % {"title": quiz.title}
    quiz.status = Status.DRAFT
    quiz.loaded_fingerprint = ""
    quiz.updated_by = user
    quiz.save()
    for question in questions:
        choices = list(question.choices.all())
        question.pk = None
        question._state.adding = True
        question.quiz = quiz
        question.save()
        Choice.objects.bulk_create(
            Choice(
                question=question,
                text=c.text,
                is_correct=c.is_correct,
                feedback=c.feedback,
                position=c.position,
            )
            for c in choices
        )
    return Quiz.objects.exclude(pk=original_pk).get(pk=quiz.pk)


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ("learner", "quiz", "number", "state", "percent", "passed", "started_at")
    list_filter = ("state", "passed", "quiz")
    list_select_related = ("learner", "quiz")
    search_fields = ("learner__username", "learner__display_name", "quiz__title")
    date_hierarchy = "started_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Regrade)
class RegradeAdmin(admin.ModelAdmin):
    list_display = ("attempt", "old_score", "new_score", "regraded_by", "regraded_at")
    list_select_related = ("attempt__learner", "attempt__quiz", "regraded_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
