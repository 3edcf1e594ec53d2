"""The item-writing checker: what a test-wise learner could exploit, or a reviewer would send
back, in a question and its choices.

Each rule returns findings with a code, a severity and a sentence an editor understands.
Errors block submitting and publishing a quiz (`Quiz.workflow_problems`); warnings are shown
beside the question in the admin, on the review page, by `manage.py check_items` and by the
imports, and are for the editor and the reviewer to weigh. The rules read plain data (`Item`),
so a question in the database, in a curriculum file and in an import are checked alike.
"""

import re
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.utils.translation import gettext_lazy as _

from quizzes.models import QuestionKind

ERROR = "error"
WARNING = "warning"

# Words that make an option sweeping; found in distractors and not in the key, they mark the
# wrong answers for anyone who has learned that sweeping options are usually wrong.
ABSOLUTE_WORDS = frozenset(
    "only always never every all must alone none any entirely completely guaranteed "  # noqa: SIM905
    "guarantees certainly cannot impossible nothing".split()
)
# A negative word, with the Markdown emphasis that may open it.
NEGATIVE = re.compile(r"(\*\*|\*|_)?\b(not|except|least)\b", re.I)
ALL_OR_NONE = re.compile(
    r"\b(all|none|both|neither)\s+of\s+the\s+(above|following|options|answers)\b", re.I
)
# The key counts as noticeably longer than the longest distractor past both bounds.
LONG_KEY_RATIO = 1.25
LONG_KEY_CHARACTERS = 12
NEAR_DUPLICATE_RATIO = 0.88
# A quiz's true/false keys are lopsided from this share on, with at least this many items.
TRUE_FALSE_MIN_ITEMS = 3
TRUE_FALSE_LOPSIDED = 0.8

# Words a stem shares with the key that cue nothing: question words and the vocabulary of
# every clinical stem.
STOP_WORDS = frozenset(
    """
    a about above after again against also among an and any are as at be because been before
    being below best between both but by can could did do does doing down during each either
    few for from further had has have having her here hers herself him himself his how i if in
    into is it its itself just least less like likely many may me might more most much my
    next no nor not now of off on once one or other our out over own per same she should so
    some such than that the their them then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you
    your yours select apply following statement statements true false option options answer
    answers question questions patient patients person she her he him their team clinician
    nurse resident oncologist pharmacist appropriate action actions response respond step
    steps first now explain explains explanation reason reasons describe describes
    consider considered correct best most main mainly approach plan today
    """.split()  # noqa: SIM905 (a word list)
)


@dataclass(frozen=True)
class ItemChoice:
    text: str
    is_correct: bool
    feedback: str = ""


@dataclass(frozen=True)
class Item:
    kind: str
    stem: str
    choices: tuple[ItemChoice, ...]
    vignette: str = ""
    rationale: str = ""

    @classmethod
    def from_question(cls, question, choices=None):
        """`choices`: the question's choices if they are not yet saved (a form's)."""
        choices = question.choices.all() if choices is None else choices
        return cls(
            kind=question.kind,
            stem=question.stem,
            vignette=question.vignette,
            rationale=question.rationale,
            choices=tuple(
                ItemChoice(c.text, c.is_correct, c.feedback)
                if not isinstance(c, dict)
                else ItemChoice(c["text"], c["is_correct"], c.get("feedback", ""))
                for c in choices
            ),
        )

    @classmethod
    def from_data(cls, data):
        """A question as the loader and the imports read it: a dict with "choices" dicts."""
        return cls(
            kind=data["kind"],
            stem=data.get("stem", ""),
            vignette=data.get("vignette", ""),
            rationale=data.get("rationale", ""),
            choices=tuple(
                ItemChoice(c["text"], c["is_correct"], c.get("feedback", ""))
                for c in data.get("choices", [])
            ),
        )

    @property
    def keys(self):
        return [c for c in self.choices if c.is_correct]

    @property
    def distractors(self):
        return [c for c in self.choices if not c.is_correct]


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str
    # 1-based number of the question in its quiz; None for a finding about the whole quiz.
    question: int | None = None

    @property
    def is_error(self):
        return self.severity == ERROR

    def __str__(self):
        if self.question is None:
            return str(self.message)
        return str(_("Question %(number)d: %(message)s")) % {
            "number": self.question,
            "message": self.message,
        }


def _words(text):
    return re.findall(r"[a-z0-9][a-z0-9'/-]*", text.lower())


def _stem_word(word):
    """A rough stem, so "biopsies" in a stem meets "biopsy" in an option."""
    for ending, replacement in (("ies", "y"), ("es", ""), ("s", "")):
        if len(word) > 4 and word.endswith(ending):
            return word[: -len(ending)] + replacement
    return word


def _normalised(text):
    return " ".join(_words(text))


