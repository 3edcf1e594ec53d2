"""About 5,000 hostile requests over every URL of the portal, the admin's included, as an
anonymous visitor, a learner, a supervisor, an editor and a superuser (staff with their
second factor, as production asks): never a server error.

Each path's parameters are filled with real ids and slugs or with hostile values (huge,
negative and non-numeric numbers, Unicode, NUL, very long strings, SQL and HTML fragments),
and the query string and form body with the parameters the portal's and the admin's pages
read. Every request runs in a savepoint that is rolled back, so one request cannot change
what the next one finds and a run is repeated exactly by its seed: FUZZ_SEED=<seed> (printed
when the test fails). FUZZ_REQUESTS sets the number of requests."""

import os
import random
import warnings
from urllib.parse import quote, urlencode

import pytest
from django.core.cache.backends.base import CacheKeyWarning
from django.db import transaction
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.models import Team
from quizzes import services
from tests.portal.test_url_access import ALL_VIEWS
from tests.quizzes.factories import make_quiz, take_quiz

REQUESTS = int(os.environ.get("FUZZ_REQUESTS", "5100"))
ROLES = ("anonymous", "learner", "supervisor", "editor", "superuser")

HOSTILE = [
    "0",
    "-1",
    "1.5",
    "9" * 20,
    str(2**63),
    str(2**64 + 1),
    "1e309",
    "abc",
    "",
    " ",
    "\x00",
    "a\x00b",
    "%00",
    "\u0661\u0662",  # Arabic-Indic digits
    "\u202eevil",  # right-to-left override
    "\u200b",
    "\U0001f600",
    "e\u0301" * 50,
    b"\xed\xa0\x80",  # a lone surrogate, as bytes: not UTF-8
    b"\xff\xfe",
    "x" * 3000,
    "../../etc/passwd",
    "' OR 1=1 --",
    '"><script>alert(1)</script>',
    "{{ request }}{% debug %}",
    "null",
    "[]",
    "{}",
    "true",
    "2026-02-30",
    "1,2",
    "__proto__",
]
PARAMETERS = [
    "q",
    "tag",
    "page",
    "p",
    "o",
    "e",
    "all",
    "next",
    "team",
    "learner",
    "course",
    "quiz",
    "lesson",
    "status",
    "state",
    "id",
    "id__exact",
    "pk",
    "_to_field",
    "_popup",
    "_changelist_filters",
    "_selected_action",
    "action",
    "select_across",
    "index",
    "term",
    "app_label",
    "model_name",
    "field_name",
    "version",
    "seen_version",
    "against",
    "shown",
    "choice",
    "revision",
    "review",
    "save",
    "text",
    "comment",
    "completed",
    "username",
    "password",
    "email",
    "token",
    "csv_file",
    "learners",
    "due_on",
    "note",
    "title",
    "slug",
    "body",
    "position",
    "kind",
    "points",
    "date_hierarchy",
    "started_at__gte",
    "started_at__year",
    "learner__id__exact",
    "quiz__id__exact",
    "course__id__exact",
    "team__id__exact",
    "status__exact",
    "is_active__exact",
    "groups__id__exact",
]


@pytest.fixture
def cast(make_user, team, learner, supervisor, editor):
    superuser = make_user("root", is_staff=True, is_superuser=True)
    quiz = make_quiz(questions=3)
    finished = take_quiz(learner, quiz, "right")
    open_attempt = services.start_attempt(learner=learner, quiz=quiz)
    clients = {"anonymous": Client()}
    for role, user in [
        ("learner", learner),
        ("supervisor", supervisor),
        ("editor", editor),
        ("superuser", superuser),
    ]:
        clients[role] = signed_in(user)
    real = {
        "slug": [quiz.slug, quiz.lesson.slug, quiz.lesson.course.slug],
        "id": [
            learner.pk,
            editor.pk,
            quiz.pk,
            quiz.lesson.pk,
            finished.pk,
            open_attempt.pk,
            open_attempt.questions.first().pk,
            team.pk,
        ],
    }
    return clients, real


def signed_in(user):
    client = Client()
    client.force_login(user)
    if user.is_staff or Team.objects.filter(supervisors=user).exists():
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client


def value(rng, real, kind="id"):
    if rng.random() < 0.35:
        return str(rng.choice(real[kind] if kind in real else real["id"]))
    return rng.choice(HOSTILE)


