"""One database, start to finish, in its own process (Django reads DATABASE_URL once per
process): prepare the database, count queries in-process, serve the portal under gunicorn,
sign people in, run the interleaved rounds, the rushes, the CSV export, and write the result
as JSON for run.py to report."""

import io
import json
import logging
import os
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime

from common import (
    EDITOR,
    FLOOR_PATH,
    PASSWORD,
    PG_ADMIN,
    PYTHON,
    SIZES,
    SOURCE,
    VAR_DIR,
    free_port,
    log,
    new_secret_key,
    pg_name,
    portal_env,
    psql,
    sqlite_path,
)

TICKS = os.sysconf("SC_CLK_TCK")
CPUS = os.cpu_count()

# What wrk measures, in the order of each round; Run.lines says who requests what.
ENDPOINTS = [
    ("live", "/healthz/live (no database)"),
    ("healthz", "/healthz (one query)"),
    # The cheapest page a signed-in person can open (session, user, menu, the base layout):
    # what every learner page costs before its own work.
    ("floor", "signed-in floor (empty page)"),
    ("lesson", "lesson page"),
    ("course", "course page"),
    ("attempt", "quiz answer page"),
    ("answer", "save an answer (POST)"),
    ("dashboard", "learner dashboard"),
    ("team", "team report, 50 learners"),
    ("statistics", "item statistics page"),
]
LABELS = dict(ENDPOINTS) | {
    "start": "start the quiz (rush)",
    "submit": "submit the attempt (rush)",
    "csv": "CSV export, all people",
}


def levels_for(key, connections):
    # A ward has one or two supervisors and a handful of editors: the staff pages are
    # measured at 1 and 16 connections (the team report) or 1 (item statistics), the learner
    # pages at every level.
    if key == "team":
        return [c for c in connections if c <= 16]
    if key == "statistics":
        return [1]
    return list(connections)


# --- the database ---------------------------------------------------------------------


def ensure_database(db, size):
    if db == "sqlite":
        sqlite_path(size).parent.mkdir(parents=True, exist_ok=True)
        return
    name = pg_name(size)
    exists = psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'").stdout.strip()
    if not exists:
        psql(f'CREATE DATABASE "{name}"')
        log(f"created PostgreSQL database {name}")


def recreate_database(db, size):
    from django.db import connection

    connection.close()
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            path = sqlite_path(size).with_name(sqlite_path(size).name + suffix)
            path.unlink(missing_ok=True)
    else:
        name = pg_name(size)
        psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        psql(f'CREATE DATABASE "{name}"')
    log(f"{db}: fresh database for size {size}")


def prepare(db, size):
    """Migrate, collect static files, load the data set unless this database already holds
    it (the marker row), and undo what earlier runs added."""
    import dataset
    import inprocess
    from django.core.management import call_command

    marker = dataset.read_marker()
    reuse = dataset.marker_matches(marker, size)
    if not reuse:
        recreate_database(db, size)
    started = time.perf_counter()
    quiet = {"stdout": io.StringIO(), "verbosity": 0}  # standard output is for the table
    call_command("migrate", interactive=False, **quiet)
    call_command("collectstatic", interactive=False, **quiet)
    log(f"{db}: migrated and collected static files in {time.perf_counter() - started:.1f} s")
    load_seconds = None
    if reuse:
        log(f"{db}: reusing the loaded {size} data set (loaded {marker['loaded_at']})")
    else:
        started = time.perf_counter()
        marker = dataset.build(size)
        load_seconds = round(time.perf_counter() - started, 1)
    deleted = inprocess.reset_run_leftovers(marker)
    if deleted:
        log(f"{db}: removed {deleted} rows that earlier runs created")
    started = time.perf_counter()
    call_command("refresh_item_statistics", **quiet)
    refresh_seconds = round(time.perf_counter() - started, 2)
    return marker, load_seconds, refresh_seconds


# --- measurements ---------------------------------------------------------------------


