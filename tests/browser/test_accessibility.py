"""Accessibility, phone screens and the CSP on every learner page, the supervisor's team report
and the editorial queue (issue 7).

Each walk writes full-page screenshots to var/screenshots/<desktop|phone>-<page>.png.
"""

from itertools import chain

import pytest
from playwright.sync_api import expect

from education.models import Lesson
from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    QUIZ,
    open_attempt,
    page_width,
    serious_violations,
    walk_learner_pages,
    walk_staff_pages,
)

pytestmark = pytest.mark.browser

# The focused element's ring, and its contrast with the background it is drawn on (WCAG 2.2
# asks 3:1 of a focus indicator). The ring is an outline (portal.css); a box-shadow alone
# counts as a ring without a measured contrast.
FOCUS_RING = """element => {
  const rgb = (colour) => colour.match(/[\\d.]+/g).map(Number);
  const luminance = ([r, g, b]) => {
    const linear = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  };
  const style = getComputedStyle(element);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow !== "" && style.boxShadow !== "none";
  let background = [255, 255, 255];
  for (let node = element.parentElement; node; node = node.parentElement) {
    const colour = rgb(getComputedStyle(node).backgroundColor);
    if (colour.length < 4 || colour[3] > 0) { background = colour.slice(0, 3); break; }
  }
  const [a, b] = [luminance(rgb(style.outlineColor)), luminance(background)];
  return {
    element: element.outerHTML.slice(0, 100),
    outline, shadow,
    contrast: outline ? (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) : null,
  };
}"""


def walk_every_page(visitor, options):
    """The learner's pages, then (with the learner's progress in it) the team report as a
    supervisor and the editorial queue as an editor."""
    return chain(walk_learner_pages(visitor, options), walk_staff_pages(visitor, options))


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_every_learner_and_staff_page_passes_axe_and_never_scrolls_sideways(
    visitor, curriculum, learner, supervisor, editor, device
):
    """Zero serious or critical axe violations, and no horizontal scrolling (360 px on a
    phone): one walk checks both, as the walk is the slow part."""
    options = DESKTOP if device == "desktop" else PHONE
    screen_width = options["viewport"]["width"]
    found = []
    for name, who in walk_every_page(visitor, options):
        who.screenshot(f"{device}-{name}")
        width = page_width(who.page)
        if width > screen_width:
            found.append(f"{name}: {width}px wide on a {screen_width}px screen")
        found += serious_violations(who.page)
        who.check_page()  # running axe must not trip the CSP either
    assert found == [], "\n".join(found)


def test_every_shipped_lesson_fits_a_phone_and_passes_axe(visitor, curriculum, learner):
    """The lessons differ in content (tables, long words): each one, not only the walk's."""
    me = visitor(**PHONE)
    me.sign_in("nina")
    problems = []
    for slug in Lesson.objects.published().values_list("slug", flat=True):
        me.goto(f"/lessons/{slug}/")
        width = page_width(me.page)
        if width > 360:
            problems.append(f"{slug}: {width}px wide")
        problems += serious_violations(me.page)
    assert problems == [], "\n".join(problems)


def test_the_portal_styles_and_scripts_load(visitor, learner):
    me = visitor()
    me.goto("/accounts/login/")
    navbar = me.page.locator("nav.navbar")
    expect(navbar).to_have_css("background-color", "rgb(91, 42, 134)")  # portal.css
    expect(me.page.get_by_role("button", name="Sign in")).to_have_css(
        "background-color",
        "rgb(13, 110, 253)",  # Bootstrap
    )
    assert me.page.evaluate("typeof window.bootstrap") == "object"


