"""Real-browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Every test here is skipped, with the reason, when Chromium or Playwright is missing
(`apt-get install chromium`; never `playwright install`: the tests use the system browser).
Run them alone with `make test-browser`.
"""

import importlib.util
import io
import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

HERE = Path(__file__).parent
CHROMIUM = shutil.which("chromium")
if importlib.util.find_spec("playwright") is None:
    MISSING = "Playwright is not installed (pip install -r requirements-dev.txt)"
    collect_ignore_glob = ["test_*.py"]  # they import it
elif CHROMIUM is None:
    MISSING = "Chromium is not installed (apt-get install chromium)"
else:
    MISSING = None

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_report_header():
    return f"browser tests skipped: {MISSING}" if MISSING else None


def pytest_collection_modifyitems(items):
    if MISSING:
        skip = pytest.mark.skip(reason=f"browser tests skipped: {MISSING}")
        for item in items:
            if item.path.is_relative_to(HERE):
                item.add_marker(skip)


@pytest.fixture(scope="package")
def browser():
    """One Chromium for all the browser tests; each test opens fresh contexts (cookies, storage).

    Playwright's synchronous API keeps an asyncio loop running in this thread, so Django would
    refuse the tests' ORM calls ("async context"). They are safe here (the loop only drives
    Playwright), so the check is off exactly while the browser is up; the package scope closes
    it before the rest of the suite runs.
    """
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def _plain_http_cookies(settings):
    """The live server speaks plain HTTP: cookies marked Secure would never come back."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture
def curriculum(live_server):
    """The shipped courses, lessons and quizzes. live_server makes the database transactional
    (emptied after each test), so each test loads its own copy (about 0.2 s)."""
    call_command("load_curriculum", stdout=io.StringIO())


@pytest.fixture
def visitor(browser, live_server):
    """Makes visitors: browser contexts, i.e. one person's device each (DESKTOP by default).

    Every page is checked as it is shown (`Visitor.check_page`); this checks once more when the
    test ends, for anything reported after the last check.
    """
    from tests.browser.helpers import DESKTOP, Visitor

    made = []

    def make(**options):
        made.append(Visitor(browser, live_server.url, **(options or DESKTOP)))
        return made[-1]

    yield make
    problems = []
    for one in made:
        problems += one.csp_violations + one.broken
        one.close()
    assert problems == [], f"CSP violations or failed requests: {problems}"


@pytest.fixture
def roles(transactional_db):
    """The role groups with their permissions, as the data migrations made them.

    A transactional test flushes every table when it ends, so after the first browser test the
    groups are gone, and `make_user` recreates them empty: an editor, reviewer or supervisor
    would have no permission at all. This puts the permissions back (rows that the flush's
    post_migrate signal recreated)."""
    from django.contrib.auth.models import Group, Permission

    from portal.accounts.models import ROLE_GROUP_NAMES
    from portal.accounts.roles import ROLE_PERMISSIONS

    if not Permission.objects.exists():
        pytest.fail(
            "The flush at the end of the previous transactional test did not recreate the "
            "permissions and content types: its post_migrate signal skipped every app because "
            "AppConfig.models_module is None. portal.accounts.roles.sync_roles sets it to None "
            "when it is given the live app registry (tests/accounts/test_roles.py does); it "
            "should restore the previous value."
        )
    for role, names in ROLE_PERMISSIONS.items():
        group = Group.objects.get_or_create(name=ROLE_GROUP_NAMES[role])[0]
        for name in names:
            app_label, codename = name.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


# The staff fixtures of tests/conftest.py, with their roles' permissions.
@pytest.fixture
def editor(roles, editor):
    return editor


@pytest.fixture
def reviewer(roles, reviewer):
    return reviewer


@pytest.fixture
def supervisor(roles, supervisor):
    return supervisor