def fill(rng, path, real):
    """The path with each <converter:name> replaced by a real or hostile value."""
    out, rest = "", path
    while "<" in rest:
        before, _, rest = rest.partition("<")
        spec, _, rest = rest.partition(">")
        converter = spec.split(":")[0] if ":" in spec else "str"
        kind = "slug" if converter == "slug" else "id"
        out += before + quote(value(rng, real, kind), safe="")
    return out + rest


def form(rng, real):
    data = {}
    for _ in range(rng.randrange(0, 6)):
        key = rng.choice(PARAMETERS) if rng.random() < 0.9 else rng.choice(HOSTILE)
        values = [value(rng, real) for _ in range(rng.choice((1, 1, 1, 2, 3)))]
        data[key] = values if len(values) > 1 else values[0]
    return data


def plan(rng, real, count):
    """Every URL once for every role, then random picks until `count` requests."""
    routes = [(name, path) for name, _, path in ALL_VIEWS if path]
    picks = [(role, route) for route in routes for role in ROLES]
    while len(picks) < count:
        picks.append((rng.choice(ROLES), rng.choice(routes)))
    rng.shuffle(picks)
    for role, (name, path) in picks[:count]:
        url = fill(rng, path, real)
        method = rng.choices(("get", "post", "head"), weights=(5, 4, 1))[0]
        data = form(rng, real)
        if data and (method != "post" or rng.random() < 0.3):
            url += "?" + urlencode(form(rng, real) if method == "post" else data, doseq=True)
        yield role, name, method, url, data if method == "post" else None


def send(client, method, url, data):
    """One request, rolled back whatever it did: its status, or the exception it raised."""
    with transaction.atomic(), warnings.catch_warnings():
        # A cache key memcached would refuse (Django warns for every backend) is an error too.
        warnings.simplefilter("error", CacheKeyWarning)
        try:
            response = client.post(url, data) if method == "post" else getattr(client, method)(url)
        except Exception as error:  # every server error is what the fuzz looks for
            return f"{type(error).__name__}: {str(error)[:200]}"
        finally:
            transaction.set_rollback(True)
    return response.status_code


def test_no_url_answers_hostile_input_with_a_server_error(cast, settings):
    settings.REQUIRE_STAFF_2FA = True
    seed = int(os.environ.get("FUZZ_SEED") or random.SystemRandom().randrange(2**32))
    rng = random.Random(seed)
    clients, real = cast
    # The database is rolled back after each request, the client's cookies are not: a sign-out
    # (or a password change) would end the role's sign-in for the rest of the run.
    cookie = settings.SESSION_COOKIE_NAME
    sessions = {
        role: c.cookies[cookie].value for role, c in clients.items() if cookie in c.cookies
    }
    failures, sent = [], 0
    for role, _name, method, url, data in plan(rng, real, REQUESTS):
        outcome = send(clients[role], method, url, data)
        sent += 1
        if not isinstance(outcome, int) or outcome >= 500:
            failures.append(f"{role} {method.upper()} {url[:300]} {data!r:.300} -> {outcome}")
        if role in sessions:
            clients[role].cookies[cookie] = sessions[role]
    assert sent == REQUESTS
    assert not failures, f"FUZZ_SEED={seed}: {len(failures)} server errors\n" + "\n".join(
        failures[:40]
    )


ID_ROUTES = [(name, path) for name, _, path in ALL_VIEWS if path and "<id:" in path]


@pytest.mark.parametrize("number", [str(2**63), "9" * 19, "9" * 40])
def test_an_id_too_large_for_the_database_is_no_page(cast, settings, number):
    """<int:...> let such a number reach the query: through a foreign key (an attempt's
    question by its attempt) SQLite raised OverflowError and PostgreSQL DataError."""
    settings.REQUIRE_STAFF_2FA = True
    clients, _ = cast
    assert len(ID_ROUTES) >= 10
    for role in ("learner", "superuser"):
        for _name, path in ID_ROUTES:
            url = path
            while "<" in url:
                before, _, rest = url.partition("<")
                url = before + number + rest.partition(">")[2]
            # In the admin the address falls through to its catch-all: to sign-in, or to the
            # admin's index with "doesn't exist".
            expected = {302, 404} if url.startswith("/admin/") else {404}
            for method in ("get", "post"):
                assert send(clients[role], method, url, {}) in expected, (role, method, url)
