"""What the production tests drive: gunicorn app servers run as in production, a throwaway
PostgreSQL cluster of the test's own, a cookie-keeping HTTP visitor and a small SMTP server.

Standard library and psycopg only, so nothing is added to requirements-dev.txt. Every wait is
bounded: a hang fails the test with the server's log instead of blocking the suite.
"""

import http.client
import http.cookies
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import pytest
from django.db import connection

from tests.conftest import PASSWORD

BASE_DIR = Path(__file__).resolve().parents[2]
BIN_DIR = Path(sys.executable).parent
GUNICORN = BIN_DIR / "gunicorn"
# One key per test run, the same on every app server (sessions and CSRF must survive a hop).
SECRET_KEY = secrets.token_urlsafe(50)
REQUEST_TIMEOUT = 10  # seconds; a request slower than this counts as a hang
# templates/500.html, and templates/503.html for a database that cannot take the request.
FRIENDLY_ERRORS = ("Something went wrong on our side", "The portal cannot save right now")


def _find_postgresql_bin():
    candidates = []
    if shutil.which("initdb"):
        candidates.append(Path(shutil.which("initdb")).parent)
    versions = Path("/usr/lib/postgresql").glob("*/bin")
    candidates += sorted(versions, key=lambda p: int(p.parent.name), reverse=True)
    for directory in candidates:
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    return None


def _why_no_cluster():
    if PG_BIN is None:
        return "initdb/pg_ctl not found (apt-get install postgresql)"
    if os.geteuid() == 0:
        # initdb refuses root: the cluster runs as the postgres OS user.
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres OS user to run initdb as"
        if shutil.which("runuser") is None:
            return "running as root and runuser is missing"
    return None


def _redis_is_up():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


