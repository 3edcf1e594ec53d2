"""The team report's numbers for many learners in one aggregate query: the page (fifty
learners) and the CSV of the whole hospital (streamed).

Built through the ORM's grouped queries (reports.report_rows, still used for one learner's
page), ten thousand learners cost several times in Python what the database needs to compute
the same counts. Here the database adds them up and Python only formats them. What counts
(the published lessons and quizzes of each course) still comes from `Curriculum`, so the
rules of publication live in one place, and the status, percent and mean score are worked
out by the report's own rules (status_of, percent_of, mean_of: the page through ReportRow,
the CSV directly). A test checks every CSV line against report_rows.
"""

from datetime import UTC, date

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from education.models import LessonProgress
from portal.accounts.models import Team, User
from portal.progress.models import Assignment, CourseCompletion
from portal.progress.queries import SummedProgress
from portal.progress.reports import ReportRow
from quizzes.models import Attempt, AttemptState

FETCH_ROWS = 5000

SQL = """
WITH people AS (
  SELECT u.id, u.username, u.display_name, u.profession, u.team_id, t.name AS team_name,
         ROW_NUMBER() OVER (ORDER BY u.display_name, u.username, u.id) AS ord
  FROM {user} u LEFT JOIN {team} t ON t.id = u.team_id
  WHERE u.id IN ({learners})
), lesson_course (lesson_id, course_id) AS (VALUES {lesson_pairs}
), quiz_course (quiz_id, course_id) AS (VALUES {quiz_pairs}
), course_list (course_id, ord) AS (VALUES {course_pairs}
), lessons_done AS (
  SELECT p.learner_id, lc.course_id, COUNT(*) AS n
  FROM {progress} p JOIN people pe ON pe.id = p.learner_id
  JOIN lesson_course lc ON lc.lesson_id = p.lesson_id
  WHERE p.completed_at IS NOT NULL
  GROUP BY p.learner_id, lc.course_id
), best AS (
  SELECT a.learner_id, qc.course_id, a.quiz_id, MAX(a.percent) AS best,
         MAX(CASE WHEN a.passed THEN 1 ELSE 0 END) AS passed
  FROM {attempt} a JOIN people pe ON pe.id = a.learner_id
  JOIN quiz_course qc ON qc.quiz_id = a.quiz_id
  WHERE a.state <> %s
  GROUP BY a.learner_id, qc.course_id, a.quiz_id
), quizzes_done AS (
  SELECT learner_id, course_id, SUM(passed) AS passed, COUNT(*) AS tried,
         SUM(best) AS best_sum, COUNT(best) AS best_count
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
SELECT pe.id, pe.username, pe.display_name, pe.profession, pe.team_name, c.course_id,
       COALESCE(ld.n, 0), COALESCE(qd.passed, 0), COALESCE(qd.tried, 0),
       CAST(COALESCE(qd.best_sum, 0) AS DOUBLE PRECISION), COALESCE(qd.best_count, 0),
       cc.completed_at,
       CASE WHEN cc.completed_at IS NULL THEN COALESCE(d.overdue, 0) ELSE 0 END, d.due_on
FROM people pe CROSS JOIN course_list c
LEFT JOIN lessons_done ld ON ld.learner_id = pe.id AND ld.course_id = c.course_id
LEFT JOIN quizzes_done qd ON qd.learner_id = pe.id AND qd.course_id = c.course_id
LEFT JOIN {completion} cc ON cc.learner_id = pe.id AND cc.course_id = c.course_id
LEFT JOIN due d ON d.learner_id = pe.id AND d.course_id = c.course_id
ORDER BY pe.ord, c.ord
"""


def _pairs(pairs):
    """A VALUES list of id pairs; one row of nulls when there is none (VALUES cannot be
    empty), which joins with nothing."""
    pairs = list(pairs) or [(None, None)]
    sql = ", ".join(["(CAST(%s AS BIGINT), CAST(%s AS BIGINT))"] * len(pairs))
    return sql, [value for pair in pairs for value in pair]


def export_values(learners, curriculum, today, *, stream=True):
    """For every learner of the `learners` queryset x each course of the curriculum, in
    report order: (learner id, username, display name, profession, team name, course id,
    lessons done, quizzes passed, quizzes tried, sum and count of the best scores,
    completed at, overdue assignments, earliest due date). One query: streamed through a
    server-side cursor for the whole hospital, or (`stream=False`) read at once for a
    page."""
    try:
        learner_sql, learner_params = learners.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # e.g. an empty page: Django knows there is nobody
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
        attempt=Attempt._meta.db_table,
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
        AttemptState.IN_PROGRESS,
        today,
    ]
    # SQLite hands back an aggregate's date as text and a stored moment without its time
    # zone; PostgreSQL's rows are ready as they come.
    convert = connection.vendor == "sqlite"
    with connection.chunked_cursor() if stream else connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(FETCH_ROWS):
            if convert:
                rows = [(*row[:-3], _moment(row[-3]), row[-2], _day(row[-1])) for row in rows]
            yield from rows


def export_rows(people, curriculum, today):
    """ReportRows for a page: `people` maps learner ids to the page's learners."""
    by_id = {course.pk: course for course in curriculum.courses}
    lessons_total, quizzes_total = curriculum.lessons_total, curriculum.quizzes_total
    learners = User.objects.filter(pk__in=list(people))
    for (pk, _username, _name, _profession, _team, course_id, lessons_done, passed, tried,
         best_sum, best_count, completed_at, overdue, due_on) in export_values(
        learners, curriculum, today, stream=False
    ):  # fmt: skip
        progress = SummedProgress(
            by_id[course_id],
            lessons_total.get(course_id, 0),
            quizzes_total.get(course_id, 0),
            lessons_done,
            passed,
            completed_at=completed_at,
            tried=tried,
            best_sum=best_sum,
            best_count=best_count,
        )
        yield ReportRow(people[pk], by_id[course_id], progress, overdue, due_on)


def _day(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def _moment(value):
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value
