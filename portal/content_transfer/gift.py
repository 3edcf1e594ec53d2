"""Moodle GIFT import and export of quiz questions (https://docs.moodle.org/en/GIFT_format).

GIFT is plain text: one question per paragraph, its answers in braces. We read and write
the three kinds our quizzes have: single answer, multiple response and true/false, with
per-choice feedback and general feedback (our rationale). Everything else GIFT can express
(short answer, numeric, matching, essay, description) is refused with the line it is on, and
one refused question refuses the whole file: an import is all or nothing.

Text in any of Moodle's formats comes in, [html] included (what Moodle's own exports write):
`gift_html` turns it into our Markdown, or plain text for choices and their feedback. What
cannot carry over (an image, say) is listed in the question's `warnings`, each with its line.
We write [markdown], which is what we store.

`parse_gift` and `export_gift` never touch the database; `import_questions` writes;
`import_findings` runs the item-writing checker over what a file would add to a quiz.
"""

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.content_transfer.curriculum import NO_NUL
from portal.content_transfer.gift_html import FORMATS, convert
from quizzes.item_checks import Item, ItemChoice, check_quiz
from quizzes.kinds import kind_of
from quizzes.models import Choice, Question, QuestionKind, Quiz

# Characters GIFT gives a meaning to; in text they are written with a backslash before them.
SPECIAL = "\\~=#{}:"
# While parsing, an escaped special character stands in as a private-use code point, so the
# searches for braces, answer markers and # below can never mistake it for syntax.
_PLACEHOLDER = {char: chr(0xE000 + index) for index, char in enumerate(SPECIAL)}
_RESTORE = str.maketrans({stand_in: char for char, stand_in in _PLACEHOLDER.items()})

TRUE_FALSE_ANSWERS = {"T": True, "TRUE": True, "F": False, "FALSE": False}
# Moodle's auto-format: the format of a question text without a [format] marker.
DEFAULT_FORMAT = "moodle"
# Moodle puts a missing-word question's blank where its answers stood in the text.
BLANK = "_____"
WRONG_WEIGHT = "-100"

_FORMAT_RE = re.compile(r"\[(\w+)\]")
_WEIGHT_RE = re.compile(r"%(-?\d+(?:\.\d+)?)%")
_MARKER_RE = re.compile(r"[~=]")
MAX_CHOICE_TEXT = Choice._meta.get_field("text").max_length
MAX_FEEDBACK = Choice._meta.get_field("feedback").max_length


class GiftError(ValueError):
    """The file cannot be imported; `problems` are "line N: ..." messages, in file order."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class ParsedQuestion:
    line: int
    kind: str
    stem: str
    rationale: str
    choices: tuple[ItemChoice, ...]
    title: str = ""
    # "line N: ..." messages about what did not carry over as it was, such as an image.
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Answer:
    marker: str
    text: str
    weight: float
    feedback: str
    line: int


class _Refused(Exception):
    """One problem with one question; parsing goes on with the next question."""

    def __init__(self, line, message):
        super().__init__(line_problem(line, message))


def line_problem(line, message):
    return _("line %(line)d: %(problem)s") % {"line": line, "problem": message}


@dataclass(frozen=True)
class _Block:
    """One question's text, escapes already replaced, and the file line of each character."""

    text: str
    lines: tuple[int, ...]

    def line_at(self, index):
        return self.lines[max(0, min(index, len(self.lines) - 1))]


