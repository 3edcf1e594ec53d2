"""The page frame every signed-in page shares (menu, sign-out form, footer). Parts of it are
rendered once and kept in the cache, so these check that nothing personal is kept with them."""

import re

from django.test import Client
from django.urls import reverse


def current_links(page):
    return re.findall(r'<a class="nav-link" href="([^"]+)" aria-current="page">', page)


def test_the_menu_marks_the_page_you_are_on(learner_client):
    for name in ("education:lesson-index", "quizzes:quiz-list", "home"):
        page = learner_client.get(reverse(name)).content.decode()
        assert current_links(page) == [reverse(name)]


def test_a_page_outside_the_menu_marks_no_menu_link(learner_client):
    learner_client.get(reverse("home"))  # a menu page first: its menu is in the cache now
    page = learner_client.get(reverse("password_change")).content.decode()
    assert current_links(page) == []


def test_only_staff_see_the_admin_link_on_the_same_page(client, make_user, learner):
    # Staff with no editing or team role: the same menu flags as a learner, but an admin link.
    it_admin = make_user("it.admin", is_staff=True)
    links = {}
    for person in (it_admin, learner):
        client.force_login(person)
        page = client.get(reverse("education:lesson-index")).content.decode()
        links[person.username] = reverse("admin:index") in page
    assert links == {it_admin.username: True, learner.username: False}


def test_each_person_sees_their_own_name_and_sign_out_token(make_user, team):
    pages = {}
    for username in ("nurse.one", "nurse.two"):
        client = Client(enforce_csrf_checks=True)
        client.force_login(make_user(username, team=team))
        response = client.get(reverse("education:lesson-index"))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
        pages[username] = response.content.decode()
        # The sign-out form works with the token of this person's own page.
        signed_out = client.post(reverse("logout"), {"csrfmiddlewaretoken": token[1]})
        assert signed_out.status_code == 302
        assert "_auth_user_id" not in client.session
    assert ">nurse.one</a>" in pages["nurse.one"]
    assert ">nurse.two</a>" in pages["nurse.two"]
    assert "nurse.one" not in pages["nurse.two"]
