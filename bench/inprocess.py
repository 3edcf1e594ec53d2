"""The parts of the benchmark that talk to the database directly, in the harness process
(Django set up against the same bench database the server uses): resetting what earlier runs
left, the grading ledger, the ids each connection needs, queries per request, and the SQL
of the `psql \\copy` that the CSV export is compared with.

Import only after django.setup()."""

import re

from common import EDITOR, FLOOR_PATH, LEARNER, PASSWORD, SUPERVISOR
from django.contrib.auth.hashers import check_password
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from education.models import Course, Lesson, LessonProgress
from portal.accounts.models import Team, User
from portal.progress.models import Assignment, CourseCompletion
from quizzes.models import Attempt, AttemptQuestion, AttemptState, Quiz

# --- the content each connection visits ------------------------------------------------


def targets():
    lessons = list(
        Lesson.objects.published()
        .order_by("course__position", "position", "id")
        .values_list("slug", flat=True)
    )
    courses = list(Course.objects.published().values_list("slug", flat=True))
    quizzes = list(
        Quiz.objects.published()
        .order_by("lesson__course__position", "lesson__position", "id")
        .values_list("slug", flat=True)
    )
    return {
        "lessons": lessons,
        "courses": courses,
        # Everybody takes the first quiz: the mandatory quiz the whole ward starts at once.
        "quiz": quizzes[0],
        "statistics_quiz": quizzes[0],
    }


def check_accounts(usernames):
    """Refuse to start if any sign-in could fail: django-axes locks a username after five
    failures, and a failed sign-in would be a harness bug, not a measurement."""
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    missing = sorted(set(usernames) - set(users))
    if missing:
        raise SystemExit(f"accounts missing from the bench database: {missing[:5]} ...")
    hashes = {u.password for u in users.values()}
    if len(hashes) != 1 or not check_password(PASSWORD, hashes.pop()):
        raise SystemExit("the bench accounts do not all have the bench password")
    bad = [u.username for u in users.values() if not u.is_active or u.must_change_password]
    if bad:
        raise SystemExit(f"bench accounts inactive or forced to change password: {bad[:5]}")
    if EDITOR in users:
        # The whole-hospital CSV is measured as someone the hospital granted it (no role
        # has it); databases loaded before the permission existed get it here.
        from django.contrib.auth.models import Permission

        users[EDITOR].user_permissions.add(
            Permission.objects.get(
                content_type__app_label="accounts", codename="view_all_progress"
            )
        )


def supervisor_usernames():
    return [
        SUPERVISOR.format(t) for t in range(Team.objects.filter(name__startswith="Bench").count())
    ]


def learner_usernames(count, first=0):
    return [LEARNER.format(i) for i in range(first, first + count)]


def attempt_questions(attempt_ids):
    """{attempt id: [(attempt question id, [choice ids in display order]), ...]}"""
    result = {pk: [] for pk in attempt_ids}
    rows = AttemptQuestion.objects.filter(attempt_id__in=attempt_ids).order_by(
        "attempt_id", "position"
    )
    for attempt_id, pk, choices in rows.values_list("attempt_id", "pk", "choices"):
        result[attempt_id].append((pk, [choice["id"] for choice in choices]))
    return result


# --- what earlier runs left; the ledger -------------------------------------------------

TRIGGERS = {
    # Every UPDATE that sets an attempt's score is one grading (quizzes.services._grade):
    # the ledger counts them, so "graded exactly once" is checked in the database itself.
    "sqlite": [
        "CREATE TABLE IF NOT EXISTS bench_grade_event (id INTEGER PRIMARY KEY AUTOINCREMENT, "
        "attempt_id bigint NOT NULL)",
        "DROP TRIGGER IF EXISTS bench_grade_event_log",
        "CREATE TRIGGER bench_grade_event_log AFTER UPDATE OF score ON {attempt} "
        "FOR EACH ROW BEGIN INSERT INTO bench_grade_event (attempt_id) VALUES (NEW.id); END",
    ],
    "postgresql": [
        "CREATE TABLE IF NOT EXISTS bench_grade_event (id bigserial PRIMARY KEY, "
        "attempt_id bigint NOT NULL)",
        "CREATE OR REPLACE FUNCTION bench_grade_event_log() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN INSERT INTO bench_grade_event (attempt_id) VALUES (NEW.id); "
        "RETURN NULL; END $$",
        "DROP TRIGGER IF EXISTS bench_grade_event_log ON {attempt}",
        "CREATE TRIGGER bench_grade_event_log AFTER UPDATE OF score ON {attempt} "
        "FOR EACH ROW EXECUTE FUNCTION bench_grade_event_log()",
    ],
}


