"""The team report as CSV, for the whole hospital (ten thousand learners), streamed.

The page reads its fifty learners through the ORM (rows.report_rows). For the CSV, the same
counts come from one aggregate query in which the database adds them up, and Python only
formats them: built through the ORM's grouped queries, ten thousand learners cost several
times in Python what the database needs. What counts (the published lessons and quizzes of
each course) still comes from `Curriculum`, and the status, percent and mean score are worked
out by the report's own rules (status_of, percent_of, mean_of), so a rule lives in one
place; a test checks every CSV line against the page's rows.
"""

import csv
import io
from datetime import UTC, date
from typing import NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from education.models import Lesson, LessonProgress
from portal.accounts.models import Profession, Team, User
from portal.progress.models import Assignment, CourseCompletion
from portal.progress.queries import mean_of, percent_of
from portal.progress.rows import RowStatus, due_of, status_of
from quizzes.models import Attempt, AttemptState, Quiz

FETCH_ROWS = 5000
CSV_PIECE_ROWS = 2000
# Characters that make a spreadsheet read a cell as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Line(NamedTuple):
    """One learner x one course, as the query below names its columns."""

    learner_id: int
    username: str
    display_name: str
    profession: str
    team_name: str | None
    course_id: int
    lessons_done: int
    passed: int
    tried: int
    best_sum: float
    best_count: int
    to_review: int
    completed_at: object
    expires_on: object
    renewal_due: int
    due_on: object
    overdue: int


