"""What every part of the benchmark shares: paths, sizes, the environment the portal runs
with, and small helpers. Nothing here imports Django, so the orchestrating process (which
serves two databases one after the other) never configures it."""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository
# The copy of the portal's code that is measured (see run.py: snapshot_source); the
# repository itself when run without one.
SOURCE = Path(os.environ.get("BENCH_SOURCE", ROOT))
BENCH_DIR = ROOT / "bench"
VAR_DIR = ROOT / "var" / "bench"
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"

# Learners per size; everything else (13 lessons, 13 quizzes of 10 questions, up to 3
# attempts per quiz, teams of 50) is the same at every size.
SIZES = {"S": 200, "M": 2_000, "L": 10_000}
TEAM_SIZE = 50
QUESTIONS_PER_QUIZ = 10
MAX_ATTEMPTS = 3
# Bump when the synthetic data set changes shape: the next run rebuilds the database.
DATA_VERSION = 1

# Every synthetic account has this password. One hash is computed and shared by all rows
# (hashing 10,000 passwords at 1.5 M PBKDF2 iterations would take most of an hour); signing
# in still runs the full hasher, as production does.
PASSWORD = "bench-only-password-5f1d2c"
LEARNER = "bench-learner-{:05d}"
SUPERVISOR = "bench-supervisor-{:03d}"
EDITOR = "bench-editor"
# The signed-in floor: a page with the session, the user, the menu and the base layout and
# nothing of its own, so the table shows what every learner page pays before its own work.
FLOOR_PATH = "/accounts/password/change/done/"

PG_ADMIN = {"host": "127.0.0.1", "port": "5432", "user": "postgres"}
DATABASES = ("sqlite", "postgres")


def sqlite_path(size):
    return VAR_DIR / f"bench-{size}.sqlite3"


def pg_name(size):
    return f"portal_bench_{size.lower()}"


def database_url(db, size):
    if db == "sqlite":
        return f"sqlite:///{sqlite_path(size)}"
    return f"postgres://{PG_ADMIN['user']}@{PG_ADMIN['host']}:{PG_ADMIN['port']}/{pg_name(size)}"


def portal_env(db, size, secret_key, redis_url=None):
    """The environment of production, except what plain HTTP on 127.0.0.1 cannot do (the
    HTTPS redirect and secure-only cookies). No REDIS_URL: sessions live in the database, as
    in the README's configuration table; `--redis` measures the Redis variant."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "EMAIL_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DJANGO_SECRET_KEY=secret_key,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        EMAIL_URL="console://",
        DATABASE_URL=database_url(db, size),
        PYTHONUNBUFFERED="1",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def new_secret_key():
    return secrets.token_urlsafe(50)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_START = time.monotonic()


def log(message):
    """Progress on standard error, so standard output stays the result table."""
    print(f"[bench {time.monotonic() - _START:6.1f}s] {message}", file=sys.stderr, flush=True)


def psql(sql, *, database="postgres", capture=True, check=True):
    cmd = [
        "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", PG_ADMIN["host"],
        "-p", PG_ADMIN["port"], "-U", PG_ADMIN["user"], "-d", database, "-tA", "-c", sql,
    ]  # fmt: skip
    return subprocess.run(cmd, capture_output=capture, text=True, check=check)


def require_tools(databases):
    missing = []
    if not shutil.which("wrk"):
        missing.append("wrk (the load generator): apt-get install -y wrk")
    if "postgres" in databases and not shutil.which("psql"):
        missing.append("psql (PostgreSQL client): apt-get install -y postgresql-client")
    if not GUNICORN.exists():
        missing.append(f"{GUNICORN} (pip install -r requirements.txt)")
    if missing:
        sys.exit("The benchmark needs:\n  " + "\n  ".join(missing))