def reset_run_leftovers(marker):
    """Attempts started by earlier runs (ids above the loaded ones) are removed, so every
    run starts from the same data set; the ledger trigger is (re)installed, as a migration
    that rebuilds the attempt table on SQLite would drop it."""
    deleted, _ = Attempt.objects.filter(pk__gt=marker["max_attempt_id"]).delete()
    with connection.cursor() as cursor:
        for sql in TRIGGERS[connection.vendor]:
            cursor.execute(sql.format(attempt=Attempt._meta.db_table))
        cursor.execute("DELETE FROM bench_grade_event")
    return deleted


def check_ledger(acknowledged):
    """`acknowledged`: {attempt id: True if the server answered the submit with a redirect to
    the result}. Every acknowledged attempt must be closed, fully marked, and graded exactly
    once; no attempt may be graded twice. Returns (problems, summary)."""
    ids = list(acknowledged)
    with connection.cursor() as cursor:
        # The table only holds this run's gradings (emptied at the start of the run).
        cursor.execute("SELECT attempt_id, COUNT(*) FROM bench_grade_event GROUP BY attempt_id")
        gradings = dict(cursor.fetchall())
    attempts = {a.pk: a for a in Attempt.objects.filter(pk__in=ids)}
    unmarked = set(
        AttemptQuestion.objects.filter(attempt_id__in=ids, mark__isnull=True).values_list(
            "attempt_id", flat=True
        )
    )
    problems = []
    for pk, acked in acknowledged.items():
        attempt = attempts.get(pk)
        graded = gradings.get(pk, 0)
        if graded > 1:
            problems.append(f"attempt {pk} graded {graded} times")
        if not acked:
            continue
        if attempt is None:
            problems.append(f"attempt {pk} acknowledged but missing")
        elif attempt.state == AttemptState.IN_PROGRESS:
            problems.append(f"attempt {pk} acknowledged but still in progress")
        elif attempt.percent is None or attempt.submitted_at is None or attempt.passed is None:
            problems.append(f"attempt {pk} acknowledged but its score is not set")
        elif pk in unmarked:
            problems.append(f"attempt {pk} acknowledged but has unmarked questions")
        elif graded != 1:
            problems.append(f"attempt {pk} acknowledged but graded {graded} times")
    summary = {
        "acknowledged": sum(acknowledged.values()),
        "graded_once": sum(1 for pk in ids if gradings.get(pk) == 1),
        "graded_more_than_once": sum(1 for pk in ids if gradings.get(pk, 0) > 1),
        "problems": len(problems),
    }
    return problems, summary


# --- queries per request -------------------------------------------------------------


class CommitCounter:
    """Counts commits: the explicit ones at the end of each outermost atomic block, and each
    write run in autocommit mode (which the database commits on its own)."""

    WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
    # A statement that starts WITH writes when one of its parts does (saving an answer on
    # PostgreSQL: WITH ... UPDATE ... UPDATE).
    WRITE_IN_WITH = re.compile(r"\b(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)

    def __enter__(self):
        self.count = 0
        db = connections["default"]
        original = type(db).commit

        def commit(this):
            self.count += 1
            return original(this)

        db.commit = commit.__get__(db)
        self._wrapper = db.execute_wrapper(self._autocommitted)
        self._wrapper.__enter__()
        return self

    def _autocommitted(self, execute, sql, params, many, context):
        db = context["connection"]
        statement = sql.lstrip().upper()
        writes = statement.startswith(self.WRITES) or (
            statement.startswith("WITH") and self.WRITE_IN_WITH.search(statement)
        )
        if writes and not db.in_atomic_block:
            self.count += 1
        return execute(sql, params, many, context)

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)
        del connections["default"].commit