class Run:
    def __init__(self, db, size, args):
        self.db = db
        self.size = size
        self.args = args
        self.connections = args.connections
        self.result = {
            "database": db,
            "size": size,
            "endpoints": {},
            "rushes": {"start": [], "submit": []},
            "ledger": [],
            "server_errors": [],
        }

    # The lines of sessions.lua for one endpoint at `count` connections.
    def lines(self, key, count):
        import wrk

        t = self.targets
        lines = []
        for i in range(count):
            learner = self.learners[i] if key not in ("team", "statistics") else None
            if key == "live":
                lines.append(wrk.connection_line("GET", 200, None, ["/healthz/live"]))
            elif key == "healthz":
                lines.append(wrk.connection_line("GET", 200, None, ["/healthz"]))
            elif key == "floor":
                lines.append(wrk.connection_line("GET", 200, learner, [FLOOR_PATH]))
            elif key == "lesson":
                paths = [f"/lessons/{slug}/" for slug in t["lessons"]]
                lines.append(wrk.connection_line("GET", 200, learner, paths))
            elif key == "course":
                paths = [f"/courses/{slug}/" for slug in t["courses"]]
                lines.append(wrk.connection_line("GET", 200, learner, paths))
            elif key == "attempt":
                paths = [f"/attempts/{self.attempts[i]}/"]
                lines.append(wrk.connection_line("GET", 200, learner, paths))
            elif key == "answer":
                pk = self.attempts[i]
                rows = self.attempt_rows[pk]
                # Two passes through the questions, the first choosing each question's first
                # choice and the second its second choice: every save changes the stored
                # answer, as a learner changing their mind would.
                paths = [f"/attempts/{pk}/questions/{q}/answer/" for q, _choices in rows] * 2
                bodies = [f"choice={choices[0]}" for _q, choices in rows]
                bodies += [f"choice={choices[1]}" for _q, choices in rows]
                lines.append(wrk.connection_line("POST", 200, learner, paths, bodies))
            elif key == "dashboard":
                lines.append(wrk.connection_line("GET", 200, learner, ["/"]))
            elif key == "team":
                supervisor = self.supervisors[i % len(self.supervisors)]
                lines.append(wrk.connection_line("GET", 200, supervisor, ["/team/"]))
            elif key == "statistics":
                paths = [f"/statistics/{t['statistics_quiz']}/"]
                lines.append(wrk.connection_line("GET", 200, self.editor, paths))
        return lines

    def database_pids(self):
        """The PostgreSQL backends serving the workers: their CPU is part of a request's cost
        (with SQLite that work happens inside the worker)."""
        if self.db != "postgres":
            return []
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
            return [pid for (pid,) in cursor.fetchall()]

    def measure(self, key, count, duration, round_number=None):
        """One wrk run, with the server's CPU time per request (workers + database backends:
        far less disturbed by other work on a shared machine than requests/s) and the share
        of the machine's CPU that other processes took meanwhile."""
        import resource

        import wrk
        from server import machine_busy_ticks, process_ticks

        self.server.settle()
        mark = self.server.error_mark()
        db_pids = self.database_pids()
        before = self.server.cpu_ticks(db_pids)
        busy_before = machine_busy_ticks()
        client_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        result = wrk.run(self.server.port, self.lines(key, count), duration)
        elapsed = time.monotonic() - started
        after = self.server.cpu_ticks(db_pids)
        after.update(process_ticks(set(self.database_pids()) - set(after)))
        busy = machine_busy_ticks() - busy_before
        client_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # A worker born during the run (max_requests recycling) counts from zero: its boot
        # is part of what the requests cost.
        server_ticks = sum(t - before.get(pid, 0) for pid, t in after.items())
        client_ticks = TICKS * (
            client_after.ru_utime
            + client_after.ru_stime
            - client_before.ru_utime
            - client_before.ru_stime
        )
        others = max(0.0, busy - server_ticks - client_ticks)
        result["cpu_ms_per_request"] = (
            round(1000 * server_ticks / TICKS / result["requests"], 3)
            if result["requests"]
            else None
        )
        result["other_cpu_share"] = round(others / (elapsed * TICKS * CPUS), 3)
        result["loadavg"] = os.getloadavg()[0]
        # A worker recycled by max_requests during a short run at 1 connection shows up as
        # one slow request (the new worker's first): recorded, so the rounds can be compared.
        result["worker_recycles"] = self.server.recycles_since(mark)
        errors = self.server.errors_since(mark)
        result["server_errors"] = len(errors)
        if errors:
            self.result["server_errors"] += [
                {"endpoint": key, "connections": count, "round": round_number, "log": e}
                for e in errors[:3]
            ]
        return result

    def start_rush(self, round_number):
        """Everybody starts the mandatory quiz in the same second."""
        import httpclient
        import inprocess
        from django.db import connection

        path = f"/quizzes/{self.targets['quiz']}/start/"
        self.server.settle()
        mark = self.server.error_mark()
        results, wall = httpclient.rush(self.learners, [path] * len(self.learners))
        self.record_rush("start", round_number, results, wall, mark)
        attempts = []
        for status, location, _seconds in results:
            if status != 302 or not location.startswith("/attempts/"):
                raise SystemExit(f"starting the quiz failed: {status} {location}")
            attempts.append(int(location.strip("/").rsplit("/", 1)[-1]))
        if len(set(attempts)) != len(attempts):
            raise SystemExit("two learners were given the same attempt")
        self.attempts = attempts
        self.attempt_rows = inprocess.attempt_questions(attempts)
        connection.close()

    def submit_rush(self, round_number):
        """The deadline rush: every learner submits at once; then every learner submits
        again (a double click, a second tab). The ledger checks the rows after each wave."""
        import httpclient
        import inprocess
        from django.db import connection

        paths = [f"/attempts/{pk}/submit/" for pk in self.attempts]
        for wave in ("submit", "resubmit"):
            self.server.settle()
            mark = self.server.error_mark()
            results, wall = httpclient.rush(self.learners, paths)
            if wave == "submit":
                self.record_rush("submit", round_number, results, wall, mark)
            acknowledged = {
                pk: status == 302 and location == f"/attempts/{pk}/result/"
                for pk, (status, location, _s) in zip(self.attempts, results, strict=True)
            }
            problems, summary = inprocess.check_ledger(acknowledged)
            unacknowledged = [pk for pk, ok in acknowledged.items() if not ok]
            self.result["ledger"].append(
                {
                    "round": round_number,
                    "wave": wave,
                    **summary,
                    "not_acknowledged": len(unacknowledged),
                    "problem_examples": problems[:5],
                    "ok": not problems and not unacknowledged,
                }
            )
            connection.close()

    def record_rush(self, key, round_number, results, wall, mark):
        latencies = sorted(seconds * 1000 for _status, _location, seconds in results)
        expected = 302
        bad = [(s, loc) for s, loc, _ in results if s != expected]
        errors = self.server.errors_since(mark)
        if errors:
            self.result["server_errors"] += [
                {"endpoint": key, "connections": len(results), "round": round_number, "log": e}
                for e in errors[:3]
            ]
        self.result["rushes"][key].append(
            {
                "round": round_number,
                "connections": len(results),
                "rps": round(len(results) / wall, 1),
                "seconds": round(wall, 3),
                "p50_ms": round(statistics.median(latencies), 2),
                "p99_ms": round(percentile(latencies, 99), 2),
                "max_ms": round(latencies[-1], 2),
                "errors": len(bad),
                "example": f"{bad[0][0]} {bad[0][1]}" if bad else "",
                "server_errors": len(errors),
            }
        )

    def profile(self, key, count, duration):
        """py-spy samples every worker while wrk drives the endpoint (not a measured run:
        sampling slows the workers)."""
        import profiles

        out = VAR_DIR / "profiles" / f"{self.db}-{key}.txt"
        out.parent.mkdir(parents=True, exist_ok=True)
        self.server.settle()  # samples of the previous endpoint's queue would mix in
        spy = profiles.start_py_spy(self.server.process.pid, out, duration + 1)
        self.measure(key, count, duration)
        profiles.finish_py_spy(spy)
        summary = profiles.summarise_py_spy(out, SOURCE)
        (out.with_suffix(".summary.txt")).write_text(summary)
        log(f"  profile of {key}: {out.with_suffix('.summary.txt')}")

    def baseline(self, key, count, round_number):
        """/healthz/live right before a page. /healthz/live serves ~1,000 requests a second, so
        most max_requests recycles (one per ~2,000 requests of a worker) happen during these
        runs: a recycle costs a second of CPU, which would lower the baseline (and flatter the
        page's ratio), and leaves a cold worker whose first request (imports, templates) the
        page would pay. So a baseline that saw a recycle is measured again (at most twice),
        after warming the new worker on the page, unrecorded."""
        for _attempt in range(3):
            base = self.measure("live", count, self.args.baseline, round_number)
            if not base["worker_recycles"]:
                break
            self.measure(key, min(4, count), 1)
        return base

    def rounds(self):
        args = self.args
        endpoints = self.result["endpoints"]
        for key, label in ENDPOINTS:
            endpoints[key] = {"label": label, "levels": {}}
        for round_number in range(1, args.rounds + 1):
            log(f"{self.db}: round {round_number} of {args.rounds}")
            self.start_rush(round_number)
            if round_number == 1:
                # Warm-up, not recorded: templates compiled, connections opened, caches
                # filled in every worker.
                for key, *_ in ENDPOINTS:
                    if args.profile:
                        self.profile(key, min(16, max(self.connections)), args.duration)
                    else:
                        self.measure(key, min(8, max(self.connections)), 1)
            for key, *_ in ENDPOINTS[1:]:
                for count in levels_for(key, self.connections):
                    # The denominator is measured right before each page, at the same
                    # connections: other work on a shared machine comes and goes within
                    # seconds, and a ratio of two runs a second apart cancels most of it.
                    base = self.baseline(key, count, round_number)
                    endpoints["live"]["levels"].setdefault(str(count), []).append(base)
                    result = self.measure(key, count, args.duration, round_number)
                    result["baseline_rps"] = base["rps"]
                    result["ratio"] = (
                        round(result["rps"] / base["rps"], 4) if base["rps"] else None
                    )
                    if result["cpu_ms_per_request"] and base["cpu_ms_per_request"]:
                        result["cpu_ratio"] = round(
                            base["cpu_ms_per_request"] / result["cpu_ms_per_request"], 4
                        )
                    endpoints[key]["levels"].setdefault(str(count), []).append(result)
                    log(
                        f"  {key:<10} c={count:<3} {result['rps']:8.1f} req/s "
                        f"(live {base['rps']:7.1f})  p50 {result['p50_ms']:7.1f} ms  "
                        f"p99 {result['p99_ms']:7.1f} ms  cpu {result['cpu_ms_per_request']} ms  "
                        f"others {100 * result['other_cpu_share']:.0f}%"
                        + (
                            f"  ERRORS {result['errors']} {result['example']}"
                            if result["errors"]
                            else ""
                        )
                    )
            self.submit_rush(round_number)

    def csv_export(self, repeats=3):
        """The CSV export as an editor (every person), with the peak resident memory of the
        workers sampled every 5 ms while it streams, against `psql \\copy` of the same
        aggregate (PostgreSQL only)."""
        import httpclient
        import inprocess

        results = []
        for _ in range(repeats):
            self.server.settle()
            pids = self.server.worker_pids()
            before = {pid: self.server.rss_kb(pid) for pid in pids}
            peak = dict(before)
            done = threading.Event()

            def sample(pids=pids, peak=peak, done=done):
                while not done.is_set():
                    for pid in pids:
                        rss = self.server.rss_kb(pid)
                        if rss is not None:
                            peak[pid] = max(peak.get(pid) or 0, rss)
                    time.sleep(0.005)

            sampler = threading.Thread(target=sample)
            sampler.start()
            mark = self.server.error_mark()
            status, size, lines, seconds = httpclient.download(self.editor, "/team/export.csv")
            done.set()
            sampler.join()
            errors = self.server.errors_since(mark)
            growth_kb = max((peak[p] - before[p]) for p in pids if before.get(p) is not None)
            after = {pid: self.server.rss_kb(pid) for pid in pids}
            kept_kb = max(
                (after[p] - before[p]) for p in pids if before.get(p) and after.get(p) is not None
            )
            entry = {
                "status": status,
                "bytes": size,
                "rows": lines - 1,  # minus the header
                "seconds": round(seconds, 4),
                "rss_growth_mb": round(growth_kb / 1024, 1),  # peak while streaming
                "rss_kept_mb": round(kept_kb / 1024, 1),  # still held after the response
                "server_errors": len(errors),
            }
            if self.db == "postgres":
                entry["psql_copy"] = psql_copy(self.size, inprocess.csv_copy_sql())
            results.append(entry)
        return results

    def main(self):
        import httpclient
        import inprocess
        from django.db import connection
        from server import Server

        marker, load_seconds, refresh_seconds = prepare(self.db, self.size)
        self.result["dataset"] = marker
        self.result["load_seconds"] = load_seconds
        self.result["refresh_item_statistics_seconds"] = refresh_seconds
        self.targets = inprocess.targets()
        n = max(self.connections)
        learner_names = inprocess.learner_usernames(n)
        supervisors = inprocess.supervisor_usernames()
        supervisor_names = [
            supervisors[i % len(supervisors)]
            for i in range(max(levels_for("team", self.connections)))
        ]
        inprocess.check_accounts([*learner_names, *set(supervisor_names), EDITOR])
        log(f"{self.db}: counting queries per request in-process")
        self.result["queries"] = inprocess.query_counts(n, self.targets)
        inprocess.reset_run_leftovers(marker)  # the probe's attempt must not count
        connection.close()

        self.server = Server(self.env, free_port(), self.db)
        self.server.start()
        try:
            started = time.perf_counter()
            redis = "-redis" if self.args.redis_url else ""  # sessions live elsewhere then
            sessions_file = VAR_DIR / f"sessions-{self.db}-{self.size}{redis}.json"
            names = [*learner_names, *supervisor_names, EDITOR]
            sessions, fresh = httpclient.login_all(
                self.server.port, names, PASSWORD, httpclient.load_sessions(sessions_file)
            )
            httpclient.save_sessions(sessions_file, sessions)
            self.learners = sessions[: len(learner_names)]
            self.supervisors = sessions[len(learner_names) : -1]
            self.editor = sessions[-1]
            log(
                f"{self.db}: {len(sessions)} sessions ready ({fresh} signed in, "
                f"{len(sessions) - fresh} reused) in {time.perf_counter() - started:.1f} s"
            )
            self.rounds()
            log(f"{self.db}: CSV export")
            self.result["csv"] = self.csv_export(repeats=5 if self.size == "S" else 3)
            self.result["worker_restarts"] = self.server.count_restarts()
        finally:
            self.server.stop()
        return self.result


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def psql_copy(size, sql, repeats=1):
    """Wall time of `psql \\copy (aggregate) TO STDOUT CSV`, as an operator would run it."""
    command = [
        "psql", "-X", "-q", "-h", PG_ADMIN["host"], "-p", PG_ADMIN["port"], "-U",
        PG_ADMIN["user"], "-d", pg_name(size), "-c",
        f"\\copy ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)",
    ]  # fmt: skip
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, check=True)
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 4),
        "rows": completed.stdout.count(b"\n") - 1,
        "bytes": len(completed.stdout),
    }


def secret_key(db, size):
    """A random key per bench database, kept in var/bench/ so that the sessions signed in by
    one run are still valid in the next (their auth hash is keyed with it)."""
    path = VAR_DIR / f"secret-{db}-{size}.txt"
    if not path.exists():
        path.write_text(new_secret_key())
        path.chmod(0o600)
    return path.read_text().strip()


def worker(db, size, args):
    """Entry of the per-database process (run.py --worker DB)."""
    env = portal_env(db, size, secret_key(db, size), redis_url=args.redis_url)
    os.environ.update(env)
    sys.path.insert(0, str(SOURCE))
    os.chdir(SOURCE)
    ensure_database(db, size)
    import django

    django.setup()
    # The in-process sign-ins (query counts) would log each one; the table needs no echo.
    logging.getLogger("axes").setLevel(logging.WARNING)
    run = Run(db, size, args)
    run.env = env
    started = time.perf_counter()
    result = run.main()
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    result["learners"] = SIZES[size]
    result["python"] = str(PYTHON)
    result["redis"] = bool(args.redis_url)
    out = VAR_DIR / f"result-{db}-{size}.json"
    out.write_text(json.dumps(result, indent=1, default=str))
    return out
