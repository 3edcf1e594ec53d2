"""A quiz's questions in its new versions. A quiz draft is started and published like a
course or lesson (education.workflow.start_draft and promote); these are the quiz's hooks
for what hangs off it: its questions are copied into the draft, and on publishing copied
into the live quiz question by question, so attempts, their frozen questions and item
statistics keep pointing at the same rows.

Each question and choice of a draft knows the live row it replaces (`replaces`, set when the
draft is copied from the live quiz). Publishing matches by that identity, never by position:
a question inserted in the draft becomes a new live question, one removed from the draft is
retired, and one moved keeps its row.

Restoring an earlier version of a quiz, question or choice goes through the same draft: the
old values are written into it, and the live quiz and every history row stay as they are."""

from django.db.models import Q
from django.utils.translation import gettext as _

from education.workflow import WorkflowError, restore_into_draft
from quizzes.kinds import answer_key_problems
from quizzes.models import Choice, Question

QUESTION_FIELDS = (
    "kind", "vignette", "stem", "rationale", "points", "objective", "reviewer_note",
)  # fmt: skip
CHOICE_FIELDS = ("text", "is_correct", "feedback")


def copy_questions(source, target, *, replacing=False):
    """Copy `source`'s questions and choices into `target`; `replacing`: target is the draft
    that will replace source, so each copy records the live row it replaces."""
    for question in source.questions.prefetch_related("choices"):
        choices = list(question.choices.all())
        question.replaces_id = question.pk if replacing else None
        question.pk = None
        question._state.adding = True
        question.quiz = target
        question.save()
        # One save per choice, not bulk_create: only saved choices get a history, and a
        # question's earlier versions can be restored with their choices only from it.
        for choice in choices:
            choice.replaces_id = choice.pk if replacing else None
            choice.pk = None
            choice._state.adding = True
            choice.question = question
            choice.save()


def apply_question(question, data):
    """Write one question (a dict of QUESTION_FIELDS, position, is_active and, if given,
    "choices" dicts) onto `question`. Choices are updated in place position by position, as
    a regrade matches them by id; choices beyond the new list are deleted. A choice that has
    to be created takes the "replaces_id" of its dict, if any (see Choice.replaces)."""
    for name in QUESTION_FIELDS:
        setattr(question, name, data[name])
    question.position = data["position"]
    question.is_active = data.get("is_active", True)
    question.save()
    if "choices" not in data:
        return question
    current = list(question.choices.all())
    for index, choice_data in enumerate(data["choices"], start=1):
        choice = current[index - 1] if index <= len(current) else Choice(question=question)
        if choice.pk is None:
            choice.replaces_id = choice_data.get("replaces_id")
        for name in CHOICE_FIELDS:
            setattr(choice, name, choice_data[name])
        choice.position = choice_data.get("position", index)
        choice.save()
    Choice.objects.filter(pk__in=[c.pk for c in current[len(data["choices"]) :]]).delete()
    return question


def publish_questions(draft, live):
    """Write the draft's questions onto the live quiz by identity (see the module docstring),
    numbered 1, 2, 3... in the draft's order. Live questions the draft no longer has are
    retired, never deleted: attempts point at them."""
    unclaimed = {question.pk: question for question in live.questions.prefetch_related("choices")}
    sources = draft.questions.prefetch_related("choices").order_by("position", "id")
    for position, source in enumerate(sources, start=1):
        target = unclaimed.pop(source.replaces_id, None) or Question(quiz=live)
        for name in QUESTION_FIELDS:
            setattr(target, name, getattr(source, name))
        target.position = position
        target.is_active = source.is_active
        target.save()
        choices = {choice.pk: choice for choice in target.choices.all()} if target.pk else {}
        for index, source_choice in enumerate(source.choices.all(), start=1):
            choice = choices.pop(source_choice.replaces_id, None) or Choice(question=target)
            for name in CHOICE_FIELDS:
                setattr(choice, name, getattr(source_choice, name))
            choice.position = index
            choice.save()
        # A choice removed in the draft: the attempts that showed it keep it in their
        # snapshot (AttemptQuestion.choices).
        Choice.objects.filter(pk__in=choices).delete()
    for question in unclaimed.values():
        question.is_active = False
        question.save(update_fields=["is_active"])


def counterpart(item, draft_rows):
    """The row of a draft (`draft_rows`: its questions, or a question's choices) that will
    replace the live `item` when the draft is published; None if the draft has none."""
    return draft_rows.filter(replaces=item).first()