PG_BIN = _find_postgresql_bin()

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="production tests run on PostgreSQL: DATABASE_URL=postgres://... pytest tests/production",
)
needs_gunicorn = pytest.mark.skipif(
    not GUNICORN.exists(), reason=f"gunicorn is not installed in {BIN_DIR}"
)
needs_initdb = pytest.mark.skipif(_why_no_cluster() is not None, reason=f"{_why_no_cluster()}")
needs_redis = pytest.mark.skipif(not _redis_is_up(), reason="no Redis on 127.0.0.1:6379")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(predicate, *, timeout, interval=0.1, message="condition"):
    """Poll predicate() until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout} s waiting for: {message}")
        time.sleep(interval)


# --- Environment and management commands -------------------------------------------------


def production_env(*, database_url, static_root, **extra):
    """The environment of a production app server: portal/settings.py with DEBUG off, fed
    only by variables (the caller's DJANGO_* and test settings do not leak in)."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TZ") if key in os.environ}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DJANGO_STATIC_ROOT": str(static_root),
            "DJANGO_SECRET_KEY": SECRET_KEY,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_SECURE_COOKIES": "0",
            "EMAIL_URL": "console://",
            "DATABASE_URL": database_url,
            "WEB_CONCURRENCY": "2",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update({key: str(value) for key, value in extra.items()})
    return env


def manage(env, *args, timeout=120):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result.stdout


# One process rather than three (Django starts once): `migrate`, `load_curriculum`, learners.
PREPARE_DATABASE = """
from django.contrib.auth.models import Group
from django.core.management import call_command
from portal.accounts.models import ROLE_GROUP_NAMES, Role, User
call_command("migrate", interactive=False, verbosity=0)
call_command("load_curriculum", verbosity=0)
group = Group.objects.get(name=ROLE_GROUP_NAMES[Role.LEARNER])
for name in {names!r}:
    user = User.objects.create_user(
        username=name, password={password!r}, email=name + "@hospital.example"
    )
    user.groups.add(group)
"""


def prepare_database(env, learners):
    """Migrate, load the shipped curriculum and create learners, as a deployment would."""
    script = PREPARE_DATABASE.format(names=list(learners), password=PASSWORD)
    manage(env, "shell", "-c", script)


# --- HTTP ----------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    @property
    def location(self):
        return self.headers.get("Location")

    def json(self):
        return json.loads(self.body)


class Visitor:
    """One person's browser: keeps cookies, sends the CSRF token, never follows redirects.
    The same cookies can be sent to any app server, as a load balancer would."""

    def __init__(self, cookies=None):
        self.cookies = dict(cookies or {})
        self.lock = threading.Lock()

    def clone(self):
        return Visitor(self.cookies)

    def request(self, server, method, path, data=None, timeout=REQUEST_TIMEOUT):
        headers = {"Connection": "close"}
        with self.lock:
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            if method == "POST" and "csrftoken" in self.cookies:
                headers["X-CSRFToken"] = self.cookies["csrftoken"]
        body = None
        if method == "POST":
            body = urlencode(data or {}, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            raw = conn.getresponse()
            content = raw.read()
        finally:
            conn.close()
        self._remember(raw.headers.get_all("Set-Cookie") or [])
        return Response(raw.status, raw.headers, content)

    def get(self, server, path, **kwargs):
        return self.request(server, "GET", path, **kwargs)

    def post(self, server, path, data=None, **kwargs):
        return self.request(server, "POST", path, data, **kwargs)

    def _remember(self, set_cookie_headers):
        with self.lock:
            for header in set_cookie_headers:
                jar = http.cookies.SimpleCookie()
                jar.load(header)
                for name, morsel in jar.items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value

    def sign_in(self, server, username, password=PASSWORD):
        form = self.get(server, "/accounts/login/")
        assert form.status == 200, form.text[:500]
        assert "csrftoken" in self.cookies
        response = self.post(
            server, "/accounts/login/", {"username": username, "password": password}
        )
        assert response.status == 302, (
            f"sign-in refused ({response.status}): {response.text[:500]}"
        )
        assert "sessionid" in self.cookies
        return response


@dataclass
class PageQuestion:
    answer_url: str
    id: int  # AttemptQuestion id
    choices: list


ANSWER_URL = re.compile(r'data-answer-url="(?P<url>/attempts/\d+/questions/(?P<id>\d+)/answer/)"')


def questions_on(page_html):
    """The questions of an attempt page, as quiz.js finds them: answer URL and choice ids."""
    questions = []
    for match in ANSWER_URL.finditer(page_html):
        question_id = match["id"]
        choices = re.findall(rf'name="q{question_id}" id="[^"]*" value="(\d+)"', page_html)
        questions.append(PageQuestion(match["url"], int(question_id), [int(c) for c in choices]))
    return questions


def start_attempt(visitor, server, slug):
    """Start (or resume) a quiz as the learner does; returns (attempt path, its questions)."""
    started = visitor.post(server, f"/quizzes/{slug}/start/")
    assert started.status == 302, started.text[:500]
    assert re.fullmatch(r"/attempts/\d+/", started.location), started.location
    page = visitor.get(server, started.location)
    assert page.status == 200, page.text[:500]
    questions = questions_on(page.text)
    assert questions and all(q.choices for q in questions)
    return started.location, questions


# --- gunicorn --------------------------------------------------------------------------------


def child_pids(pid):
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            children.append(int(entry.name))
    return sorted(children)


class AppServer:
    """`gunicorn portal.wsgi -c gunicorn.conf.py`, as `make serve` and production run it."""

    def __init__(self, name, env, log_dir):
        self.name = name
        self.port = free_port()
        # gunicorn's control socket defaults to ~/.gunicorn/gunicorn.ctl, one path for every
        # server of the same user: each server gets its own runtime folder instead.
        # (A short path: a Unix socket path is limited to 107 bytes.)
        self.runtime_dir = tempfile.mkdtemp(prefix="portal-gunicorn-")
        self.env = {**env, "PORT": str(self.port), "XDG_RUNTIME_DIR": self.runtime_dir}
        self.log_path = Path(log_dir) / f"gunicorn-{name}.log"
        self.process = None
        self._log = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def start(self):
        self._log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [str(GUNICORN), "portal.wsgi", "-c", "gunicorn.conf.py"],
            cwd=BASE_DIR,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout=30):
        def ready():
            if self.process.poll() is not None:
                raise AssertionError(
                    f"gunicorn {self.name} exited ({self.process.returncode}):\n{self.log_tail()}"
                )
            try:
                return Visitor().get(self, "/healthz/live", timeout=2).status == 200
            except OSError:
                return False

        try:
            wait_until(ready, timeout=timeout, interval=0.2, message=f"gunicorn {self.name}")
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.log_tail()}") from None
        # Every worker has booted once the master has WEB_CONCURRENCY children.
        wanted = int(self.env["WEB_CONCURRENCY"])
        wait_until(
            lambda: len(self.worker_pids()) >= wanted,
            timeout=timeout,
            message=f"{wanted} workers of gunicorn {self.name}",
        )

    def worker_pids(self):
        return child_pids(self.process.pid)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # quick shutdown: nothing is in flight
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # the group this test started
                self.process.wait(timeout=5)
        if self._log is not None:
            self._log.close()
            self._log = None
        shutil.rmtree(self.runtime_dir, ignore_errors=True)

    def log_tail(self, lines=60):
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