def test_the_phone_menu_opens_and_closes_without_breaking_the_csp(visitor, curriculum, learner):
    me = visitor(**PHONE)
    page = me.page
    me.sign_in("nina")
    me.goto("/lessons/")
    menu = page.get_by_role("button", name="Show menu")
    quizzes = page.get_by_role("link", name="Quizzes", exact=True)
    expect(quizzes).to_be_hidden()
    menu.click()
    expect(quizzes).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "true")
    # Bootstrap ignores a second toggle while the menu is still sliding open.
    expect(page.locator("#main-nav")).to_have_class("navbar-collapse collapse show")
    me.screenshot("phone-menu-open")
    menu.click()
    expect(quizzes).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")
    me.check_page()


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_keyboard_focus_is_clearly_visible_on_every_control_of_the_quiz(
    visitor, curriculum, learner, device
):
    # Reduced motion: Bootstrap's transitions off, so no ring is measured half-drawn.
    options = DESKTOP if device == "desktop" else PHONE
    me = visitor(**options, reduced_motion="reduce")
    page = me.page
    me.sign_in("nina")
    me.goto(f"/quizzes/{QUIZ}/")
    open_attempt(page, page.get_by_role("button", name="Start the quiz").click)
    me.check_page()
    page.locator("body").focus()
    faint = []
    for _ in range(80):
        page.keyboard.press("Tab")
        ring = page.evaluate(f"({FOCUS_RING})(document.activeElement)")
        # The skip link is itself the indicator: it appears only while focused.
        if "skip-link" in ring["element"]:
            continue
        if not (ring["outline"] or ring["shadow"]) or (ring["contrast"] or 3) < 3:
            faint.append(ring)
        if ring["element"].startswith('<button type="submit" name="review"'):
            break
    else:
        raise AssertionError("Tab never reached the 'Review and submit' button")
    assert faint == []


# The contrast of an unchecked control's border with the white around it (WCAG 1.4.11 asks
# 3:1 of what identifies a control): the lower of its contrast with the control's own
# background and with the background it is drawn on.
BORDER_CONTRAST = """element => {
  const rgb = (colour) => colour.match(/[\\d.]+/g).map(Number);
  const luminance = ([r, g, b]) => {
    const linear = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  };
  const ratio = (a, b) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  const opaque = (node) => {
    for (; node; node = node.parentElement) {
      const colour = rgb(getComputedStyle(node).backgroundColor);
      if (colour.length < 4 || colour[3] > 0) return colour.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const style = getComputedStyle(element);
  const border = luminance(rgb(style.borderTopColor));
  return {
    border: style.borderTopColor,
    contrast: Math.min(
      ratio(border, luminance(opaque(element))),
      ratio(border, luminance(opaque(element.parentElement))),
    ),
  };
}"""


def test_unchecked_radios_and_checkboxes_on_the_quiz_have_borders_of_3_to_1(
    visitor, curriculum, learner
):
    me = visitor()
    page = me.page
    me.sign_in("nina")
    me.goto(f"/quizzes/{QUIZ}/")
    open_attempt(page, page.get_by_role("button", name="Start the quiz").click)
    measured = {}
    for kind in ("radio", "checkbox"):
        control = page.locator(f"fieldset.question input[type={kind}]:not(:checked)").first
        measured[kind] = control.evaluate(BORDER_CONTRAST)
    assert all(found["contrast"] >= 3 for found in measured.values()), measured
    me.check_page()


def test_text_fields_and_menus_have_borders_of_3_to_1(visitor, curriculum, learner):
    me = visitor()
    page = me.page
    me.goto("/accounts/login/")
    # The password field: the username has the focus, and with it the focus ring.
    measured = {"password": page.get_by_label("Password").evaluate(BORDER_CONTRAST)}
    me.sign_in("nina")
    me.goto("/lessons/")
    fields = page.locator("main input.form-control, main select.form-select")
    assert fields.count() > 0
    for index in range(fields.count()):
        measured[f"lessons field {index + 1}"] = fields.nth(index).evaluate(BORDER_CONTRAST)
    assert all(found["contrast"] >= 3 for found in measured.values()), measured


def test_the_csp_listener_catches_a_violation(visitor, learner):
    """The CSP checks above are worth something only if a violation would be seen."""
    me = visitor()
    me.goto("/accounts/login/")
    me.page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.inlineScriptRan = true";
          document.body.append(script);
        }"""
    )
    me.page.wait_for_function("window.__cspViolations.length > 0")
    assert me.page.evaluate("window.inlineScriptRan") is None
    assert me.csp_violations[0]["directive"].startswith("script-src")
    me.csp_violations.clear()  # expected here: keep the fixture's final check green