def _quote(text, length=60):
    text = " ".join(text.split())
    return f"“{text[:length]}…”" if len(text) > length else f"“{text}”"


def _all_or_none(item):
    for number, choice in enumerate(item.choices, start=1):
        if ALL_OR_NONE.search(choice.text):
            yield (
                "all-or-none",
                ERROR,
                _(
                    "Option %(number)d (%(text)s) is an “all or none of the above” option: it can "
                    "be answered by spotting two right or two wrong options. Replace it with a "
                    "plausible answer of its own."
                )
                % {"number": number, "text": _quote(choice.text)},
            )


def _absolute_words(item):
    if item.kind == QuestionKind.TRUE_FALSE:
        return
    in_keys = {w for c in item.keys for w in _words(c.text)} & ABSOLUTE_WORDS
    for number, choice in enumerate(item.choices, start=1):
        if choice.is_correct:
            continue
        found = sorted((set(_words(choice.text)) & ABSOLUTE_WORDS) - in_keys)
        if found:
            yield (
                "absolute-words",
                WARNING,
                _(
                    "Option %(number)d (%(text)s) says “%(words)s” and the answer says nothing so "
                    "sweeping: test-wise learners rule such options out without knowing the "
                    "content. Word it as a plausible, hedged misconception."
                )
                % {"number": number, "text": _quote(choice.text), "words": "”, “".join(found)},
            )


def _long_key(item):
    if item.kind != QuestionKind.SINGLE or not item.distractors or len(item.keys) != 1:
        return
    key = len(item.keys[0].text.strip())
    longest = max(len(c.text.strip()) for c in item.distractors)
    if key > longest * LONG_KEY_RATIO and key - longest >= LONG_KEY_CHARACTERS:
        yield (
            "long-key",
            WARNING,
            _(
                "The answer (%(key)d characters) is much longer than every other option (at most "
                "%(longest)d): the most careful-sounding option is a known cue. Shorten it or "
                "give the other options the same detail."
            )
            % {"key": key, "longest": longest},
        )


def _negative_stem(item):
    for match in NEGATIVE.finditer(item.stem):
        emphasised = match.group(1) or match.group(2).isupper()
        if not emphasised:
            yield (
                "negative-stem",
                WARNING,
                _(
                    "The question is negative (“%(word)s”) without emphasis: tired readers miss "
                    "it. Write the word in capitals or bold, or ask the question positively."
                )
                % {"word": match.group(2)},
            )
            return


def _duplicates(item):
    texts = [_normalised(c.text) for c in item.choices]
    for first in range(len(texts)):
        for second in range(first + 1, len(texts)):
            a, b = texts[first], texts[second]
            if a == b:
                yield (
                    "duplicate-options",
                    ERROR,
                    _("Options %(first)d and %(second)d say the same thing (%(text)s).")
                    % {
                        "first": first + 1,
                        "second": second + 1,
                        "text": _quote(item.choices[first].text),
                    },
                )
            elif SequenceMatcher(None, a, b).ratio() >= NEAR_DUPLICATE_RATIO:
                yield (
                    "near-duplicate-options",
                    WARNING,
                    _(
                        "Options %(first)d and %(second)d are nearly the same (%(text)s): if both "
                        "are wrong the learner can rule them out together; make each option a "
                        "different idea."
                    )
                    % {
                        "first": first + 1,
                        "second": second + 1,
                        "text": _quote(item.choices[second].text),
                    },
                )


def _verbal_cue(item):
    if item.kind != QuestionKind.SINGLE or len(item.keys) != 1:
        return
    stem = {_stem_word(w) for w in _words(item.stem) if len(w) > 3} - STOP_WORDS
    key = {_stem_word(w) for w in _words(item.keys[0].text)}
    elsewhere = {_stem_word(w) for c in item.distractors for w in _words(c.text)}
    cues = sorted(stem & key - elsewhere - STOP_WORDS)
    if cues:
        yield (
            "verbal-cue",
            WARNING,
            _(
                "The question's word “%(words)s” comes back in the answer and in no other option: "
                "a learner can match words instead of reasoning. Reword the answer or use the "
                "word in another option too."
            )
            % {"words": "”, “".join(cues)},
        )


def _rationale_and_feedback(item):
    if not item.rationale.strip():
        yield (
            "missing-rationale",
            ERROR,
            _(
                "There is no rationale: learners and reviewers need to see why the answer is right."
            ),
        )
    missing = [n for n, c in enumerate(item.choices, start=1) if not c.feedback.strip()]
    if missing:
        yield (
            "missing-feedback",
            WARNING,
            _(
                "Option %(numbers)s has no feedback: a learner who chose it is not told why it "
                "is wrong or right."
            )
            % {"numbers": ", ".join(str(n) for n in missing)},
        )