SQL = """
WITH people AS (
  SELECT u.id, u.username, u.display_name, u.profession, u.team_id, t.name AS team_name,
         ROW_NUMBER() OVER (ORDER BY u.display_name, u.username, u.id) AS ord
  FROM {user} u LEFT JOIN {team} t ON t.id = u.team_id
  WHERE u.id IN ({learners})
), lesson_course (lesson_id, course_id) AS (VALUES {lesson_pairs}
), quiz_course (quiz_id, course_id) AS (VALUES {quiz_pairs}
), course_list (course_id, ord) AS (VALUES {course_pairs}
), latest AS (
  -- Each learner's latest completion of each course (its highest period).
  SELECT cc.learner_id, cc.course_id, cc.completed_at, cc.expires_on,
         CASE WHEN cc.renewal_opens_at <= %s THEN 1 ELSE 0 END AS renewal_due
  FROM {completion} cc JOIN people pe ON pe.id = cc.learner_id
  WHERE cc.period = (SELECT MAX(c2.period) FROM {completion} c2
                     WHERE c2.learner_id = cc.learner_id AND c2.course_id = cc.course_id)
), renewal AS (
  -- Since when work counts, where a renewal has opened (queries.period_start).
  SELECT cc.learner_id, cc.course_id, MAX(cc.renewal_opens_at) AS since
  FROM {completion} cc JOIN people pe ON pe.id = cc.learner_id
  WHERE cc.renewal_opens_at <= %s
  GROUP BY cc.learner_id, cc.course_id
), lesson_done AS (
  -- Each lesson completed in the period; `counts` where also since its material change:
  -- done iff completed at >= max(period start, material change) (queries.counts_from).
  SELECT p.learner_id, lc.course_id,
         CASE WHEN l.material_change_at IS NULL OR p.completed_at >= l.material_change_at
              THEN 1 ELSE 0 END AS counts
  FROM {progress} p JOIN people pe ON pe.id = p.learner_id
  JOIN lesson_course lc ON lc.lesson_id = p.lesson_id
  JOIN {lesson} l ON l.id = p.lesson_id
  LEFT JOIN renewal r ON r.learner_id = p.learner_id AND r.course_id = lc.course_id
  WHERE p.completed_at IS NOT NULL AND (r.since IS NULL OR p.completed_at >= r.since)
), lessons_done AS (
  SELECT learner_id, course_id, SUM(counts) AS n, COUNT(*) - SUM(counts) AS review
  FROM lesson_done GROUP BY learner_id, course_id
), attempt_done AS (
  -- The same rule for a pass: it counts iff finished since the quiz's material change.
  SELECT a.learner_id, qc.course_id, a.quiz_id, a.percent,
         CASE WHEN a.passed THEN 1 ELSE 0 END AS passed,
         CASE WHEN q.material_change_at IS NULL
                OR COALESCE(a.submitted_at, a.started_at) >= q.material_change_at
              THEN 1 ELSE 0 END AS counts
  FROM {attempt} a JOIN people pe ON pe.id = a.learner_id
  JOIN quiz_course qc ON qc.quiz_id = a.quiz_id
  JOIN {quiz} q ON q.id = a.quiz_id
  LEFT JOIN renewal r ON r.learner_id = a.learner_id AND r.course_id = qc.course_id
  WHERE a.state <> %s
    AND (r.since IS NULL OR COALESCE(a.submitted_at, a.started_at) >= r.since)
), best AS (
  SELECT learner_id, course_id, quiz_id, MAX(percent) AS best,
         MAX(passed * counts) AS passed, MAX(passed * (1 - counts)) AS passed_before
  FROM attempt_done GROUP BY learner_id, course_id, quiz_id
), quizzes_done AS (
  SELECT learner_id, course_id, SUM(passed) AS passed, COUNT(*) AS tried,
         SUM(best) AS best_sum, COUNT(best) AS best_count,
         SUM(CASE WHEN passed = 0 THEN passed_before ELSE 0 END) AS retake
  FROM best GROUP BY learner_id, course_id
), assigned AS (
  -- An assignment is for one person or for a team, never both (a constraint): two joins
  -- the database can hash, where one join on "person OR team" compares every pair.
  SELECT s.learner_id, s.course_id, s.due_on
  FROM {assignment} s JOIN people pe ON pe.id = s.learner_id
  UNION ALL
  SELECT pe.id, s.course_id, s.due_on
  FROM {assignment} s JOIN people pe ON pe.team_id = s.team_id
), due AS (
  SELECT learner_id, course_id, MIN(due_on) AS due_on,
         SUM(CASE WHEN due_on < %s THEN 1 ELSE 0 END) AS overdue
  FROM assigned GROUP BY learner_id, course_id
)
SELECT pe.id AS learner_id, pe.username, pe.display_name, pe.profession, pe.team_name,
       c.course_id, COALESCE(ld.n, 0) AS lessons_done, COALESCE(qd.passed, 0) AS passed,
       COALESCE(qd.tried, 0) AS tried,
       CAST(COALESCE(qd.best_sum, 0) AS DOUBLE PRECISION) AS best_sum,
       COALESCE(qd.best_count, 0) AS best_count,
       COALESCE(ld.review, 0) + COALESCE(qd.retake, 0) AS to_review, cc.completed_at, cc.expires_on,
       COALESCE(cc.renewal_due, 0) AS renewal_due, d.due_on, COALESCE(d.overdue, 0) AS overdue
FROM people pe CROSS JOIN course_list c
LEFT JOIN lessons_done ld ON ld.learner_id = pe.id AND ld.course_id = c.course_id
LEFT JOIN quizzes_done qd ON qd.learner_id = pe.id AND qd.course_id = c.course_id
LEFT JOIN latest cc ON cc.learner_id = pe.id AND cc.course_id = c.course_id
LEFT JOIN due d ON d.learner_id = pe.id AND d.course_id = c.course_id
ORDER BY pe.ord, c.ord
"""


def _pairs(pairs):
    """A VALUES list of id pairs; one row of nulls when there is none (VALUES cannot be
    empty), which joins with nothing."""
    pairs = list(pairs) or [(None, None)]
    sql = ", ".join(["(CAST(%s AS BIGINT), CAST(%s AS BIGINT))"] * len(pairs))
    return sql, [value for pair in pairs for value in pair]


