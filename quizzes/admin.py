import nested_admin
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import models, transaction
from django.db.models import Count, F, Q
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from education.admin import DraftBesideLiveAdminMixin, ReadOnlyAdmin
from education.admin_workflow import (
    LockedVersionAdminMixin,
    LockedVersionForm,
    VersionHistoryMixin,
    WorkflowAdminMixin,
)
from education.forms import LiveChoiceField
from education.models import Status
from portal.admin_site import LabelledInlineFormSet
from quizzes import comparison, drafts, overrides, services
from quizzes.drafts import copy_questions
from quizzes.forms import QuizOverrideForm
from quizzes.item_checks import Item, check_item
from quizzes.kinds import answer_key_problems
from quizzes.models import Attempt, Choice, Question, Quiz, QuizOverride, Regrade

# Quizzes whose questions may be edited: drafts and quizzes in review.
EDITABLE_QUIZZES = Q(status__in=[Status.DRAFT, Status.IN_REVIEW])


def admin_link(url_name, obj, label):
    if obj.pk is None:
        return "—"
    return format_html('<a href="{}">{}</a>', reverse(url_name, args=[obj.pk]), label)


def findings_list(findings, *, numbered=False):
    """The item-writing checker's findings as a list an editor reads beside the question."""
    return render_to_string(
        "admin/includes/item_checks.html", {"findings": findings, "numbered": numbered}
    )


def question_findings(question):
    if question.pk is None:
        return []
    lesson = question.quiz.lesson
    return check_item(Item.from_question(question), lesson_text=lesson.body if lesson else "")


class ChoiceInlineFormSet(LabelledInlineFormSet):
    """The answer key must make sense for the question's kind."""

    def clean(self):
        super().clean()
        # On the quiz's page (nested_admin), a blank question row added and left empty is
        # neither saved nor checked.
        row = getattr(self, "parent_form", None)
        if row is not None and row.instance.pk is None and not row.has_changed():
            return
        kept = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        problems = answer_key_problems(self.instance.kind, kept)
        if problems:
            raise forms.ValidationError(problems)


class ChoiceInline(nested_admin.NestedTabularInline):
    """A question's choices: on the question's page and, nested, on its quiz's page."""

    model = Choice
    formset = ChoiceInlineFormSet
    fields = ("position", "text", "is_correct", "feedback", "versions_link")
    # Wide enough to read a whole choice and its feedback.
    formfield_overrides = {models.CharField: {"widget": forms.TextInput(attrs={"size": 50})}}
    readonly_fields = ("versions_link",)
    # A new question starts with two blank choices; fewer than two kept is refused with the
    # answer key's own message (ChoiceInlineFormSet). Not min_num: that would make a blank
    # question row, added and left empty on the quiz's page, demand its choices' texts.
    min_num = 0

    def get_extra(self, request, obj=None, **kwargs):
        return 2 if obj is None or obj.pk is None else 0

    @admin.display(description=_("versions"))
    def versions_link(self, choice):
        return admin_link("admin:quizzes_choice_versions", choice, _("Versions and changes"))

    @staticmethod
    def editable(question):
        # The question (None or unsaved in the quiz page's blank row), or, when the quiz page
        # lists its inlines, the quiz.
        if question is None or question.pk is None:
            return True
        quiz = question if isinstance(question, Quiz) else question.quiz
        return quiz.accepts_edits

    def has_add_permission(self, request, obj=None):
        return self.editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self.editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Attempts show the choices they were given; retire the question instead.
        if not self.editable(obj) or (
            isinstance(obj, Question) and obj.pk and obj.attempt_questions.exists()
        ):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Question)