ITEM_RULES = (
    _all_or_none,
    _duplicates,
    _rationale_and_feedback,
    _absolute_words,
    _long_key,
    _negative_stem,
    _verbal_cue,
)


def check_item(item, number=None, lesson_text=""):
    """The findings for one question (`number`: its place in the quiz, for the messages;
    `lesson_text`: the body of its lesson, to spot a case copied from it)."""
    rules = (*ITEM_RULES, lambda item: _lesson_case(item, lesson_text))
    return [
        Finding(code, severity, message, number)
        for rule in rules
        for code, severity, message in rule(item)
    ]


def _shingles(text, size):
    words = _words(text)
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def _shared(vignette, lesson_text, size):
    runs = _shingles(vignette, size)
    return len(runs & _shingles(lesson_text, size)) / len(runs) if runs else 0


# A named person: "Ms D", "Mrs Okafor", or a first name followed by an age ("Grace, 54").
PERSON = re.compile(r"\b(?:(?:Ms|Mrs|Mr|Miss|Dr)\.? [A-Z][\w-]*|[A-Z][a-z][\w-]+(?=, \d{2}\b))")
AGE = re.compile(r"\b[A-Z][\w. -]{0,20}?, (\d{2})\b")
# Shares of a vignette's runs of words also found in the lesson: of four words on their own,
# or of three words for a patient of the same age as one of the lesson's.
COPIED_SHARE = 0.35
SAME_AGE_SHARE = 0.2


def _lesson_case(item, lesson_text):
    if not item.vignette.strip() or not lesson_text:
        return
    people = {
        name
        for name in PERSON.findall(item.vignette)
        if re.search(rf"\b{re.escape(name)}\b", lesson_text)
    }
    if people:
        yield (
            "lesson-case",
            WARNING,
            _(
                "The case uses %(names)s, a patient of the lesson's own worked case: it tests "
                "recognition of the lesson rather than use of it. Write a new case."
            )
            % {"names": ", ".join(sorted(people))},
        )
        return
    same_age = set(AGE.findall(item.vignette)) & set(AGE.findall(lesson_text))
    if _shared(item.vignette, lesson_text, 4) >= COPIED_SHARE or (
        same_age and _shared(item.vignette, lesson_text, 3) >= SAME_AGE_SHARE
    ):
        yield (
            "lesson-case",
            WARNING,
            _(
                "The case is close to a case in its lesson (the same details in nearly the same "
                "words): it tests recognition of the lesson rather than use of it. Write a new "
                "case."
            ),
        )


def _quiz_findings(numbered):
    multiple = [(n, i) for n, i in numbered if i.kind == QuestionKind.MULTIPLE]
    counts = {len(i.keys) for _n, i in multiple}
    if len(multiple) >= 2 and len(counts) == 1:
        (count,) = counts
        for number, _item in multiple:
            yield Finding(
                "same-correct-count",
                WARNING,
                _(
                    "Every select-all question of this quiz has %(count)d correct options: "
                    "learners learn to pick that many. Vary the number."
                )
                % {"count": count},
                number,
            )
    keys = Counter(
        i.keys[0].text.strip().lower()
        for _n, i in numbered
        if i.kind == QuestionKind.TRUE_FALSE and i.keys
    )
    total = sum(keys.values())
    if total >= TRUE_FALSE_MIN_ITEMS:
        way, count = keys.most_common(1)[0]
        if count / total >= TRUE_FALSE_LOPSIDED:
            yield Finding(
                "true-false-balance",
                WARNING,
                _(
                    "%(count)d of the quiz's %(total)d true/false questions are keyed "
                    "“%(way)s”: guessing that way scores well. Balance the keys."
                )
                % {"count": count, "total": total, "way": way.capitalize()},
            )


def check_quiz(items, lesson_text="", numbers=None):
    """The findings for a quiz's questions (`items`, in order) and for the quiz as a whole.
    `lesson_text`: the body of the quiz's lesson, to spot a case copied from it; `numbers`:
    the questions' numbers as the editor sees them, if not 1, 2, 3..."""
    numbered = list(zip(numbers or range(1, len(items) + 1), items, strict=True))
    findings = []
    for number, item in numbered:
        findings += check_item(item, number, lesson_text)
    findings += _quiz_findings(numbered)
    return findings


def check_saved_quiz(quiz):
    """The findings for a quiz in the database: its active questions, numbered as the
    admin lists all of them."""
    numbered = [
        (number, Item.from_question(question))
        for number, question in enumerate(
            quiz.questions.prefetch_related("choices").order_by("position", "id"), start=1
        )
        if question.is_active
    ]
    return check_quiz(
        [item for _n, item in numbered],
        quiz.lesson.body if quiz.lesson_id else "",
        numbers=[number for number, _item in numbered],
    )
