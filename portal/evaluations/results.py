"""The anonymous aggregate of a course version's evaluations: one engine for the editors'
page and its CSV. Three queries whatever the number of answers: the number of evaluations,
the counts of each rating and choice (added up by the database), and the comments."""

import csv
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Min
from django.utils.translation import gettext_lazy as _

from portal.evaluations.models import (
    Answer,
    AnswerKind,
    Evaluation,
    YesNo,
    rating_choices,
)
from portal.progress.csv_export import neutralise


@dataclass
class Option:
    label: str
    count: int
    percent: int


@dataclass
class QuestionResult:
    position: int
    text: str
    kind: str
    answered: int = 0
    options: list = field(default_factory=list)
    mean: float | None = None
    comments: list = field(default_factory=list)

    @property
    def kind_label(self):
        return AnswerKind(self.kind).label


def versions_evaluated(course=None):
    """(course id, course title, slug, version, number of evaluations), newest version first
    within each course (or of `course` only): one query."""
    evaluations = Evaluation.objects.all() if course is None else evaluations_of(course)
    return (
        evaluations.values(
            "completion__course_id",
            "completion__course__title",
            "completion__course__slug",
            "course_version",
        )
        .annotate(evaluations=Count("id"))
        .order_by("completion__course__position", "completion__course_id", "-course_version")
    )


def evaluations_of(course, version=None):
    evaluations = Evaluation.objects.filter(completion__course=course)
    return evaluations if version is None else evaluations.filter(course_version=version)


def results(course, version):
    """(number of evaluations, [QuestionResult] in the order the questions were shown); no
    question below settings.EVALUATION_MIN_RESPONSES evaluations, when one learner's answers
    and comments could be told apart."""
    evaluations = evaluations_of(course, version)
    total = evaluations.count()
    if total < settings.EVALUATION_MIN_RESPONSES:
        return total, []
    answers = Answer.objects.filter(evaluation__in=evaluations).order_by()
    questions = {}

    def result(key, text, kind, position):
        if key not in questions:
            questions[key] = QuestionResult(position=position, text=text, kind=kind)
        found = questions[key]
        found.position = min(found.position, position)
        return found

    counts = (
        answers.exclude(kind=AnswerKind.TEXT)
        .values("question_id", "question_text", "kind", "rating", "choice")
        .annotate(count=Count("id"), position=Min("position"))
    )
    tallies = {}
    for row in counts:
        key = (row["question_id"], row["question_text"])
        one = result(key, row["question_text"], row["kind"], row["position"])
        value = row["rating"] if row["kind"] == AnswerKind.RATING else row["choice"]
        tallies.setdefault(key, {})[value] = row["count"]
        one.answered += row["count"]
    comments = answers.filter(kind=AnswerKind.TEXT).values_list(
        "question_id", "question_text", "position", "text"
    )
    # Newest first; nothing says who wrote which.
    for question_id, text, position, comment in comments.order_by("-evaluation_id", "id"):
        one = result((question_id, text), text, AnswerKind.TEXT, position)
        one.comments.append(comment)
        one.answered += 1
    for key, one in questions.items():
        if one.kind == AnswerKind.TEXT:
            continue
        tally = tallies.get(key, {})
        labels = dict(rating_choices()) if one.kind == AnswerKind.RATING else dict(YesNo.choices)
        one.options = [
            Option(str(label), tally.get(value, 0), _percent(tally.get(value, 0), one.answered))
            for value, label in labels.items()
        ]
        if one.kind == AnswerKind.RATING and one.answered:
            one.mean = round(sum(v * n for v, n in tally.items()) / one.answered, 2)
    return total, sorted(questions.values(), key=lambda q: (q.position, q.text))


def _percent(count, total):
    return round(100 * count / total) if total else 0


HEADER = (
    _("Course"), _("Version"), _("Question"), _("Kind"), _("Answer"), _("Learners"),
    _("Percent of answers"), _("Mean rating"),
)  # fmt: skip


def results_csv(course, version):
    """The page's figures as CSV: for each question a line with the number who answered it
    (and the mean, for a rating), then a line for each option (its count and share) or for
    each comment."""
    total, questions = results(course, version)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(title) for title in HEADER])
    title = neutralise(course.title)
    writer.writerow([title, version, str(_("Evaluations")), "", "", total, "", ""])
    for one in questions:
        head = [title, version, neutralise(one.text), str(one.kind_label)]
        mean = "" if one.mean is None else one.mean
        writer.writerow([*head, str(_("All answers")), one.answered, "", mean])
        for option in one.options:
            writer.writerow([*head, option.label, option.count, option.percent, ""])
        for comment in one.comments:
            writer.writerow([*head, neutralise(comment), "", "", ""])
    return buffer.getvalue()
