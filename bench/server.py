"""The portal under gunicorn, as deployed: `gunicorn portal.wsgi -c gunicorn.conf.py`, with the
repository's gunicorn settings (sync workers, max_requests recycling, access log on standard
output), 4 workers. Its logs go to var/bench/, and every error the server logs while a
measurement runs is attributed to that measurement."""

import os
import re
import signal
import subprocess
import time
from http.client import HTTPConnection

from common import GUNICORN, SOURCE, VAR_DIR, log

# A log record starts with a timestamp: Django's "2026-01-01 10:00:00,000 ERROR ..." or
# gunicorn's "[2026-01-01 10:00:00 +0000] [123] [ERROR] ...".
RECORD_START = re.compile(r"^(\[\d{4}-\d\d-\d\d |\d{4}-\d\d-\d\d \d\d:)")
ERROR_WORDS = ("ERROR", "CRITICAL", "Traceback", "WORKER TIMEOUT")


def process_ticks(pids):
    ticks = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it exited
        ticks[pid] = int(fields[11]) + int(fields[12])  # utime, stime
    return ticks


def machine_busy_ticks():
    """CPU time the whole machine spent busy (all cores), in clock ticks."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    return sum(values) - values[3] - values[4]  # minus idle and iowait


class Server:
    def __init__(self, env, port, name, workers=4):
        self.env = {**env, "PORT": str(port), "WEB_CONCURRENCY": str(workers)}
        self.port = port
        self.name = name
        self.stdout_path = VAR_DIR / f"gunicorn-{name}.access.log"
        self.stderr_path = VAR_DIR / f"gunicorn-{name}.error.log"
        self.process = None

    def start(self, timeout=60):
        self.stdout = open(self.stdout_path, "w")  # noqa: SIM115 (closed in stop)
        self.stderr = open(self.stderr_path, "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(GUNICORN), "portal.wsgi", "-c", "gunicorn.conf.py"],
            cwd=SOURCE,
            env=self.env,
            stdout=self.stdout,
            stderr=self.stderr,
            start_new_session=True,  # a Ctrl+C of the harness reaches it only through stop()
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {self.process.returncode}:\n{self.tail(30)}"
                )
            if self.ping():
                log(f"gunicorn up on 127.0.0.1:{self.port} (pid {self.process.pid})")
                return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout} s:\n{self.tail(30)}")

    def ping(self):
        try:
            connection = HTTPConnection("127.0.0.1", self.port, timeout=2)
            connection.request("GET", "/healthz/live")
            return connection.getresponse().status == 200
        except OSError:
            return False

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # graceful: workers finish their request
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.stdout.close()
        self.stderr.close()

    # --- workers and their memory ---------------------------------------------------

    def worker_pids(self):
        """The master's children, found through /proc (they change as max_requests
        recycles them)."""
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(entry))
        return sorted(pids)

    def cpu_ticks(self, extra_pids=()):
        """{pid: user + system CPU time in clock ticks} of the workers (and `extra_pids`)."""
        return process_ticks([*self.worker_pids(), *extra_pids])

    def settle(self, timeout=60, quiet_checks=2, interval=0.05):
        """Wait until the workers are idle. When wrk stops, the requests its connections had
        sent are still queued in the listen backlog, and the workers go on serving them (up
        to 64 x the page's service time / 4 workers): without this, the next measurement
        would start behind that queue. Idle = no worker used more than one clock tick (10 ms)
        of CPU in `quiet_checks` consecutive intervals."""
        deadline = time.monotonic() + timeout
        last, quiet = self.cpu_ticks(), 0
        while time.monotonic() < deadline:
            time.sleep(interval)
            now = self.cpu_ticks()
            busy = any(now[pid] - last.get(pid, 0) > 1 for pid in now)
            quiet = 0 if busy else quiet + 1
            last = now
            if quiet >= quiet_checks:
                return True
        log("warning: the workers did not become idle before the next measurement")
        return False

    @staticmethod
    def rss_kb(pid):
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            return None
        return None

    # --- what the server logged -----------------------------------------------------

    def error_mark(self):
        self.stderr.flush()
        return self.stderr_path.stat().st_size

    def errors_since(self, mark):
        """The error records (with their tracebacks) logged after `mark`."""
        with open(self.stderr_path, errors="replace") as log_file:
            log_file.seek(mark)
            lines = log_file.read().splitlines()
        records, current = [], None
        for line in lines:
            if RECORD_START.match(line):
                if current:
                    records.append(current)
                current = [line]
            elif current is not None:
                current.append(line)
            else:
                current = [line]
        if current:
            records.append(current)
        errors = [r for r in records if any(word in r[0] for word in ERROR_WORDS)]
        # Also a traceback printed without a record of its own.
        errors += [r for r in records if r not in errors and any("Traceback" in x for x in r)]
        return ["\n".join(record[:60]) for record in errors]

    def recycles_since(self, mark):
        with open(self.stderr_path, errors="replace") as log_file:
            log_file.seek(mark)
            return sum("Booting worker" in line for line in log_file)

    def count_restarts(self):
        with open(self.stderr_path, errors="replace") as log_file:
            return sum("Autorestarting worker" in line for line in log_file)

    def tail(self, n):
        try:
            return "\n".join(self.stderr_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""
