"""The portal's benchmark: `.venv/bin/python bench/run.py --size S` (see bench/README.md).

For each database (SQLite, then PostgreSQL) a separate process (Django reads DATABASE_URL once
per process) loads or reuses the synthetic data set, serves the portal under gunicorn with
production settings, signs learners in and measures every page in interleaved rounds; this
process then prints the table and the budgets and writes them to var/bench/ as JSON.

Exit status: 0 when nothing failed; 1 when any request failed under load or the submit
ledger found an attempt not graded exactly once (and with --strict, when a budget failed)."""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    DATABASES,
    PYTHON,
    ROOT,
    SIZES,
    VAR_DIR,
    log,
    new_secret_key,
    portal_env,
    require_tools,
)

SNAPSHOT_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "var", "bench", "tests", "__pycache__", "*.pyc", ".pytest_cache",
    ".ruff_cache", "node_modules",
)  # fmt: skip


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=SIZES, default="S", help="data set: S, M or L")
    parser.add_argument(
        "--databases",
        default=",".join(DATABASES),
        help="comma-separated: sqlite,postgres (default both)",
    )
    parser.add_argument(
        "--duration", type=int, default=2, help="seconds per measurement (default 2)"
    )
    parser.add_argument(
        "--baseline",
        type=int,
        default=1,
        help="seconds of /healthz/live measured right before each page (default 1)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument(
        "--connections",
        default="1,16,64",
        help="concurrent connections, each a signed-in learner (default 1,16,64)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="py-spy every worker during the warm-up of each endpoint "
        "(var/bench/profiles/; needs bench/requirements.txt)",
    )
    parser.add_argument(
        "--redis-url",
        default=None,
        help="serve with REDIS_URL (cache and sessions in Redis), e.g. redis://127.0.0.1:6379/15",
    )
    parser.add_argument(
        "--strict", action="store_true", help="also exit 1 when a budget is not met"
    )
    parser.add_argument("--worker", choices=DATABASES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.connections = sorted({int(c) for c in args.connections.split(",")})
    args.databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    unknown = set(args.databases) - set(DATABASES)
    if unknown:
        parser.error(f"unknown database(s): {', '.join(sorted(unknown))}")
    if args.redis_url and not args.redis_url.startswith("redis://127.0.0.1"):
        parser.error("--redis-url must point at 127.0.0.1")
    return args


def snapshot_source(size, db):
    """Copy the portal's code to var/bench/src and measure the copy: other engineers edit the
    working tree all day, and an edit saved halfway through a run would otherwise change (or
    break) the code under measurement. The copy must pass `manage.py check` (which loads
    every URL pattern); if it does not, an edit was probably caught halfway: try again. It
    checks against the first database measured (checking against SQLite creates its file)."""
    target = VAR_DIR / "src"
    for attempt in range(1, 6):
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(ROOT, target, ignore=SNAPSHOT_IGNORE)
        check = subprocess.run(
            [str(PYTHON), "manage.py", "check"],
            cwd=target,
            env=portal_env(db, size, new_secret_key()),
            capture_output=True,
            text=True,
        )
        if check.returncode == 0:
            digest = hashlib.sha256()
            for path in sorted(p for p in target.rglob("*") if p.is_file()):
                digest.update(str(path.relative_to(target)).encode() + b"\0" + path.read_bytes())
            return target, digest.hexdigest()[:12]
        log(f"the code does not pass manage.py check (try {attempt}):\n{check.stderr[-1500:]}")
        time.sleep(15)
    raise SystemExit("the working tree does not pass `manage.py check`; nothing was measured")


def run_database(db, argv):
    """One database in its own process; returns its result (or None if it crashed)."""
    log(f"=== {db} ===")
    completed = subprocess.run(
        [sys.executable, __file__, *argv, "--worker", db], cwd=ROOT, env=os.environ.copy()
    )
    if completed.returncode != 0:
        log(f"{db}: the run stopped with exit status {completed.returncode}")
        return None
    return json.loads((VAR_DIR / f"result-{db}-{parse_args(argv).size}.json").read_text())


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    if args.worker:
        import measure

        measure.worker(args.worker, args.size, args)
        return 0

    require_tools(args.databases)
    import report

    source, code_version = snapshot_source(args.size, args.databases[0])
    os.environ["BENCH_SOURCE"] = str(source)
    log(f"measuring a copy of the code in {source.relative_to(ROOT)} (version {code_version})")

    results, crashed = [], []
    for db in args.databases:
        result = run_database(db, argv)
        if result is None:
            crashed.append(db)
        else:
            results.append(result)

    print()
    for result in results:
        print(report.table(result))
        print()
    budget_lines = report.budgets(results)
    print("Budgets (issue 18):")
    print(report.budget_table(budget_lines))
    problems = report.failures(results) + [f"{db}: the run crashed" for db in crashed]
    server_errors = [e for r in results for e in r["server_errors"]]
    if server_errors:
        print("\nErrors logged by the server under load (first of each):")
        seen = set()
        for entry in server_errors:
            key = entry["log"].splitlines()[-1]
            if key in seen:
                continue
            seen.add(key)
            print(f"--- {entry['endpoint']} at {entry['connections']} connections:")
            print(entry["log"])
    now = datetime.now(UTC)
    combined = {
        "date": now.isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "uname": " ".join(os.uname())},
        "code_version": code_version,
        "size": args.size,
        "duration_s": args.duration,
        "rounds": args.rounds,
        "connections": args.connections,
        "redis": bool(args.redis_url),
        "budgets": [
            dict(zip(("verdict", "database", "budget", "measured", "margin"), line, strict=True))
            for line in budget_lines
        ],
        "failures": problems,
        "results": results,
    }
    out = VAR_DIR / f"bench-{args.size}-{now:%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(combined, indent=1, default=str))
    (VAR_DIR / f"bench-{args.size}-latest.json").write_text(out.read_text())
    print(f"\nJSON: {out.relative_to(ROOT)} (and bench-{args.size}-latest.json)")
    if problems:
        print("\nFAILED: errors under load or in the ledger:")
        for problem in problems:
            print(f"  {problem}")
        return 1
    if args.strict and any(line[0] != "PASS" for line in budget_lines):
        print("\nFAILED: budgets not met (--strict)")
        return 1
    print("\nNo errors under load; every acknowledged submit graded exactly once.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
