"""What changed in a quiz's questions between two versions: questions added, removed, moved
or retired, their texts, their choices and, spelled out, every change of the answer key.

A version's questions are `QuestionState`s, read from live rows, from a draft (whose rows
name the live rows they replace) or from the history. Questions and choices are matched by
identity, never by position, as publishing matches them (quizzes.drafts)."""

from dataclasses import dataclass, field

from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from education.comparison import compare_values
from quizzes.models import Choice, Question

QUESTION_TEXTS = ("kind", "vignette", "stem", "rationale", "points", "objective", "reviewer_note")


@dataclass
class ChoiceState:
    identity: object
    text: str
    is_correct: bool
    feedback: str


@dataclass
class QuestionState:
    identity: object
    values: dict  # QUESTION_TEXTS
    is_active: bool
    choices: list[ChoiceState] | None  # None: the history cannot tell them
    number: int = 0  # 1, 2, 3... in the quiz's order

    @property
    def stem(self):
        return self.values["stem"]

    @property
    def key(self):
        return [choice.text for choice in self.choices or [] if choice.is_correct]


@dataclass
class QuestionChange:
    kind: str  # "added", "removed" or "changed"
    question: QuestionState
    old_number: int | None = None
    notes: list[str] = field(default_factory=list)  # moved, retired, key changed...
    comparison: object = None  # education.comparison.Comparison of its own texts
    choices: list[str] = field(default_factory=list)  # choice changes, in words


def numbered(states):
    for number, state in enumerate(states, start=1):
        state.number = number
    return states


def _state(question, identity, choices):
    return QuestionState(
        identity=identity,
        values={name: getattr(question, name) for name in QUESTION_TEXTS},
        is_active=question.is_active,
        choices=choices,
    )


def questions_of(quiz):
    """The questions of a saved quiz as they are now. A draft's question is known by the live
    question it replaces (a question new in the draft, by itself)."""
    states = []
    is_draft = quiz.draft_of_id is not None
    for question in quiz.questions.prefetch_related("choices").order_by("position", "id"):
        choices = [
            ChoiceState(
                (choice.replaces_id or ("new", choice.pk)) if is_draft else choice.pk,
                choice.text,
                choice.is_correct,
                choice.feedback,
            )
            for choice in question.choices.all()
        ]
        identity = (question.replaces_id or ("new", question.pk)) if is_draft else question.pk
        states.append(_state(question, identity, choices))
    return numbered(states)


def _latest_before(records, before):
    """{id: the latest record} of `records` (ordered oldest first) saved before `before`
    (None: every record), leaving out rows deleted by then."""
    latest = {}
    for record in records:
        if before is not None and record.history_date >= before:
            break
        latest[record.id] = record
    return {pk: record for pk, record in latest.items() if record.history_type != "-"}


class QuizPast:
    """The questions of one quiz as they were at any past moment, from the questions' and
    choices' history, read once (three queries) however many versions a page compares.
    The admin saves a quiz, then its questions, then their choices: the questions of one
    saved version of a quiz are those saved before its next version."""

    def __init__(self, quiz_id):
        self.quiz_id = quiz_id

    @cached_property
    def _history(self):
        questions = list(
            Question.history.filter(quiz_id=self.quiz_id).order_by("history_date", "history_id")
        )
        ids = list({record.id for record in questions})
        choices = list(
            Choice.history.filter(question_id__in=ids).order_by("history_date", "history_id")
        )
        # Choices saved without history (bulk loads) leave a question's past choices unknown.
        unknown = set(
            Choice.objects.filter(question_id__in=ids)
            .exclude(id__in=Choice.history.values("id"))
            .values_list("question_id", flat=True)
        )
        return questions, choices, unknown

    def questions_at(self, before):
        """The questions just before `before` (a datetime; None: now)."""
        question_records, choice_history, unknown = self._history
        questions = _latest_before(question_records, before)
        choice_records = _latest_before(
            [record for record in choice_history if record.question_id in questions], before
        )
        by_question = {}
        for record in sorted(choice_records.values(), key=lambda row: (row.position, row.id)):
            by_question.setdefault(record.question_id, []).append(
                ChoiceState(record.id, record.text, record.is_correct, record.feedback)
            )
        ordered = sorted(questions.values(), key=lambda row: (row.position, row.id))
        return numbered(
            [
                _state(
                    record,
                    record.id,
                    None if record.id in unknown else by_question.get(record.id, []),
                )
                for record in ordered
            ]
        )


