"""What the browser tests share: a visitor that checks every page, and the learner's pages."""

import re
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, expect

from quizzes.models import Choice
from tests.conftest import PASSWORD

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"

# The live server answers in milliseconds: a condition still false after 10 s is a failure.
expect.set_options(timeout=10_000)

axe = Axe()  # the axe-core bundled in axe-playwright-python

QUIZ = "receptor-rebiopsy-quiz"
QUIZ_TITLE = "Receptor re-biopsy: check your understanding"

# Runs in every page before the portal's own scripts. The CSP is enforced, not only reported:
# this records what it blocked, in the page (window.__cspViolations, per page) and in the test
# (through a binding, so nothing is lost when the page navigates away).
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const violation = {
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    source: event.sourceFile + ":" + event.lineNumber,
    sample: event.sample,
    page: location.pathname,
  };
  window.__cspViolations.push(violation);
  window.__reportCspViolation(violation);
});
"""


class Visitor:
    """One browser context: one person's device. Call `check_page()` after each page."""

    def __init__(self, browser, base_url, **options):
        self.base_url = base_url
        self.context = browser.new_context(base_url=base_url, **options)
        self.context.set_default_timeout(10_000)  # the live server answers in milliseconds
        self.csp_violations = []
        self.broken = []
        self.context.expose_binding(
            "__reportCspViolation", lambda source, violation: self.csp_violations.append(violation)
        )
        self.context.add_init_script(CSP_LISTENER)
        # Chromium asks for /favicon.ico by itself, in parallel with the page; the portal has
        # none. Answered here, it cannot collide with the page's own requests on the live
        # server's single in-memory SQLite connection ("database table is locked").
        self.context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
        self.context.on("request", self._on_request)
        self.context.on("response", self._on_response)
        self.page = self.context.new_page()

    def _on_request(self, request):
        # The portal runs on a closed intranet: every file must come from the portal itself.
        if not request.url.startswith((self.base_url, "data:")):
            self.broken.append(f"off-site request: {request.url}")

    def _on_response(self, response):
        kind = response.request.resource_type
        if kind != "document" and response.status >= 400:
            self.broken.append(f"{response.status} for {kind} {response.url}")

    def goto(self, path):
        response = self.page.goto(path)
        self.check_page()
        return response

    def check_page(self):
        """The current page, and every one before it: no CSP violation, no failed file."""
        on_this_page = self.page.evaluate("window.__cspViolations")
        assert on_this_page == [], f"CSP violations on {self.page.url}: {on_this_page}"
        assert self.csp_violations == [], f"CSP violations: {self.csp_violations}"
        assert self.broken == [], f"Failed or off-site requests: {self.broken}"

    def submit_sign_in(self, username, password):
        """Fill in and send the sign-in form on the current page; return the page it leads to."""
        page = self.page
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill(password)
        with page.expect_navigation() as navigation:
            page.get_by_role("button", name="Sign in").click()
        self.check_page()
        return navigation.value

    def sign_in(self, username, password=PASSWORD):
        self.goto("/accounts/login/")
        response = self.submit_sign_in(username, password)
        assert response.ok and "/accounts/login/" not in self.page.url, "the sign-in failed"

    def screenshot(self, name):
        """A full-page screenshot in var/screenshots/, for a person to look at after a run."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)

    def close(self):
        self.context.close()


def tab_to(page: Page, target: Locator, limit=80):
    """Press Tab until `target` has the keyboard focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{limit} presses of Tab never reached {target}")


def wait_for_save(page: Page, action):
    """Do `action` (a key press, a click) and wait until quiz.js has saved the answer.

    Waiting matters: quiz.js sends one request per change, and two in flight at once may
    reach the server in either order, so the last one saved is not always the last one given
    (a known quiz.js problem); a test that did not wait would be flaky.
    """
    with page.expect_response(
        lambda response: response.url.endswith("/answer/") and response.request.method == "POST"
    ) as saved:
        action()
    assert saved.value.ok, saved.value.text()


def open_attempt(page: Page, action):
    """Do `action` (press "Start the quiz" or "Resume your attempt") and wait for the attempt
    page to load completely: an answer given before quiz.js has run is not saved until the
    form is sent, so a test must not be quicker than a person here."""
    with page.expect_navigation(url=re.compile(r"/attempts/\d+/$"), wait_until="load"):
        action()
    expect(page.locator("fieldset.question")).not_to_have_count(0)


def correct_choice_ids():
    """The answer key, from the database: the page never says which choice is right."""
    choices = Choice.objects.filter(question__quiz__slug=QUIZ, is_correct=True)
    return {str(pk) for pk in choices.values_list("pk", flat=True)}


def choices_of(page, position):
    """The inputs of question `position`, their values in the order shown, and their type."""
    inputs = page.locator(f"#question-{position} input.form-check-input")
    values = inputs.evaluate_all("inputs => inputs.map(input => input.value)")
    return inputs, values, inputs.first.get_attribute("type")