class QuestionAdmin(LockedVersionAdminMixin, VersionHistoryMixin, nested_admin.NestedModelAdmin):
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
        "reviewer_note",
        "is_active",
        "item_check",
        "seen_version",
    )
    readonly_fields = ("item_check",)
    can_restore = True

    @admin.display(description=_("question"))
    def short_stem(self, question):
        return question.stem[:90]

    @admin.display(description=_("item-writing check"))
    def item_check(self, question):
        return findings_list(question_findings(question))

    def version_parts(self, older, newer, until, past):
        # Its choices and answer key, from the choices' own history; its own texts are
        # compared as fields.
        changes = comparison.question_versions(newer, older)
        for change in changes:
            change.comparison = None
        return changes, "admin/quizzes/_question_changes.html"

    def restore(self, historical, user):
        question, with_choices = drafts.restore_question_version(historical=historical, user=user)
        question.restored_with_choices = with_choices  # for restore_message
        return question

    def restore_message(self, historical, restored):
        message = super().restore_message(historical, restored)
        if restored.restored_with_choices:
            return message
        return format_html(
            "{} {}",
            message,
            _(
                "Only the question's own fields were restored: the history cannot tell which "
                "choices it had then. Check its choices in the draft."
            ),
        )

    def has_change_permission(self, request, obj=None):
        # A published quiz changes only through a reviewed draft ("Edit (starts a draft)").
        return (obj is None or obj.quiz.accepts_edits) and super().has_change_permission(
            request, obj
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "quiz":
            kwargs["queryset"] = Quiz.objects.filter(EDITABLE_QUIZZES)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def row_changed(form):
    """Whether a question's row on the quiz page changes it: its own fields or its choices
    (nested_admin hangs the choice formset on the question's form)."""
    return form.has_changed() or any(
        choices.has_changed() for choices in getattr(form, "nested_formsets", ())
    )


class QuestionRowForm(LockedVersionForm):
    """A question on its quiz's page, locked like the question's own page. A row left as it
    was is not saved, so it is not checked: a question someone changed meanwhile on its own
    page does not stop the rest of the quiz from being saved."""

    def clean(self):
        if self.instance.pk and not row_changed(self):
            return forms.ModelForm.clean(self)
        return super().clean()


class QuestionInline(nested_admin.NestedStackedInline):
    model = Question
    form = QuestionRowForm
    formset = LabelledInlineFormSet
    inlines = [ChoiceInline]
    fields = (
        ("position", "kind", "points", "is_active"),
        "stem",
        "item_check",
        "seen_version",
    )
    readonly_fields = ("item_check",)
    extra = 0
    show_change_link = True
    formfield_overrides = {
        Question._meta.get_field("stem").__class__: {"widget": forms.Textarea(attrs={"rows": 2})}
    }

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("quiz__lesson")
            .prefetch_related("choices")
        )

    @admin.display(description=_("item-writing check"))
    def item_check(self, question):
        return findings_list(question_findings(question))

    def has_add_permission(self, request, obj=None):
        return (obj is None or obj.accepts_edits) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return (obj is None or obj.accepts_edits) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # retire a question (untick "active"), or delete it from its own page