@dataclass
class _Texts:
    """One question's texts as we store them, and what did not carry over.

    As in Moodle, a [format] marker before the question text is the format of every text of
    the question (answers, feedback) that has no marker of its own.
    """

    text_format: str = DEFAULT_FORMAT
    warnings: list = field(default_factory=list)

    def markdown(self, raw, line):
        """A stem or a rationale."""
        return self._convert(raw, line, markdown=True)

    def plain(self, raw, line):
        """A choice or its feedback: we keep these as plain text."""
        return self._convert(raw, line, markdown=False)

    def take_format(self, raw):
        marker = _FORMAT_RE.match(raw.strip())
        if marker and marker[1].lower() in FORMATS:
            self.text_format = marker[1].lower()

    def _convert(self, raw, line, *, markdown):
        text, text_format = raw.strip(), self.text_format
        marker = _FORMAT_RE.match(text)
        if marker and marker[1].lower() in FORMATS:
            text, text_format = text[marker.end() :], marker[1].lower()
        # Escapes are restored first: Moodle writes the = and : of HTML as \= and \:.
        text, notes = convert(text.translate(_RESTORE).strip(), text_format, markdown=markdown)
        for note in notes:
            warning = line_problem(line, note)
            if warning not in self.warnings:
                self.warnings.append(warning)
        return text.strip()


# Reading -------------------------------------------------------------------------------


def parse_gift(text):
    """The questions of a GIFT file, or GiftError listing every problem with its line."""
    questions, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            NO_NUL(line)
        except ValidationError as error:
            problems.append(line_problem(number, error.messages[0]))
    for block in _blocks(text):
        try:
            question = _parse_block(block)
        except _Refused as refused:
            problems.append(str(refused))
            continue
        if question is not None:
            questions.append(question)
    if not questions and not problems:
        problems.append(line_problem(1, _("the file contains no questions")))
    if problems:
        raise GiftError(problems)
    return questions


def _blocks(text):
    """Questions are separated by blank lines; lines starting with // are comments."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    current = []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip().startswith("//"):
            continue
        if line.strip():
            current.append((number, line))
        elif current:
            yield _decode(current)
            current = []
    if current:
        yield _decode(current)


def _decode(numbered_lines):
    chars, lines = [], []
    for number, line in numbered_lines:
        if chars:
            chars.append("\n")
            lines.append(number)
        index = 0
        while index < len(line):
            char, following = line[index], line[index + 1 : index + 2]
            if char == "\\" and following == "n":
                chars.append("\n")
                index += 2
            elif char == "\\" and following in _PLACEHOLDER:
                chars.append(_PLACEHOLDER[following])
                index += 2
            else:  # an unknown escape such as Markdown's \* keeps its backslash, as in Moodle
                chars.append(char)
                index += 1
            lines.append(number)
    return _Block("".join(chars), tuple(lines))


def _parse_block(block):
    if block.text.lstrip().startswith("$CATEGORY:"):
        return None  # a Moodle question-bank category: everything goes into one quiz here
    title, start = _title(block)
    opening, closing = _answer_braces(block, start)
    texts = _Texts()
    stem = _question_text(block, start, opening, closing, texts)
    body, rationale = _general_feedback(block, opening, closing, texts)
    kind, choices = _answers(block, opening, body, texts)
    return ParsedQuestion(
        line=block.lines[0],
        kind=kind,
        stem=stem,
        rationale=rationale,
        choices=choices,
        title=title,
        warnings=tuple(texts.warnings),
    )


def _title(block):
    """Moodle's optional ::name::. We do not keep it: our questions are known by position."""
    text = block.text
    start = len(text) - len(text.lstrip())
    if not text.startswith("::", start):
        return "", start
    end = text.find("::", start + 2)
    if end == -1:
        raise _Refused(block.line_at(start), _("the title opened with :: is never closed"))
    return text[start + 2 : end].translate(_RESTORE).strip(), end + 2


def _answer_braces(block, start):
    text = block.text
    opening, closing = text.find("{", start), text.find("}", start)
    if opening == -1 and closing == -1:
        raise _Refused(
            block.line_at(start),
            _("the question has no answers in braces { }; descriptions are not supported"),
        )
    if closing == -1:
        raise _Refused(
            block.line_at(opening),
            _("the answers opened with { are never closed with } (a blank line ends a question)"),
        )
    if opening == -1 or closing < opening:
        raise _Refused(
            block.line_at(closing),
            _("a closing brace } without an opening brace {; write \\} for a literal brace"),
        )
    nested = text.find("{", opening + 1, closing)
    if nested != -1:
        raise _Refused(
            block.line_at(nested),
            _("a second { before the answers are closed; write \\{ for a literal brace"),
        )
    stray = re.search(r"[{}]", text[closing + 1 :])
    if stray:
        raise _Refused(
            block.line_at(closing + 1 + stray.start()),
            _("a question has only one set of answers; write \\{ and \\} for literal braces"),
        )
    return opening, closing


