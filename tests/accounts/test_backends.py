"""Sign-in goes through Django's ModelBackend (behind django-axes): the person is read from
the database on every request, so a deactivated account is signed out at its next page."""

from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from tests.conftest import PASSWORD


def test_a_person_signed_in_through_the_form_is_loaded_on_the_next_page(client, learner):
    client.post(reverse("login"), {"username": "nina", "password": PASSWORD})
    assert client.session[SESSION_KEY] == str(learner.pk)
    page = client.get(reverse("home"))
    assert page.status_code == 200
    assert page.context["user"].pk == learner.pk


def test_a_person_deactivated_while_signed_in_is_signed_out_at_the_next_page(client, learner):
    client.post(reverse("login"), {"username": "nina", "password": PASSWORD})
    learner.is_active = False
    learner.save()
    page = client.get(reverse("home"))
    assert page.status_code == 302 and page.url.startswith(reverse("login"))