def choices_at(historical):
    """The choices of a historical question version, rebuilt from the choices' own history
    (dicts of CHOICE_FIELDS, position and id), or None when that history cannot tell.

    The admin saves a question before its inline choices, so the choices of one version
    are those saved before the question's *next* version, not before this one."""
    later = (
        Question.history.filter(id=historical.id)
        .filter(
            Q(history_date__gt=historical.history_date)
            | Q(history_date=historical.history_date, history_id__gt=historical.history_id)
        )
        .order_by("history_date", "history_id")
        .values_list("history_date", flat=True)
        .first()
    )
    ever = Choice.history.filter(question_id=historical.id).values("id")
    if Choice.objects.filter(question_id=historical.id).exclude(id__in=ever).exists():
        return None  # choices written without history (bulk_create): their past is unknown
    first, latest = {}, {}
    for row in Choice.history.filter(id__in=ever).order_by("history_date", "history_id"):
        first.setdefault(row.id, row)
        if later is None or row.history_date < later:
            latest[row.id] = row
    if any(row.history_type != "+" for row in first.values()):
        return None  # history began after the choice existed
    rows = sorted(
        (r for r in latest.values() if r.history_type != "-" and r.question_id == historical.id),
        key=lambda row: (row.position, row.id),
    )
    if len(rows) < 2:
        return None  # no question is valid with fewer: the history is incomplete
    return [
        {name: getattr(row, name) for name in (*CHOICE_FIELDS, "position", "id")} for row in rows
    ]


def _refuse_broken_answer_key(question, advice):
    """Raise (so the restore's transaction rolls back) when the draft's question would be
    left with an answer key that cannot be right, e.g. two correct choices for a single
    best answer. The rules are the question admin's (quizzes.validation)."""
    problems = answer_key_problems(question.kind, question.choices.all())
    if problems:
        raise WorkflowError(
            _(
                "That version was not restored: it would leave the question “%(question)s” "
                "with an answer key that cannot be right. %(problems)s %(advice)s Nothing was "
                "changed."
            )
            % {
                "question": question,
                "problems": " ".join(str(problem) for problem in problems),
                "advice": advice,
            }
        )


def _positions_kept(choices, current):
    """`choices` (see choices_at) with the positions they will have on the draft question
    whose choices are `current`: those overwritten in place keep theirs, so the restore does
    not reorder the choices it overwrites; an added one takes its old position, but never one
    that would sort it before those kept."""
    placed, floor = [], 0
    for index, data in enumerate(choices):
        if index < len(current):
            position = current[index].position
        else:
            position = max(data["position"], floor)
        floor = position
        placed.append({**data, "position": position})
    return placed


def restore_question_version(*, historical, user):
    """The question as it was, with its choices when their history can tell them (see
    choices_at), goes onto its counterpart in the quiz's draft, added back if missing.
    Returns the draft's question and whether its choices were restored too."""
    question = Question.objects.select_related("quiz").get(pk=historical.id)
    data = {name: getattr(historical, name) for name in QUESTION_FIELDS}
    data["is_active"] = historical.is_active
    choices = choices_at(historical)

    def write(draft):
        if draft.pk == question.quiz_id:
            target = question
        else:
            target = counterpart(question, draft.questions)
        # A counterpart keeps its place in the draft; only a question added back (it will
        # replace the live one again) takes its old position.
        if target is None:
            values = {**data, "position": historical.position}
            target = Question(quiz=draft, replaces=question)
        else:
            values = {**data, "position": target.position}
        if choices is not None:
            current = list(target.choices.all()) if target.pk else []
            values["choices"] = _positions_kept(choices, current)
            if draft.pk != question.quiz_id:
                # A choice added back to the draft replaces its live self again, unless
                # another draft choice already does: a regrade matches choices by id.
                free = set(question.choices.values_list("pk", flat=True)) - {
                    choice.replaces_id for choice in current
                }
                for choice in values["choices"]:
                    choice["replaces_id"] = choice["id"] if choice["id"] in free else None
        restored = apply_question(target, values)
        _refuse_broken_answer_key(
            restored,
            _("Restore another version, or correct the question's choices in the draft first."),
        )
        return restored

    restored = restore_into_draft(
        item=question, governed=question.quiz, historical=historical, user=user, write=write
    )
    return restored, choices is not None


def restore_choice_version(*, historical, user):
    """The choice as it was goes onto its counterpart in the quiz's draft. Returns the
    draft's question, where choices are edited."""
    choice = Choice.objects.select_related("question__quiz").get(pk=historical.id)
    question = choice.question

    def write(draft):
        target = choice
        if draft.pk != question.quiz_id:
            draft_question = counterpart(question, draft.questions)
            if draft_question is None:
                raise WorkflowError(
                    _(
                        "The question of this choice is no longer in the draft. Restore a "
                        "version of the question first. Nothing was changed."
                    )
                )
            target = counterpart(choice, draft_question.choices)
            target = target or Choice(question=draft_question, replaces=choice)
        for name in CHOICE_FIELDS:
            setattr(target, name, getattr(historical, name))
        # An existing choice keeps its place; only a choice added back takes its old position.
        if target.pk is None:
            target.position = historical.position
        target.save()
        _refuse_broken_answer_key(
            target.question,
            _(
                "Restore a version of the question instead, which brings back its choices "
                "together, or correct the other choices in the draft first."
            ),
        )
        return target.question

    return restore_into_draft(
        item=choice, governed=question.quiz, historical=historical, user=user, write=write
    )