def _question_text(block, start, opening, closing, texts):
    text = block.text
    before, after = text[start:opening], text[closing + 1 :]
    # Text after the answers is a Moodle "missing word" question: keep it, with the blank
    # where the answers stood, so the sentence still reads.
    joined = f"{before}{BLANK}{after}" if after.strip() else before
    texts.take_format(joined)
    stem = texts.markdown(joined, block.line_at(start))
    if not stem:
        raise _Refused(block.line_at(start), _("the question has no text"))
    return stem


def _general_feedback(block, opening, closing, texts):
    """Split the answers from the general feedback after ####, which is our rationale."""
    content = block.text[opening + 1 : closing]
    separator = content.rfind("####")
    if separator == -1:
        return content, ""
    line = block.line_at(opening + 1 + separator)
    return content[:separator], texts.markdown(content[separator + 4 :], line)


def _answers(block, opening, body, texts):
    """(kind, choices) for the text between the braces, general feedback removed."""
    line, stripped = block.line_at(opening), body.strip()
    if not stripped:
        raise _Refused(line, _("essay questions ({}) are not supported"))
    if stripped.startswith("#"):
        raise _Refused(line, _("numeric questions ({#...}) are not supported"))
    if "~" in stripped:  # as in Moodle: only multiple-choice answers contain ~
        return _choice_question(block, opening, body, texts)
    if "=" in stripped and "->" in stripped:
        raise _Refused(line, _("matching questions (=a -> b) are not supported"))
    if stripped.split("#", 1)[0].strip().upper() in TRUE_FALSE_ANSWERS:
        return QuestionKind.TRUE_FALSE, _true_false_choices(stripped, line, texts)
    raise _Refused(
        line,
        _(
            "short-answer questions (answers that are all =) are not supported; "
            "mark the wrong choices with ~"
        ),
    )


def _true_false_choices(stripped, line, texts):
    """{TRUE#shown when wrong#shown when right}: our choices are "True" then "False"."""
    head, *feedback = stripped.split("#", 2)
    wrong, right = (texts.plain(text, line) for text in (*feedback, "", "")[:2])
    answer = TRUE_FALSE_ANSWERS[head.strip().upper()]
    return (
        ItemChoice("True", answer, right if answer else wrong),
        ItemChoice("False", not answer, wrong if answer else right),
    )


def _choice_question(block, opening, body, texts):
    answers = _split_answers(block, opening + 1, body, texts)
    line = block.line_at(opening)
    if len(answers) < 2:
        raise _Refused(line, _("a question needs at least two choices"))
    # As in Moodle, an = answer makes it single answer; weights alone make it multiple.
    if any(answer.marker == "=" for answer in answers):
        return QuestionKind.SINGLE, _single_choices(answers, line)
    return QuestionKind.MULTIPLE, _multiple_choices(answers, line)


def _split_answers(block, offset, body, texts):
    starts = [match.start() for match in _MARKER_RE.finditer(body)]
    if body[: starts[0]].strip():
        raise _Refused(
            block.line_at(offset), _("text before the first answer; answers start with = or ~")
        )
    ends = [*starts[1:], len(body)]
    return [
        _parse_answer(body[start], body[start + 1 : end], block.line_at(offset + start), texts)
        for start, end in zip(starts, ends, strict=True)
    ]


