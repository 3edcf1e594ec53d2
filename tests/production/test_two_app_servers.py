"""Two app servers behind an imaginary load balancer share nothing but PostgreSQL and Redis:
a learner signs in on one, answers half a quiz there, finishes on the other, and eight
simultaneous submits spread over both grade the attempt exactly once."""

import re
import threading

import pytest
import redis

from tests.production.harness import (
    AppServer,
    Visitor,
    needs_gunicorn,
    needs_postgresql,
    needs_redis,
    prepare_database,
    production_env,
    start_attempt,
)

pytestmark = [pytest.mark.production, needs_postgresql, needs_gunicorn, needs_redis]

REDIS_URL = "redis://127.0.0.1:6379/9"
SUBMITTERS = 8
# Django's cache key of a cached session (default KEY_PREFIX and VERSION).
SESSION_KEY = ":1:django.contrib.sessions.cached_db{}"

# Every change to an attempt's row and every mark written, recorded by the database itself,
# so "graded once" is counted rather than inferred from the final state.
GRADING_LOG = """
CREATE TABLE test_grading_log (
    id serial PRIMARY KEY, row_kind text, row_id bigint, old_state text, new_state text,
    score numeric, mark numeric
);
CREATE FUNCTION test_log_attempt() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO test_grading_log (row_kind, row_id, old_state, new_state, score)
    VALUES ('attempt', NEW.id, OLD.state, NEW.state, NEW.score);
    RETURN NEW;
END $$;
CREATE TRIGGER test_log_attempt AFTER UPDATE ON quizzes_attempt
    FOR EACH ROW EXECUTE FUNCTION test_log_attempt();
CREATE FUNCTION test_log_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO test_grading_log (row_kind, row_id, mark) VALUES ('mark', NEW.id, NEW.mark);
    RETURN NEW;
END $$;
CREATE TRIGGER test_log_mark AFTER UPDATE ON quizzes_attemptquestion
    FOR EACH ROW WHEN (NEW.mark IS NOT NULL) EXECUTE FUNCTION test_log_mark();
"""


def correct_choices(db, attempt_path):
    """{attempt question id: ids of its correct choices}, from the frozen attempt rows (the
    page never says which choice is right)."""
    attempt_id = int(attempt_path.strip("/").split("/")[-1])
    rows = db.execute(
        "SELECT id, choices FROM quizzes_attemptquestion WHERE attempt_id = %s", [attempt_id]
    ).fetchall()
    return attempt_id, {
        row_id: [c["id"] for c in choices if c["correct"]] for row_id, choices in rows
    }


def fire_together(count, work):
    """Run work(i) in `count` threads released at once; return [result or exception]."""
    barrier = threading.Barrier(count, timeout=30)
    results = [None] * count

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as error:
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a submit never returned"
    return results


@pytest.fixture
def db(shared_server_database):
    with shared_server_database.connect(autocommit=True) as db:
        yield db


@pytest.fixture
def servers(shared_server_database, db, static_root, tmp_path):
    """Servers A and B: same settings and secret key, one PostgreSQL database, one Redis."""
    env = production_env(
        database_url=shared_server_database.url, static_root=static_root, REDIS_URL=REDIS_URL
    )
    prepare_database(env, learners=["nina"])
    db.execute(GRADING_LOG)
    with AppServer("a", env, tmp_path) as a, AppServer("b", env, tmp_path) as b:
        a.wait_ready()
        b.wait_ready()
        yield a, b


@pytest.fixture
def redis_sessions():
    """The shared Redis; the sessions the test's visitors made are deleted afterwards."""
    client = redis.Redis.from_url(REDIS_URL)
    visitors = []
    yield client, visitors
    for visitor in visitors:
        if "sessionid" in visitor.cookies:
            client.delete(SESSION_KEY.format(visitor.cookies["sessionid"]))
    client.close()


def test_a_quiz_started_on_one_server_is_finished_on_another_and_graded_once(
    servers, db, redis_sessions
):
    a, b = servers
    sessions, visitors = redis_sessions
    nina = Visitor()
    visitors.append(nina)
    slug = db.execute(
        "SELECT slug FROM quizzes_quiz WHERE status = 'published'"
        " AND time_limit_minutes IS NULL ORDER BY slug LIMIT 1"
    ).fetchone()[0]

    # Half the quiz on server A.
    nina.sign_in(a, "nina")
    attempt_path, questions = start_attempt(nina, a, slug)
    attempt_id, correct = correct_choices(db, attempt_path)
    half = len(questions) // 2
    for question in questions[:half]:
        saved = nina.post(a, question.answer_url, {"choice": correct[question.id]})
        assert (saved.status, saved.json()) == (200, {"saved": True})

    # Server B knows the sign-in and shows the answers given on A; the rest is answered there.
    page = nina.get(b, attempt_path)
    assert page.status == 200, page.text[:500]
    for question in questions[:half]:
        for choice in correct[question.id]:
            assert f'id="c{question.id}-{choice}" value="{choice}" checked' in page.text
    for question in questions[half:]:
        saved = nina.post(b, question.answer_url, {"choice": correct[question.id]})
        assert (saved.status, saved.json()) == (200, {"saved": True})
    assert "You have answered every question." in nina.get(a, f"{attempt_path}submit/").text

    # Eight submits at the same moment, half through each server: all are sent to the result.
    result_path = f"{attempt_path}result/"
    responses = fire_together(
        SUBMITTERS, lambda i: nina.clone().post((a, b)[i % 2], f"{attempt_path}submit/")
    )
    assert [(r.status, r.location) for r in responses] == [(302, result_path)] * SUBMITTERS, [
        getattr(r, "text", r) for r in responses
    ]
    for server in (a, b):
        assert nina.get(server, result_path).status == 200

    # Graded once, fully, and counted by the database's own log.
    state, score, max_score, passed = db.execute(
        "SELECT state, score, max_score, passed FROM quizzes_attempt WHERE id = %s", [attempt_id]
    ).fetchone()
    assert (state, score, passed) == ("submitted", max_score, True)
    assert db.execute("SELECT count(*) FROM quizzes_attempt").fetchone()[0] == 1
    log = db.execute("SELECT row_kind, old_state, new_state FROM test_grading_log").fetchall()
    closings = [
        row for row in log if row[0] == "attempt" and row[1:] == ("in_progress", "submitted")
    ]
    # Grading writes the totals to the attempt its own transaction has just closed.
    gradings = [row for row in log if row[0] == "attempt" and row[1] != "in_progress"]
    marks = [row for row in log if row[0] == "mark"]
    assert (len(closings), len(gradings), len(marks)) == (1, 1, len(questions)), log

    # Nothing lived in one server's memory or files: the session is read through Redis and
    # kept in the database (so a Redis restart signs nobody out).
    assert sessions.exists(SESSION_KEY.format(nina.cookies["sessionid"]))
    assert db.execute("SELECT count(*) FROM django_session").fetchone()[0] == 1
    server_logs = a.log_tail(lines=100_000) + b.log_tail(lines=100_000)
    assert not re.search(r'" 5\d\d ', server_logs), server_logs
    assert "Traceback" not in server_logs, server_logs