@admin.register(Quiz)
class QuizAdmin(DraftBesideLiveAdminMixin, WorkflowAdminMixin, nested_admin.NestedModelAdmin):
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
    readonly_fields = ("preview_link", "item_check", "material_change_at")
    can_restore = True
    new_draft_message = _("Learners keep the published quiz until this draft is published.")
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
                    "material_change_at",
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
                    "retake_wait_hours",
                    "draw_count",
                    "shuffle_questions",
                    "shuffle_choices",
                    "partial_credit",
                )
            },
        ),
        (_("Item-writing check"), {"fields": ("item_check",)}),
    )

    @staticmethod
    def is_live(obj):
        return obj is not None and obj.is_live

    @classmethod
    def is_frozen(cls, obj):
        # A quiz in review can still be edited (its questions are, on their own pages):
        # frozen are the live quiz and a new version signed off and waiting to go live.
        return obj is not None and not obj.accepts_edits

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if self.is_frozen(obj):
            readonly += [
                f.name for f in Quiz._meta.fields if f.editable and f.name not in readonly
            ]
        return readonly

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in {"course", "lesson"}:
            # Offers live rows only (limit_choices_to) and says why a draft is refused.
            kwargs["form_class"] = LiveChoiceField
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(active_count=Count("questions", filter=Q(questions__is_active=True)))
        )

    @admin.display(description=_("active questions"), ordering="active_count")
    def active_questions(self, quiz):
        return quiz.active_count

    @admin.display(description=_("findings"))
    def item_check(self, quiz):
        if quiz.pk is None:
            return "—"
        return findings_list(quiz.item_findings(), numbered=True)

    @admin.display(description=_("preview"))
    def preview_link(self, quiz):
        return admin_link("admin:quizzes_quiz_preview", quiz, _("Preview as a learner sees it"))

    def version_past(self, quiz):
        return comparison.QuizPast(quiz.id)

    def version_parts(self, older, newer, until, past):
        # The questions of a version are those saved before the next version of the quiz.
        return (
            comparison.compare_questions(
                past.questions_at(until[older.history_id]),
                past.questions_at(until[newer.history_id]),
            ),
            "admin/quizzes/_question_changes.html",
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is Question:
            # A question changed here moves its version on, so a page of it opened before
            # is refused instead of overwriting this change.
            changed = [f.instance.pk for f in formset.forms if f.instance.pk and row_changed(f)]
            super().save_formset(request, form, formset, change)
            Question.objects.filter(pk__in=changed).update(version=F("version") + 1)
            return
        super().save_formset(request, form, formset, change)

    def review_parts(self, live, draft):
        before = comparison.questions_of(live) if live is not None else []
        return (
            comparison.compare_questions(before, comparison.questions_of(draft)),
            "admin/quizzes/_question_changes.html",
        )

    def get_urls(self):
        return [
            path(
                "<id:pk>/preview/",
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
    """A draft copy with a new slug, its questions and choices."""
    number = Quiz.objects.filter(slug__startswith=f"{quiz.slug}-copy").count() + 1
    copy = Quiz(
        slug=f"{quiz.slug}-copy-{number}"[:100],
        status=Status.DRAFT,
        updated_by=user,
        **{name: getattr(quiz, name) for name in Quiz.DRAFT_FIELDS},
    )
    copy.title = _("%(title)s (copy)") % {"title": quiz.title}
    copy.save()
    copy_questions(quiz, copy)
    return copy


@admin.register(Choice)
class ChoiceAdmin(VersionHistoryMixin, admin.ModelAdmin):
    """A choice's versions, reached from its question's page. Choices are edited on that
    page only, where the answer key is checked as a whole."""

    list_display = ("text", "question", "is_correct", "position")
    list_select_related = ("question",)
    fields = ("question", "position", "text", "is_correct", "feedback")
    change_form_template = "admin/quizzes/question/change_form.html"
    can_restore = True

    def get_model_perms(self, request):
        return {}  # not listed on the admin index: choices belong to their question

    def changelist_view(self, request, extra_context=None):
        # A list of every choice would be every answer key at a glance: choices are seen
        # on their question's page, and each choice's own page and versions from there.
        return redirect("admin:quizzes_question_changelist")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def restore(self, historical, user):
        return drafts.restore_choice_version(historical=historical, user=user)


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyAdmin):
    list_display = ("learner", "quiz", "number", "state", "percent", "passed", "started_at")
    list_filter = ("state", "passed", "quiz")
    list_select_related = ("learner", "quiz")
    search_fields = ("learner__username", "learner__display_name", "quiz__title")
    date_hierarchy = "started_at"


@admin.register(Regrade)
class RegradeAdmin(ReadOnlyAdmin):
    list_display = ("attempt", "old_score", "new_score", "regraded_by", "regraded_at")
    list_select_related = ("attempt__learner", "attempt__quiz", "regraded_by")


class QuizOverrideAdminForm(QuizOverrideForm):
    """The admin's form names the learner by username (reviewers see no list of learners)
    and the quiz from the live ones."""

    username = forms.CharField(label=_("learner's username"), max_length=150)
    quiz = forms.ModelChoiceField(
        label=_("quiz"), queryset=Quiz.objects.live_rows().order_by("title")
    )

    class Meta(QuizOverrideForm.Meta):
        fields = ("quiz", "kind", "extra_minutes", "reason")

    def __init__(self, *args, **kwargs):
        # The quiz and learner are chosen on this same form: which adjustments the quiz
        # allows is checked in clean().
        forms.ModelForm.__init__(self, *args, **kwargs)
        self.quiz = self.learner = None
        self.fields["extra_minutes"].required = False

    def clean_username(self):
        from django.contrib.auth import get_user_model

        learner = (
            get_user_model()
            .objects.filter(username=self.cleaned_data["username"].strip(), is_active=True)
            .first()
        )
        if learner is None:
            raise forms.ValidationError(_("No active account has that username."))
        return learner


@admin.register(QuizOverride)
class QuizOverrideAdmin(admin.ModelAdmin):
    """Clinical reviewers adjust a quiz for one learner here (supervisors do it from the
    learner's page); what was granted is kept as written, like every learner record."""

    form = QuizOverrideAdminForm
    list_display = ("granted_at", "learner", "quiz", "kind", "extra_minutes", "granted_by")
    list_filter = ("kind",)
    list_select_related = ("learner", "quiz", "granted_by")
    search_fields = ("learner__username", "learner__display_name", "quiz__title", "reason")
    fields = ("username", "quiz", "kind", "extra_minutes", "reason")
    readonly_fields = ()

    def get_fields(self, request, obj=None):
        if obj is not None:
            return ("learner", "quiz", "kind", "extra_minutes", "reset_after", "reason",
                    "granted_by", "granted_at")  # fmt: skip
        return self.fields

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj) if obj is not None else ()

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None:  # shown read-only: the recorded adjustment, not the add form
            kwargs.update(form=forms.ModelForm, fields=())
        return super().get_form(request, obj, **kwargs)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        granted = overrides.grant(
            learner=form.cleaned_data["username"],
            quiz=form.cleaned_data["quiz"],
            kind=form.cleaned_data["kind"],
            reason=form.cleaned_data["reason"],
            extra_minutes=form.cleaned_data.get("extra_minutes") or 0,
            by=request.user,
        )
        # The admin logs and links the object it saved: make it the one recorded.
        for field in QuizOverride._meta.concrete_fields:
            setattr(obj, field.attname, getattr(granted, field.attname))