def _parse_answer(marker, raw, line, texts):
    weight = 100.0 if marker == "=" else 0.0
    raw = raw.lstrip()
    explicit = _WEIGHT_RE.match(raw) if marker == "~" else None
    if explicit:
        weight, raw = float(explicit[1]), raw[explicit.end() :]
        if not -100 <= weight <= 100:
            raise _Refused(
                line,
                _("a weight must lie between %(low)s and %(high)s")
                % {"low": "-100%", "high": "100%"},
            )
    text, _hash, feedback = raw.partition("#")
    text, feedback = texts.plain(text, line), texts.plain(feedback, line)
    if not text:
        raise _Refused(line, _("an answer has no text"))
    if len(text) > MAX_CHOICE_TEXT or len(feedback) > MAX_FEEDBACK:
        raise _Refused(
            line,
            _("a choice and its feedback may have at most %(count)d characters each")
            % {"count": min(MAX_CHOICE_TEXT, MAX_FEEDBACK)},
        )
    return _Answer(marker, text, weight, feedback, line)


def _single_choices(answers, line):
    if sum(answer.marker == "=" for answer in answers) > 1:
        raise _Refused(
            line,
            _(
                "more than one = answer: a single-answer question has exactly one; "
                "for multiple response give weights such as %(example)s"
            )
            % {"example": "~%50%"},
        )
    for answer in answers:
        if answer.marker == "~" and answer.weight > 0:
            raise _Refused(
                answer.line,
                _("partial credit (%(example)s) in a single-answer question is not supported")
                % {"example": "~%50%"},
            )
    return tuple(ItemChoice(a.text, a.marker == "=", a.feedback) for a in answers)


def _multiple_choices(answers, line):
    if not any(answer.weight > 0 for answer in answers):
        raise _Refused(
            line,
            _(
                "no right answer: mark the one right answer with =, or give the right "
                "answers of a multiple-response question a positive weight such as %(example)s"
            )
            % {"example": "~%50%"},
        )
    return tuple(ItemChoice(a.text, a.weight > 0, a.feedback) for a in answers)


# Writing -------------------------------------------------------------------------------


def export_gift(questions):
    """GIFT for `questions` (each with its choices), which parse_gift reads back as they are.

    A question whose answer key its kind cannot express (say, no correct choice) is written
    as a comment saying so, so it is visible in the file instead of silently missing.
    """
    parts = []
    for number, question in enumerate(questions, start=1):
        choices = list(question.choices.all())
        form = _form(question, choices)
        if form is None:
            parts.append(
                "// "
                + _("Q%(number)d was not exported: its answer key does not fit its kind.")
                % {"number": number}
            )
        else:
            parts.append(_export_question(number, question, choices, form))
    return "\n\n".join(parts) + "\n" if parts else ""


def gift_form(question):
    """The GIFT answer syntax (a QuestionKind) for the question's key, or None if none fits."""
    return _form(question, list(question.choices.all()))


def _form(question, choices):
    correct = sum(choice.is_correct for choice in choices)
    if len(choices) < 2 or correct == 0:
        return None
    if question.kind == QuestionKind.MULTIPLE:
        return QuestionKind.MULTIPLE
    texts = tuple(choice.text for choice in choices)
    true_false = kind_of(QuestionKind.TRUE_FALSE).fixed_choices
    if question.kind == QuestionKind.TRUE_FALSE and texts == true_false and correct == 1:
        return QuestionKind.TRUE_FALSE
    # A true/false question with other choice texts keeps them as a single-answer question.
    return QuestionKind.SINGLE if correct == 1 else None


def question_text(question):
    """What the GIFT question text holds: GIFT has no vignette, so it leads the stem."""
    parts = (question.vignette.strip(), question.stem.strip())
    return "\n\n".join(part for part in parts if part)


def escape(text):
    escaped = "".join(f"\\{char}" if char in SPECIAL else char for char in text)
    # A real line break could be a blank line, which ends a question in GIFT.
    return escaped.replace("\r\n", "\n").replace("\n", "\\n")