def answer_with_the_mouse(page, position, wanted):
    inputs, values, _ = choices_of(page, position)
    for i, value in enumerate(values):
        if value in wanted:
            wait_for_save(page, inputs.nth(i).check)
    expect(page.locator(f"#question-{position} .save-status")).to_have_text("Answer saved.")


def walk_learner_pages(visitor, options):
    """Show every page a learner sees, in the order of a visit; yield (name, Visitor) on each.

    Needs the `curriculum` and `learner` fixtures. An anonymous visitor first shows the pages
    before sign-in, and the lockout page (for another username, so the learner keeps access).
    """
    stranger = visitor(**options)
    stranger.goto("/accounts/login/")
    yield "login", stranger
    stranger.goto("/accounts/password/reset/")
    yield "password-reset", stranger
    stranger.goto("/accounts/login/")
    for _ in range(5):
        response = stranger.submit_sign_in("somebody", "not the password")
    assert response.status == 429
    yield "locked-out", stranger

    me = visitor(**options)
    page = me.page
    me.sign_in("nina")
    yield "home", me
    for name, path in [
        ("lessons", "/lessons/"),
        ("course", "/courses/five-clinical-takeaways/"),
        ("lesson", "/lessons/receptor-rebiopsy/"),
        ("quizzes", "/quizzes/"),
        ("quiz-intro", f"/quizzes/{QUIZ}/"),
    ]:
        me.goto(path)
        yield name, me
    open_attempt(page, page.get_by_role("button", name="Start the quiz").click)
    first_choice = page.locator("#question-1 input.form-check-input").first
    wait_for_save(page, first_choice.check)
    expect(page.locator("#question-1 .save-status")).to_have_text("Answer saved.")
    me.check_page()
    yield "attempt", me
    # Left half-way: the dashboard offers to continue, the quiz list says "In progress".
    me.goto("/")
    resume = page.get_by_role("link", name=re.compile(r"^Continue: .* \(1 of 8 answered\)$"))
    expect(resume).to_be_visible()
    yield "home-unfinished-quiz", me
    me.goto("/quizzes/")
    expect(page.locator(".badge", has_text="In progress")).to_have_count(1)
    yield "quizzes-unfinished-quiz", me
    me.goto("/")
    open_attempt(page, resume.click)
    page.get_by_role("button", name="Review and submit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Submit your answers")
    me.check_page()
    yield "submit", me  # with six questions unanswered: the warning and its links
    page.get_by_role("button", name="Submit for grading").click()
    expect(page.get_by_role("heading", name="Your score")).to_be_visible()
    me.check_page()
    yield "result", me
    me.goto("/")  # the dashboard again, now with an attempt, its chart and the mistakes
    yield "dashboard", me
    me.goto("/accounts/password/change/")
    yield "password-change", me
    me.goto("/notifications/")
    yield "notifications", me


def walk_staff_pages(visitor, options):
    """Show the pages staff work on outside the admin; yield (name, Visitor) on each.

    Needs the `supervisor` and `editor` fixtures (and `learner`, `curriculum` for content)."""
    from quizzes.models import Quiz

    # The shipped quizzes have no limits; one with a limit of attempts has something to adjust.
    Quiz.objects.filter(slug=QUIZ).update(attempts_allowed=3, time_limit_minutes=30)
    supervisor = visitor(**options)
    supervisor.sign_in("sue")
    supervisor.goto("/team/")
    expect(supervisor.page.get_by_role("heading", level=1)).to_have_text("Team progress")
    yield "team-report", supervisor
    supervisor.page.locator("a[href*='/team/learners/']").first.click()
    supervisor.check_page()
    yield "learner-detail", supervisor
    supervisor.page.locator("summary", has_text="Adjust a quiz").click()
    supervisor.page.locator("a[href*='/adjust/']").first.click()
    expect(supervisor.page.get_by_role("heading", level=1)).to_contain_text("Adjust")
    yield "adjust-quiz", supervisor
    editor = visitor(**options)
    editor.sign_in("edith")
    editor.goto("/editorial/")
    expect(editor.page.get_by_role("heading", level=1)).to_have_text("Editorial queue")
    yield "editorial", editor


def page_width(page: Page):
    """How wide the page is laid out: more than the viewport means sideways scrolling
    (a wide table scrolling inside its own `.table-responsive` box does not count).

    Measured once the page has loaded: a page reached by a click may already show its text
    while its stylesheets are still arriving, and would then be laid out without them."""
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth")


def serious_violations(page):
    page.wait_for_load_state("load")  # see page_width
    results = axe.run(page)
    return [
        f"{page.url}: {violation['id']} ({violation['impact']}): {violation['help']} -- "
        + "; ".join(" ".join(node["target"]) for node in violation["nodes"])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
