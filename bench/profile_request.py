"""Where one page's time goes: pyinstrument over N requests, in this process, against a bench
database that `bench/run.py` has loaded (same settings and middleware as the server).

    .venv/bin/python bench/profile_request.py --db postgres --size S dashboard team lesson

Endpoints: live (/healthz/live), floor (the signed-in floor), lesson, course, attempt, answer,
dashboard, team, csv, statistics, submit.
Prints the time per request and pyinstrument's call tree; writes an HTML profile per
endpoint to var/bench/profiles/. Needs bench/requirements.txt (pyinstrument)."""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    EDITOR,
    FLOOR_PATH,
    LEARNER,
    ROOT,
    SIZES,
    SUPERVISOR,
    VAR_DIR,
    new_secret_key,
    portal_env,
)

ENDPOINTS = ("live", "floor", "lesson", "course", "attempt", "answer", "dashboard", "team", "csv",
             "statistics", "submit")  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("endpoints", nargs="+", choices=ENDPOINTS)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--size", choices=SIZES, default="S")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--learner", type=int, default=70, help="index of the probe learner")
    parser.add_argument("--show-all", action="store_true", help="library frames too")
    parser.add_argument("--flat", type=int, default=25, help="lines of the self-time list")
    parser.add_argument(
        "--time-only", action="store_true", help="no profiler: its overhead doubles the time"
    )
    args = parser.parse_args()

    os.environ.update(portal_env(args.db, args.size, new_secret_key()))
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    import django

    django.setup()
    import inprocess
    from django.test import Client
    from pyinstrument import Profiler

    from portal.accounts.models import User
    from quizzes.models import Attempt

    target = inprocess.targets()
    clients = {}
    for who, username in (
        ("learner", LEARNER.format(args.learner)),
        ("supervisor", SUPERVISOR.format(0)),
        ("editor", EDITOR),
    ):
        clients[who] = Client(SERVER_NAME="127.0.0.1")
        clients[who].force_login(User.objects.get(username=username))
    learner = clients["learner"]

    def open_attempt():
        response = learner.post(f"/quizzes/{target['quiz']}/start/")
        return int(response["Location"].strip("/").rsplit("/", 1)[-1])

    attempts_before = Attempt.objects.order_by("-pk").values_list("pk", flat=True).first()
    pk = open_attempt()
    rows = inprocess.attempt_questions([pk])[pk]
    requests = {
        "live": lambda n: learner.get("/healthz/live"),
        "floor": lambda n: learner.get(FLOOR_PATH),
        "lesson": lambda n: learner.get(
            f"/lessons/{target['lessons'][n % len(target['lessons'])]}/"
        ),
        "course": lambda n: learner.get(
            f"/courses/{target['courses'][n % len(target['courses'])]}/"
        ),
        "attempt": lambda n: learner.get(f"/attempts/{pk}/"),
        "answer": lambda n: learner.post(
            f"/attempts/{pk}/questions/{rows[n % len(rows)][0]}/answer/",
            {"choice": rows[n % len(rows)][1][n % 2]},
        ),
        "dashboard": lambda n: learner.get("/"),
        "team": lambda n: clients["supervisor"].get("/team/"),
        "csv": lambda n: b"".join(clients["editor"].get("/team/export.csv").streaming_content),
        "statistics": lambda n: clients["editor"].get(f"/statistics/{target['statistics_quiz']}/"),
        "submit": lambda n: learner.post(f"/attempts/{open_attempt()}/submit/"),
    }
    out_dir = VAR_DIR / "profiles"
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        for endpoint in args.endpoints:
            request = requests[endpoint]
            request(0)  # warm-up: imports, templates, first-row inserts
            times = []
            profiler = Profiler(interval=0.0005)
            if not args.time_only:
                profiler.start()
            for n in range(args.requests):
                started = time.perf_counter()
                request(n)
                times.append((time.perf_counter() - started) * 1000)
            print(
                f"\n=== {endpoint} on {args.db} ({args.requests} requests): "
                f"median {statistics.median(times):.1f} ms, min {min(times):.1f} ms ==="
            )
            if args.time_only:
                continue
            profiler.stop()
            print(profiler.output_text(show_all=args.show_all))
            if args.flat:
                flat = profiler.output_text(flat=True, show_all=True).splitlines()
                print(f"self time, top {args.flat} functions:")
                print("\n".join(line for line in flat[: args.flat + 6] if line.strip()))
            html = out_dir / f"pyinstrument-{args.db}-{endpoint}.html"
            html.write_text(profiler.output_html())
            print(f"(HTML: {html.relative_to(ROOT)})")
    finally:
        # Leave the data set as it was: remove the attempts this profile started.
        Attempt.objects.filter(pk__gt=attempts_before or 0).delete()


if __name__ == "__main__":
    main()
