"""Runs wrk (C, event loop: it needs a fraction of the CPU a Python client would, which matters
on a 2-core machine where the client and the server share the cores) with sessions.lua."""

import json
import os
import subprocess

from common import BENCH_DIR, VAR_DIR

SCRIPT = BENCH_DIR / "sessions.lua"
SEPARATOR = "\x1f"


def connection_line(method, expected, session, paths, bodies=()):
    """One connection of sessions.lua: see the format at the top of that file."""
    cookie = session.cookie_header if session else ""
    csrf = session.csrf if session else ""
    return "\t".join(
        [method, str(expected), cookie, csrf, SEPARATOR.join(paths), SEPARATOR.join(bodies)]
    )


def run(port, lines, duration, timeout=10):
    """`lines`: one per connection. Returns the measurement as a dict (latencies in ms)."""
    connections = len(lines)
    spec = VAR_DIR / "tmp" / f"connections-{port}.tsv"
    spec.parent.mkdir(parents=True, exist_ok=True)
    spec.write_text("\n".join(lines) + "\n")
    command = [
        "wrk", "-t", str(connections), "-c", str(connections), "-d", f"{duration}s",
        # Slow requests are measured, not dropped: wrk's default 2 s timeout would hide the
        # very tail the p99 budget is about.
        "--timeout", f"{timeout}s", "-s", str(SCRIPT), f"http://127.0.0.1:{port}",
    ]  # fmt: skip
    completed = subprocess.run(
        command,
        env={**os.environ, "BENCH_CONNECTIONS": str(spec)},
        capture_output=True,
        text=True,
        timeout=duration + timeout + 60,
    )
    line = next((x for x in completed.stdout.splitlines() if x.startswith("BENCH ")), None)
    if completed.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr[-2000:]}")
    raw = json.loads(line.removeprefix("BENCH "))
    seconds = raw["duration_us"] / 1e6
    socket_errors = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    return {
        "connections": connections,
        "requests": raw["requests"],
        "seconds": round(seconds, 3),
        "rps": round(raw["requests"] / seconds, 1) if seconds else 0.0,
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "errors": socket_errors + raw["unexpected"],
        "socket_errors": {k: raw[k] for k in ("connect", "read", "write", "timeout")},
        "unexpected_status": raw["unexpected"],
        "example": raw["example"],
    }