# --- A throwaway PostgreSQL cluster -----------------------------------------------------------


class Cluster:
    """A PostgreSQL cluster of the test's own (initdb in a temporary folder, its own port,
    listening on 127.0.0.1 only), so the shared server is never restarted."""

    def __init__(self, bindir=None):
        self.bindir = Path(bindir or PG_BIN)
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="portal-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            account = pwd.getpwnam("postgres")
            os.chown(self.dir, account.pw_uid, account.pw_gid)

    def _run(self, program, *args, timeout=60):
        command = [str(self.bindir / program), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        # Output to a file, not a pipe: the postmaster pg_ctl leaves behind must not hold it.
        output = self.dir / "commands.out"
        with open(output, "ab") as out:
            result = subprocess.run(
                command, stdout=out, stderr=subprocess.STDOUT, cwd=self.dir, timeout=timeout
            )
        if result.returncode != 0:
            raise AssertionError(
                f"{program} {' '.join(args)} failed ({result.returncode}):\n"
                f"{output.read_text(errors='replace')[-2000:]}\n{self.log_tail()}"
            )

    def init(self):
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip

    @property
    def _options(self):
        return f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"

    def start(self):
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", self._options,
            "-w", "-t", "30", "start",
        )  # fmt: skip

    def restart(self, mode="fast"):
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", self._options, "-m", mode, "-w", "-t", "30",
            "restart",
        )  # fmt: skip

    def stop(self, mode="fast"):
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    @property
    def running(self):
        return (self.data / "postmaster.pid").exists()

    def destroy(self):
        try:
            if self.running:
                self.stop(mode="immediate")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database="postgres", **kwargs):
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user="postgres",
            dbname=database,
            connect_timeout=5,
            **kwargs,
        )

    def log_tail(self, lines=30):
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


# --- A mail server that accepts everything ----------------------------------------------------


class _SMTPHandler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode("ascii") + b"\r\n")
        self.wfile.flush()

    def handle(self):
        self.reply("220 fake-smtp ESMTP")
        envelope = {"from": "", "to": []}
        while line := self.rfile.readline():
            command = line.decode("ascii", "replace").strip()
            verb = command[:4].upper()
            if verb in {"EHLO", "HELO"}:
                self.reply("250 fake-smtp")
            elif verb == "MAIL":
                envelope = {"from": command[10:].strip("<> "), "to": []}
                self.reply("250 OK")
            elif verb == "RCPT":
                envelope["to"].append(command[8:].strip("<> "))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                chunks = []
                while (chunk := self.rfile.readline()) not in {b".\r\n", b".\n", b""}:
                    chunks.append(chunk)
                self.server.messages.append({**envelope, "data": b"".join(chunks)})
                self.reply("250 OK")
            elif verb in {"RSET", "NOOP"}:
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Not implemented")


class FakeSMTPServer(socketserver.ThreadingTCPServer):
    """Listens on 127.0.0.1:port and keeps every message it is given in .messages."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, port):
        super().__init__(("127.0.0.1", port), _SMTPHandler)
        self.messages = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)
