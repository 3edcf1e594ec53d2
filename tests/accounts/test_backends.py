from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from portal.accounts.backends import AccountBackend
from portal.accounts.models import User
from tests.conftest import PASSWORD


def field_values(user):
    return {field.attname: getattr(user, field.attname) for field in User._meta.concrete_fields}


def test_it_loads_the_same_person_as_the_orm(learner, django_assert_num_queries):
    learner.last_login = learner.date_joined  # a date and booleans to convert
    learner.must_change_password = True
    learner.save()
    with django_assert_num_queries(1):
        loaded = AccountBackend().get_user(learner.pk)
    expected = field_values(User.objects.get(pk=learner.pk))
    assert field_values(loaded) == expected
    assert loaded.is_active is True and loaded.must_change_password is True
    assert loaded.last_login.tzinfo is not None
    assert loaded._state.adding is False and loaded._state.db == "default"


def test_it_refuses_an_inactive_a_missing_and_a_malformed_id(learner):
    learner.is_active = False
    learner.save()
    backend = AccountBackend()
    assert backend.get_user(learner.pk) is None
    assert backend.get_user(learner.pk + 1000) is None
    assert backend.get_user("not-a-number") is None


def test_a_person_signed_in_through_the_form_is_loaded_on_the_next_page(client, learner):
    client.post(reverse("login"), {"username": "nina", "password": PASSWORD})
    assert client.session[SESSION_KEY] == str(learner.pk)
    page = client.get(reverse("home"))
    assert page.status_code == 200
    assert page.context["user"].pk == learner.pk
