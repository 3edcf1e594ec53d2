"""Staff sign in with their hospital directory account in Chromium, against a real OpenLDAP
server (tests/directory_server.py): greeted by the name the directory gives, editors reach
the admin, and a directory that does not answer is named on the sign-in page."""

import pytest

pytestmark = pytest.mark.browser


def test_a_nurse_signs_in_with_her_directory_account_and_is_greeted_by_name(
    visitor, roles, directory
):
    nurse = visitor()
    nurse.sign_in("award", "ana-directory-pw")
    assert "Ana Ward, RN" in nurse.page.locator("body").inner_text()


def test_a_directory_editor_reaches_the_admin(visitor, roles, directory):
    editor = visitor()
    editor.sign_in("ebrook", "eli-directory-pw")
    editor.goto("/admin/")
    assert editor.page.get_by_role("link", name="Lessons").first.is_visible()


def test_a_directory_that_does_not_answer_is_named_on_the_sign_in_page(visitor, roles, directory):
    directory.stop()
    nurse = visitor()
    nurse.goto("/accounts/login/")
    nurse.submit_sign_in("award", "ana-directory-pw")
    message = nurse.page.get_by_text("The hospital directory is not answering")
    assert message.is_visible()
    assert "/accounts/login/" in nurse.page.url
    nurse.screenshot("sign-in-directory-down")