def measure_queries(client, method, path, data=None):
    with CaptureQueriesContext(connection) as queries, CommitCounter() as commits:
        response = getattr(client, method)(path, data or {})
        size = len(
            b"".join(response.streaming_content) if response.streaming else response.content
        )
    return {
        "status": response.status_code,
        "queries": len(queries.captured_queries),
        "commits": commits.count,
        "bytes": size,
        "location": response.get("Location", ""),
    }


def query_counts(probe_index, target):
    """Queries (and commits) of one request to each endpoint, in this process, against the
    bench database, with the same middleware and settings as the server. GET pages are
    requested twice and the second is counted (the first may create a row, e.g. the lesson
    progress); the probe is a learner who is not one of the signed-in connections."""
    host = {"SERVER_NAME": "127.0.0.1"}
    anonymous = Client(**host)
    learner = Client(**host)
    learner.force_login(User.objects.get(username=LEARNER.format(probe_index)))
    supervisor = Client(**host)
    supervisor.force_login(User.objects.get(username=SUPERVISOR.format(0)))
    editor = Client(**host)
    editor.force_login(User.objects.get(username=EDITOR))

    def twice(client, path):
        measure_queries(client, "get", path)
        return measure_queries(client, "get", path)

    counts = {
        "live": twice(anonymous, "/healthz/live"),
        "healthz": twice(anonymous, "/healthz"),
        "floor": twice(learner, FLOOR_PATH),
        "lesson": twice(learner, f"/lessons/{target['lessons'][0]}/"),
        "course": twice(learner, f"/courses/{target['courses'][0]}/"),
        "dashboard": twice(learner, "/"),
        "team": twice(supervisor, "/team/"),
        "statistics": twice(editor, f"/statistics/{target['statistics_quiz']}/"),
        "csv": twice(editor, "/team/export.csv"),
    }
    counts["start"] = measure_queries(learner, "post", f"/quizzes/{target['quiz']}/start/")
    pk = int(counts["start"]["location"].rstrip("/").rsplit("/", 1)[-1])
    counts["attempt"] = twice(learner, f"/attempts/{pk}/")
    question_pk, choices = attempt_questions([pk])[pk][0]
    path = f"/attempts/{pk}/questions/{question_pk}/answer/"
    measure_queries(learner, "post", path, {"choice": choices[1]})
    counts["answer"] = measure_queries(learner, "post", path, {"choice": choices[0]})
    counts["submit"] = measure_queries(learner, "post", f"/attempts/{pk}/submit/")
    return counts


# --- the aggregate the CSV export is compared with -----------------------------------