def _quoted(texts):
    return ", ".join(f"“{text}”" for text in texts) or _("none")


def _key_change(old, new):
    if old.choices is None or new.choices is None:
        return None
    old_key = {choice.identity for choice in old.choices if choice.is_correct}
    new_key = {choice.identity for choice in new.choices if choice.is_correct}
    if old_key == new_key:
        return None
    if len(old.key) <= 1 and len(new.key) <= 1:
        return _("Answer key changed: the correct answer was %(old)s, is now %(new)s.") % {
            "old": _quoted(old.key),
            "new": _quoted(new.key),
        }
    return _("Answer key changed: the correct answers were %(old)s, are now %(new)s.") % {
        "old": _quoted(old.key),
        "new": _quoted(new.key),
    }


def _choice_changes(old, new):
    if old.choices is None or new.choices is None:
        return [] if old.choices == new.choices else [_("Its earlier choices are not known.")]
    before = {choice.identity: choice for choice in old.choices}
    after = {choice.identity: choice for choice in new.choices}
    notes = []
    for choice in new.choices:
        was = before.get(choice.identity)
        if was is None:
            notes.append(
                _("Choice added: “%(text)s”%(correct)s.")
                % {"text": choice.text, "correct": _(" (correct)") if choice.is_correct else ""}
            )
            continue
        if was.text != choice.text:
            notes.append(
                _("Choice reworded: “%(old)s” is now “%(new)s”.")
                % {"old": was.text, "new": choice.text}
            )
        if was.feedback != choice.feedback:
            notes.append(
                _("Feedback on “%(text)s” was “%(old)s”, is now “%(new)s”.")
                % {"text": choice.text, "old": was.feedback or _("(none)"), "new": choice.feedback}
            )
    for choice in old.choices:
        if choice.identity not in after:
            notes.append(_("Choice removed: “%(text)s”.") % {"text": choice.text})
    old_order = [c.identity for c in old.choices if c.identity in after]
    new_order = [c.identity for c in new.choices if c.identity in before]
    if old_order != new_order:
        notes.append(_("Choices put in a different order."))
    return notes


def compare_questions(old_states, new_states):
    """[QuestionChange] from `old_states` to `new_states`; questions that did not change are
    left out."""
    before = {state.identity: state for state in old_states}
    after = {state.identity for state in new_states}
    # Moved: its place among the questions both versions have changed (a question inserted
    # before it renumbers it without moving it).
    old_rank = {i: n for n, i in enumerate(s.identity for s in old_states if s.identity in after)}
    new_rank = {i: n for n, i in enumerate(s.identity for s in new_states if s.identity in before)}
    changes = []
    for state in new_states:
        was = before.get(state.identity)
        if was is None:
            changes.append(QuestionChange("added", state))
            continue
        notes = []
        key = _key_change(was, state)
        if key:
            notes.append(key)
        if was.is_active != state.is_active:
            notes.append(
                _("Retired: learners are no longer given it.")
                if not state.is_active
                else _("Active again: learners are given it.")
            )
        comparison = compare_values(Question, was.values, state.values)
        choices = _choice_changes(was, state)
        moved = old_rank[state.identity] != new_rank[state.identity]
        if moved:
            notes.append(
                _("Moved from question %(old)d to question %(new)d.")
                % {"old": was.number, "new": state.number}
            )
        if notes or comparison or choices:
            changes.append(
                QuestionChange("changed", state, was.number, notes, comparison, choices)
            )
    for state in old_states:
        if state.identity not in after:
            changes.append(QuestionChange("removed", state, state.number))
    return changes


def question_versions(historical, previous):
    """A question's own versions compared, with the choices each had (their own history)."""
    from quizzes.drafts import choices_at

    def state(record):
        choices = choices_at(record)
        return _state(
            record,
            record.id,
            None
            if choices is None
            else [
                ChoiceState(c["id"], c["text"], c["is_correct"], c["feedback"]) for c in choices
            ],
        )

    return compare_questions([state(previous)], [state(historical)])