def _export_question(number, question, choices, form):
    answers = {
        QuestionKind.SINGLE: _single_lines,
        QuestionKind.MULTIPLE: _multiple_lines,
        QuestionKind.TRUE_FALSE: _true_false_lines,
    }[form](choices)
    if question.rationale.strip():
        answers.append(f"####{escape(question.rationale.strip())}")
    body = "\n".join(f"\t{line}" for line in answers)
    return f"::Q{number}::[markdown]{escape(question_text(question))} {{\n{body}\n}}"


def _answer_line(prefix, choice):
    line = f"{prefix}{escape(choice.text.strip())}"
    return f"{line}#{escape(choice.feedback.strip())}" if choice.feedback.strip() else line


def _single_lines(choices):
    lines = []
    for choice in choices:
        prefix = "=" if choice.is_correct else "~"
        if not choice.is_correct and choice.text.startswith("%"):
            prefix = "~%0%"  # or "~%50% of patients" would read as a 50% weight
        lines.append(_answer_line(prefix, choice))
    return lines


def _multiple_lines(choices):
    """The right choices share 100% (Moodle accepts 33.33333 for a third); wrong ones cost
    100%, so only the exact set of right choices earns the mark, as in our grading."""
    share = _weight(100 / sum(choice.is_correct for choice in choices))
    return [
        _answer_line(f"~%{share if choice.is_correct else WRONG_WEIGHT}%", choice)
        for choice in choices
    ]


def _weight(value):
    return f"{value:.5f}".rstrip("0").rstrip(".")


def _true_false_lines(choices):
    right = next(choice for choice in choices if choice.is_correct)
    wrong = next(choice for choice in choices if not choice.is_correct)
    parts = ["TRUE" if right.text == "True" else "FALSE"]
    if wrong.feedback.strip() or right.feedback.strip():
        parts.append(escape(wrong.feedback.strip()))
    if right.feedback.strip():
        parts.append(escape(right.feedback.strip()))
    return ["#".join(parts)]


# Importing -----------------------------------------------------------------------------


def import_findings(quiz, questions):
    """The item-writing checker's findings on parsed `questions` as they would stand in
    `quiz`, after its active questions: [(line, finding)], line None for the quiz as a whole.
    Findings about the questions already there are left out: they are not the file's."""
    existing = [
        Item.from_question(question)
        for question in quiz.questions.filter(is_active=True)
        .prefetch_related("choices")
        .order_by("position", "id")
    ]
    # Parsed choices are already the checker's ItemChoice: no conversion on the way.
    new = [
        Item(kind=q.kind, stem=q.stem, rationale=q.rationale, choices=q.choices) for q in questions
    ]
    lines = {number: question.line for number, question in enumerate(questions, len(existing) + 1)}
    findings = check_quiz(existing + new, quiz.lesson.body if quiz.lesson_id else "")
    return [
        (lines.get(finding.question), finding)
        for finding in findings
        if finding.question is None or finding.question in lines
    ]


def import_questions(*, quiz, questions):
    """Append parsed questions to `quiz`, active, after its existing ones; all or nothing."""
    with transaction.atomic():
        # Two imports at once must not number their questions alike. Writing the quiz's row
        # first takes its lock on every database (on SQLite, the database's write lock,
        # where select_for_update does nothing): a second import waits here, then reads the
        # positions this one wrote.
        Quiz.objects.filter(pk=quiz.pk).update(updated_at=timezone.now())
        last = quiz.questions.aggregate(last=Max("position"))["last"] or 0
        return [
            _create_question(quiz, parsed, position)
            for position, parsed in enumerate(questions, start=last + 1)
        ]


def _create_question(quiz, parsed, position):
    # One save at a time, not bulk_create: save() renders the Markdown and the history
    # records who changed what.
    question = Question.objects.create(
        quiz=quiz,
        kind=parsed.kind,
        stem=parsed.stem,
        rationale=parsed.rationale,
        points=1,
        position=position,
        is_active=True,
    )
    for index, choice in enumerate(parsed.choices, start=1):
        Choice.objects.create(
            question=question,
            text=choice.text,
            is_correct=choice.is_correct,
            feedback=choice.feedback,
            position=index,
        )
    return question