def csv_copy_sql():
    """The CSV export's aggregate (every active person x published course: lessons done,
    quizzes passed, mean best score, completion, assignments) as one SQL statement, for
    `psql \\copy (...) TO STDOUT CSV`. One line: \\copy takes the rest of its line."""
    t = {
        "user": User._meta.db_table,
        "team": Team._meta.db_table,
        "course": Course._meta.db_table,
        "lesson": Lesson._meta.db_table,
        "progress": LessonProgress._meta.db_table,
        "quiz": Quiz._meta.db_table,
        "attempt": Attempt._meta.db_table,
        "completion": CourseCompletion._meta.db_table,
        "assignment": Assignment._meta.db_table,
    }
    sql = """
    WITH courses AS (
      SELECT id, title, position FROM {course}
      WHERE status = 'published' AND (publish_at IS NULL OR publish_at <= now())
        AND draft_of_id IS NULL
    ), lessons AS (
      SELECT l.id, l.course_id FROM {lesson} l JOIN courses c ON c.id = l.course_id
      WHERE l.status = 'published' AND (l.publish_at IS NULL OR l.publish_at <= now())
        AND l.draft_of_id IS NULL
    ), quizzes AS (
      SELECT q.id, COALESCE(l.course_id, q.course_id) AS course_id
      FROM {quiz} q LEFT JOIN {lesson} l ON l.id = q.lesson_id
      WHERE q.status = 'published' AND (q.publish_at IS NULL OR q.publish_at <= now())
        AND (q.lesson_id IS NULL OR q.lesson_id IN (SELECT id FROM lessons))
        AND (q.course_id IS NULL OR q.course_id IN (SELECT id FROM courses))
    ), lesson_totals AS (SELECT course_id, count(*) AS n FROM lessons GROUP BY course_id),
    quiz_totals AS (SELECT course_id, count(*) AS n FROM quizzes GROUP BY course_id),
    lessons_done AS (
      SELECT p.learner_id, l.course_id, count(*) AS n
      FROM {progress} p JOIN lessons l ON l.id = p.lesson_id
      WHERE p.completed_at IS NOT NULL GROUP BY 1, 2
    ), best AS (
      SELECT a.learner_id, q.course_id, a.quiz_id, max(a.percent) AS best,
             bool_or(a.passed) AS passed
      FROM {attempt} a JOIN quizzes q ON q.id = a.quiz_id
      WHERE a.state <> 'in_progress' GROUP BY 1, 2, 3
    ), quizzes_done AS (
      SELECT learner_id, course_id, count(*) FILTER (WHERE passed) AS passed,
             round(avg(best)) AS mean_best
      FROM best GROUP BY 1, 2
    ), due AS (
      SELECT u.id AS learner_id, s.course_id, min(s.due_on) AS due_on,
             count(*) FILTER (WHERE s.due_on < current_date) AS overdue
      FROM {user} u JOIN {assignment} s
        ON s.learner_id = u.id OR (s.team_id IS NOT NULL AND s.team_id = u.team_id)
      WHERE u.is_active GROUP BY 1, 2
    )
    SELECT u.username, u.display_name, u.profession, t.name, c.title,
      CASE WHEN coalesce(lt.n, 0) + coalesce(qt.n, 0) = 0 THEN 0
           ELSE round(100.0 * (coalesce(ld.n, 0) + coalesce(qd.passed, 0))
                      / (coalesce(lt.n, 0) + coalesce(qt.n, 0))) END,
      CASE WHEN cc.completed_at IS NOT NULL THEN 'Completed'
           WHEN coalesce(d.overdue, 0) > 0 THEN 'Overdue'
           WHEN coalesce(ld.n, 0) + coalesce(qd.passed, 0) > 0 OR qd.mean_best IS NOT NULL
             THEN 'In progress'
           ELSE 'Not started' END,
      to_char(cc.completed_at, 'YYYY-MM-DD'),
      coalesce(ld.n, 0), coalesce(lt.n, 0),
      coalesce(qd.passed, 0), coalesce(qt.n, 0),
      qd.mean_best,
      CASE WHEN cc.completed_at IS NULL THEN coalesce(d.overdue, 0) ELSE 0 END,
      d.due_on
    FROM {user} u LEFT JOIN {team} t ON t.id = u.team_id CROSS JOIN courses c
    LEFT JOIN lesson_totals lt ON lt.course_id = c.id
    LEFT JOIN quiz_totals qt ON qt.course_id = c.id
    LEFT JOIN lessons_done ld ON ld.learner_id = u.id AND ld.course_id = c.id
    LEFT JOIN quizzes_done qd ON qd.learner_id = u.id AND qd.course_id = c.id
    LEFT JOIN {completion} cc ON cc.learner_id = u.id AND cc.course_id = c.id
    LEFT JOIN due d ON d.learner_id = u.id AND d.course_id = c.id
    WHERE u.is_active
    ORDER BY u.display_name, u.username, c.position, c.id
    """.format(**t)
    return " ".join(sql.split())