def lines(learners, curriculum, today, now=None):
    """A `Line` for every learner of the `learners` queryset x each course of the
    curriculum, in report order, from one query streamed through a server-side cursor.
    `due_on` and `overdue` are of every assignment; `csv_lines` applies the report's rule
    for completed training (rows.due_of)."""
    now = connection.ops.adapt_datetimefield_value(now or timezone.now())
    try:
        learner_sql, learner_params = learners.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # e.g. a filter Django knows matches nobody
        return
    if not curriculum.courses:
        return
    lessons, lesson_params = _pairs(curriculum.lesson_courses.items())
    quizzes, quiz_params = _pairs(curriculum.quiz_courses.items())
    courses, course_params = _pairs((c.pk, n) for n, c in enumerate(curriculum.courses))
    sql = SQL.format(
        user=User._meta.db_table,
        team=Team._meta.db_table,
        progress=LessonProgress._meta.db_table,
        lesson=Lesson._meta.db_table,
        attempt=Attempt._meta.db_table,
        quiz=Quiz._meta.db_table,
        completion=CourseCompletion._meta.db_table,
        assignment=Assignment._meta.db_table,
        learners=learner_sql,
        lesson_pairs=lessons,
        quiz_pairs=quizzes,
        course_pairs=courses,
    )
    params = [
        *learner_params,
        *lesson_params,
        *quiz_params,
        *course_params,
        now,
        now,
        AttemptState.IN_PROGRESS,
        today,
    ]
    # SQLite hands back an aggregate's date as text and a stored moment without its time
    # zone; PostgreSQL's rows are ready as they come.
    convert = connection.vendor == "sqlite"
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        if tuple(column[0] for column in cursor.description) != Line._fields:
            raise RuntimeError("The CSV query's columns do not match Line's fields.")
        while rows := cursor.fetchmany(FETCH_ROWS):
            for row in map(Line._make, rows):
                if convert:
                    row = row._replace(
                        completed_at=_moment(row.completed_at),
                        expires_on=_day(row.expires_on),
                        due_on=_day(row.due_on),
                    )
                yield row


def neutralise(value):
    """Stop a spreadsheet from running a cell as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


# Counts are plain numbers, one to a column: "7/7" would be read as a date by a spreadsheet.
HEADER = (
    _("Username"), _("Name"), _("Profession"), _("Team"), _("Course"), _("Percent complete"),
    _("Status"), _("Completed on"), _("Lessons completed"), _("Lessons in the course"),
    _("Quizzes passed"), _("Quizzes in the course"), _("Mean best quiz score"),
    _("Overdue assignments"), _("Due on"), _("Valid until"), _("To review"),
)  # fmt: skip


def csv_lines(learners, curriculum, status_wanted, today):
    """The report as CSV text, streamed in pieces of CSV_PIECE_ROWS lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(title) for title in HEADER])
    zone = timezone.get_current_timezone()  # the page's dates are local: so are the CSV's
    titles = {course.pk: neutralise(course.title) for course in curriculum.courses}
    professions = dict(Profession.choices)
    for count, line in enumerate(lines(learners, curriculum, today), start=1):
        due_on, overdue = due_of(
            line.completed_at, line.expires_on, line.due_on, line.overdue, today
        )
        expiry = (line.expires_on, line.renewal_due, today) if line.expires_on else None
        status = status_of(
            line.completed_at,
            overdue,
            line.lessons_done + line.passed,
            line.tried,
            expiry,
            line.to_review,
        )
        if status_wanted and status != status_wanted:
            continue
        lessons_total = curriculum.lessons_total.get(line.course_id, 0)
        quizzes_total = curriculum.quizzes_total.get(line.course_id, 0)
        mean = mean_of(line.best_sum, line.best_count)
        # Only what people typed can start a formula; the rest is numbers and labels.
        writer.writerow(
            (
                neutralise(line.username),
                neutralise(line.display_name),
                professions.get(line.profession, line.profession),
                neutralise(line.team_name),
                titles[line.course_id],
                percent_of(line.lessons_done + line.passed, lessons_total + quizzes_total),
                RowStatus(status).label,
                line.completed_at.astimezone(zone).date().isoformat() if line.completed_at else "",
                line.lessons_done,
                lessons_total,
                line.passed,
                quizzes_total,
                "" if mean is None else mean,
                overdue,
                due_on.isoformat() if due_on else "",
                line.expires_on.isoformat() if line.expires_on else "",
                line.to_review,
            )
        )
        if count % CSV_PIECE_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _day(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def _moment(value):
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value
