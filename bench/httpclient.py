"""A minimal HTTP client (standard library only) for what wrk cannot do: signing in, the
submit and start rushes (exactly one request per learner, all released at once), and the
CSV download. Only ever talks to 127.0.0.1."""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from urllib.parse import urlencode

HOST = "127.0.0.1"


class Session:
    """One signed-in person: their cookies (session and CSRF) and nothing else."""

    def __init__(self, port, username):
        self.port = port
        self.username = username
        self.cookies = {}

    @property
    def csrf(self):
        return self.cookies.get("csrftoken", "")

    @property
    def cookie_header(self):
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def headers(self, extra=None):
        headers = {"Cookie": self.cookie_header} if self.cookies else {}
        return {**headers, **(extra or {})}

    def post_headers(self):
        # As quiz.js and a browser form send them: the token, and the page as Referer.
        return self.headers(
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-CSRFToken": self.csrf,
                "Referer": f"http://{HOST}:{self.port}/",
            }
        )

    def remember(self, response):
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)

    def request(self, method, path, body=None, headers=None, timeout=60):
        connection = HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or self.headers())
            response = connection.getresponse()
            content = response.read()
            self.remember(response)
            return response.status, response.getheader("Location", ""), content
        finally:
            connection.close()

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, data=None):
        body = urlencode({"csrfmiddlewaretoken": self.csrf, **(data or {})})
        return self.request("POST", path, body, self.post_headers())


class LoginFailed(Exception):
    pass


def login(port, username, password):
    """GET the form for the CSRF cookie, POST the credentials, expect the redirect home."""
    session = Session(port, username)
    status, _location, _body = session.get("/accounts/login/")
    if status != 200 or not session.csrf:
        raise LoginFailed(f"{username}: login form answered {status}")
    status, location, body = session.request(
        "POST",
        "/accounts/login/",
        urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": session.csrf}
        ),
        session.post_headers() | {"Referer": f"http://{HOST}:{port}/accounts/login/"},
    )
    if status != 302 or "sessionid" not in session.cookies:
        raise LoginFailed(f"{username}: sign-in answered {status} {location} {body[:200]!r}")
    return session


def signed_in(session):
    """Is this (saved) session still signed in? A page behind LoginRequiredMiddleware
    answers 200 when it is, and redirects to the sign-in page when it is not."""
    status, _location, _body = session.get("/accounts/password/change/")
    return status == 200


def login_all(port, usernames, password, saved=None, workers=4):
    """One session per entry of `usernames` (a name may repeat: several sessions of one
    supervisor). Sessions saved by an earlier run ({"username": [cookies, ...]}) are reused
    while they are still signed in, since each sign-in costs ~0.3 s of PBKDF2 on the server;
    the rest sign in, a few at a time. The first sign-in runs alone: if it fails, the harness
    stops before django-axes counts more failures."""
    saved = {name: list(cookie_list) for name, cookie_list in (saved or {}).items()}
    candidates = []
    for name in usernames:
        session = Session(port, name)
        if saved.get(name):
            session.cookies = dict(saved[name].pop(0))
        candidates.append(session)
    with ThreadPoolExecutor(workers) as pool:
        valid = list(pool.map(lambda s: bool(s.cookies) and signed_in(s), candidates))
    todo = [i for i, ok in enumerate(valid) if not ok]
    if todo:
        candidates[todo[0]] = login(port, usernames[todo[0]], password)
        with ThreadPoolExecutor(workers) as pool:
            fresh = pool.map(lambda i: login(port, usernames[i], password), todo[1:])
            for i, session in zip(todo[1:], fresh, strict=True):
                candidates[i] = session
    return candidates, len(todo)


def save_sessions(path, sessions):
    saved = {}
    for session in sessions:
        saved.setdefault(session.username, []).append(session.cookies)
    path.write_text(json.dumps(saved))
    path.chmod(0o600)


def load_sessions(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def rush(sessions, paths, data=None):
    """Every session POSTs once, all released together by a barrier, each on a connection
    opened beforehand (the deadline rush: a whole ward clicks at the same second).
    Returns [(status, location, seconds)] in session order, and the wall time."""
    results = [None] * len(sessions)
    barrier = threading.Barrier(len(sessions) + 1)

    def one(index):
        session, path = sessions[index], paths[index]
        body = urlencode({"csrfmiddlewaretoken": session.csrf, **(data or {})})
        connection = HTTPConnection(HOST, session.port, timeout=120)
        started = time.perf_counter()
        try:
            connection.connect()
            barrier.wait()
            started = time.perf_counter()
            connection.request("POST", path, body=body, headers=session.post_headers())
            response = connection.getresponse()
            response.read()
            results[index] = (
                response.status,
                response.getheader("Location", ""),
                time.perf_counter() - started,
            )
        except Exception as error:  # a refused or reset connection is an error, counted
            results[index] = (0, repr(error), time.perf_counter() - started)
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(sessions))]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - started


def download(session, path):
    """GET a (streamed) response to the end: status, bytes, lines, seconds to the last byte."""
    connection = HTTPConnection(HOST, session.port, timeout=300)
    started = time.perf_counter()
    try:
        connection.request("GET", path, headers=session.headers())
        response = connection.getresponse()
        total = lines = 0
        while chunk := response.read(64 * 1024):
            total += len(chunk)
            lines += chunk.count(b"\n")
        return response.status, total, lines, time.perf_counter() - started
    finally:
        connection.close()
