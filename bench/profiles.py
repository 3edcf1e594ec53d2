"""py-spy (a sampling profiler that attaches to running processes, so the server runs exactly as
measured) over every gunicorn worker, and a plain-text summary of where the time goes.
Install it with `.venv/bin/pip install -r bench/requirements.txt`."""

import shutil
import subprocess
from collections import Counter
from pathlib import Path

from common import ROOT


def py_spy():
    found = ROOT / ".venv" / "bin" / "py-spy"
    if found.exists():
        return str(found)
    if shutil.which("py-spy"):
        return "py-spy"
    raise SystemExit("--profile needs py-spy: .venv/bin/pip install -r bench/requirements.txt")


def start_py_spy(master_pid, out, duration):
    # --subprocesses: every worker of the master; --nonblocking: never pause a worker;
    # --function: aggregate by function, not line; raw: collapsed stacks, read below.
    command = [py_spy(), "record", "--pid", str(master_pid), "--subprocesses", "--rate", "250"]
    command += ["--duration", str(int(duration)), "--format", "raw", "--output", str(out)]
    command += ["--nonblocking", "--full-filenames", "--function"]
    return subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def finish_py_spy(process):
    _out, err = process.communicate(timeout=120)
    if process.returncode != 0:
        raise RuntimeError(f"py-spy failed: {err.decode(errors='replace')[-1000:]}")


def frame_key(frame):
    """'render (django/template/base.py:170)' -> 'render (django/template/base.py)'."""
    name, _, where = frame.partition(" (")
    return f"{name} ({where.rsplit(':', 1)[0]})" if where else name


# Where a sample's time goes, by the innermost frame that belongs to one of these areas
# (frames of generic helpers, such as django/utils or the standard library, are looked
# through: an escape() called by a template counts as template time).
AREAS = [
    ("database: driver, round trips, waiting for the server", ("/psycopg/", "/sqlite3/",
                                                              "_sqlite")),
    ("ORM: building queries, compiling SQL, making rows", ("/django/db/",)),
    ("templates and forms", ("/django/template/", "/crispy_forms/", "/crispy_bootstrap5/",
                             "/django/forms/", "/django/templatetags/")),
    ("translation", ("/django/utils/translation/",)),
    ("URL resolving and reversing", ("/django/urls/",)),
    ("sessions, auth, middleware", ("/django/contrib/sessions/", "/django/contrib/auth/",
                                    "/django/middleware/", "/axes/", "/simple_history/",
                                    "/django_otp/", "/whitenoise/", "/django/contrib/messages/")),
    ("gunicorn, WSGI, request and response", ("/gunicorn/", "/django/core/handlers/",
                                             "/django/http/")),
]  # fmt: skip


def area_of(frames, root):
    for frame in reversed(frames):
        for name, patterns in AREAS:
            if any(pattern in frame for pattern in patterns):
                return name
        if root in frame and "/.venv/" not in frame:
            return "the portal's own code"
    return "other (standard library, helpers)"


def summarise_py_spy(path, root, top=25):
    """Self and cumulative share of samples per function (the py-spy 'raw' format is one
    collapsed stack per line with its sample count); the portal's own code listed apart."""
    root = str(Path(root))
    total = 0
    cumulative, own, leaf, areas, phases = Counter(), Counter(), Counter(), Counter(), Counter()
    for line in Path(path).read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [frame_key(f) for f in stack.split(";") if " (" in f]
        for key in set(frames):
            cumulative[key] += n
        if frames:
            leaf[frames[-1]] += n
        areas[area_of(frames, root)] += n
        # What the view itself spends its time in: the frame right below the portal's view
        # function (render, a queryset, a service call ...).
        for depth, frame in enumerate(frames):
            if root in frame and "/views" in frame and "/.venv/" not in frame:
                below = frames[depth + 1] if depth + 1 < len(frames) else "(the view itself)"
                phases[f"{frame.split(' (')[0]} -> {below}"] += n
                break
        else:
            phases["(outside the view: middleware, WSGI, idle)"] += n
        # The innermost frame of the portal's own code: where our code spends (directly or
        # through the libraries it calls) the time.
        for frame in reversed(frames):
            if root in frame and "/.venv/" not in frame:
                own[frame] += n
                break
    if not total:
        return "no samples\n"

    def table(title, counter):
        rows = [f"{title}", f"{'share':>6}  function"]
        rows += [f"{100 * n / total:5.1f}%  {key}" for key, n in counter.most_common(top)]
        return "\n".join(rows)

    portal = Counter({k: v for k, v in cumulative.items() if root in k and "/.venv/" not in k})
    return (
        f"{total} samples\n\n"
        + table("by area (innermost frame that belongs to one)", areas)
        + "\n\n"
        + table("by phase of the view", phases)
        + "\n\n"
        + table("cumulative, the portal's code", portal)
        + "\n\n"
        + table("innermost portal frame (time below it, libraries included)", own)
        + "\n\n"
        + table("self time (leaf functions, any code)", leaf)
        + "\n"
    )
