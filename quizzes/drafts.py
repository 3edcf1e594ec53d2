"""New versions of published quizzes: edited as a draft copy, reviewed, and on publishing
copied into the live quiz question by question, so attempts, their frozen questions and
item statistics keep pointing at the same rows."""

from django.db import transaction
from django.utils.translation import gettext as _

from education.models import Status, WorkflowAction
from education.workflow import WorkflowError, can_edit, record
from quizzes.models import Choice, Question, Quiz

QUIZ_FIELDS = (
    "title", "lesson", "course", "introduction", "pass_mark", "attempts_allowed",
    "time_limit_minutes", "shuffle_questions", "shuffle_choices", "draw_count", "partial_credit",
    "review_mode", "position",
)  # fmt: skip
SIGN_OFF_FIELDS = ("clinical_reviewer", "reviewed_on", "next_review_due")
QUESTION_FIELDS = ("kind", "vignette", "stem", "rationale", "points", "objective")


def copy_questions(source, target):
    for question in source.questions.prefetch_related("choices"):
        choices = list(question.choices.all())
        question.pk = None
        question._state.adding = True
        question.quiz = target
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


def sync_questions(quiz, questions):
    """Make the quiz's questions match `questions` (dicts of QUESTION_FIELDS, is_active and
    "choices" dicts), updating in place position by position: attempts point at questions,
    and a regrade matches choices by id. Questions no longer wanted are retired, never
    deleted."""
    existing = list(quiz.questions.order_by("position", "id"))
    for position, data in enumerate(questions, start=1):
        question = existing[position - 1] if position <= len(existing) else Question(quiz=quiz)
        for name in QUESTION_FIELDS:
            setattr(question, name, data[name])
        question.position = position
        question.is_active = data.get("is_active", True)
        question.save()
        current = list(question.choices.all()) if question.pk else []
        for index, choice_data in enumerate(data["choices"], start=1):
            choice = current[index - 1] if index <= len(current) else Choice(question=question)
            choice.text = choice_data["text"]
            choice.is_correct = choice_data["is_correct"]
            choice.feedback = choice_data["feedback"]
            choice.position = index
            choice.save()
        Choice.objects.filter(pk__in=[c.pk for c in current[len(data["choices"]) :]]).delete()
    for question in existing[len(questions) :]:
        question.is_active = False
        question.save(update_fields=["is_active"])


def question_data(quiz):
    return [
        {
            **{name: getattr(q, name) for name in QUESTION_FIELDS},
            "is_active": q.is_active,
            "choices": [
                {"text": c.text, "is_correct": c.is_correct, "feedback": c.feedback}
                for c in q.choices.all()
            ],
        }
        for q in quiz.questions.prefetch_related("choices").order_by("position", "id")
    ]


def start_quiz_draft(*, quiz, user):
    """The draft that will replace a published quiz (the existing one if there is one)."""
    from django.core.exceptions import PermissionDenied

    if not can_edit(user, quiz):
        raise PermissionDenied
    if quiz.draft_of_id:
        raise WorkflowError(_("This is already a draft."))
    with transaction.atomic():
        draft = Quiz.objects.filter(draft_of=quiz).first()
        if draft is None:
            draft = Quiz(draft_of=quiz, slug=quiz.slug, status=Status.DRAFT, updated_by=user)
            for name in QUIZ_FIELDS:
                setattr(draft, name, getattr(quiz, name))
            draft.save()
            copy_questions(quiz, draft)
            record(quiz, WorkflowAction.DRAFT_STARTED, user)
    return draft


def promote_quiz(draft):
    live = Quiz.objects.select_for_update().get(pk=draft.draft_of_id)
    for name in (*QUIZ_FIELDS, *SIGN_OFF_FIELDS):
        setattr(live, name, getattr(draft, name))
    live.status = Status.PUBLISHED
    live.publish_at = None
    live.version += 1
    live.updated_by = draft.updated_by
    live._change_reason = f"published from draft #{draft.pk}"
    live.save()
    sync_questions(live, question_data(draft))
    draft.delete()
    return live
