"""Tampered admin requests get a plain answer, never a server error (the reliability review's
X-05 and X-14), and the admin works as before for everything else."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import models
from django.urls import reverse

from education.models import Tag


@pytest.fixture
def tag(db):
    return Tag.objects.create(name="Bone health", slug="bone-health")


def test_every_model_in_the_admin_has_a_whole_number_id():
    # portal/admin_site.py refuses any selected id that is not a whole number.
    for model in admin.site._registry:
        assert isinstance(model._meta.pk, models.AutoField | models.IntegerField), model


@pytest.mark.parametrize("selected", ["abc", "", "1.5", "\u0661", str(10**25), "1 OR 1=1"])
def test_an_action_on_ids_that_are_not_numbers_is_refused_in_words(admin_client, tag, selected):
    url = reverse("admin:education_tag_changelist")
    response = admin_client.post(
        url, {"action": "delete_selected", ACTION_CHECKBOX_NAME: [str(tag.pk), selected]}
    )
    assert response.status_code == 400
    assert "The selection could not be read" in response.content.decode()
    assert Tag.objects.filter(pk=tag.pk).exists()


def test_an_action_on_real_ids_still_works(admin_client, tag):
    url = reverse("admin:education_tag_changelist")
    response = admin_client.post(
        url, {"action": "delete_selected", ACTION_CHECKBOX_NAME: [str(tag.pk)], "post": "yes"}
    )
    assert response.status_code == 302
    assert not Tag.objects.filter(pk=tag.pk).exists()


@pytest.mark.parametrize("page", ["change", "delete", "history"])
def test_an_empty_to_field_is_refused_in_words(admin_client, tag, page):
    url = reverse(f"admin:education_tag_{page}", args=[tag.pk])
    response = admin_client.get(url, {"_to_field": ""})
    assert response.status_code == 400
    assert "This address is not complete" in response.content.decode()
    assert admin_client.get(url).status_code == 200


@pytest.mark.parametrize("page", ["qrcode", "config"])
def test_a_second_factor_device_that_does_not_exist_is_not_found(admin_client, page):
    if not apps.is_installed("django_otp.plugins.otp_totp"):
        pytest.skip("django-otp's TOTP is not installed")
    response = admin_client.get(f"/admin/otp_totp/totpdevice/999999/{page}/")
    assert response.status_code == 404


def test_the_admin_keeps_the_portals_titles(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "MBC teaching portal" in page and "Content, accounts and teams" in page


@pytest.mark.parametrize("learner_value", ["null", "abc", "1.5", "-1"])
def test_an_add_page_opened_with_a_learner_that_is_no_id_shows_the_empty_form(
    admin_client, learner_value
):
    url = reverse("admin:progress_assignment_add")
    response = admin_client.get(url, {"learner": learner_value})
    assert response.status_code == 200
    assert 'name="learner"' in response.content.decode()


def test_an_assignment_posted_for_a_learner_id_larger_than_any_is_refused_in_words(admin_client):
    url = reverse("admin:progress_assignment_add")
    response = admin_client.post(url, {"learner": str(10**25)})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_an_add_page_opened_with_a_real_learner_shows_them_chosen(admin_client, learner):
    url = reverse("admin:progress_assignment_add")
    page = admin_client.get(url, {"learner": learner.pk}).content.decode()
    assert f'<option value="{learner.pk}" selected>' in page


@pytest.mark.parametrize(
    "query",
    [
        {"learner": "9" * 20},
        {"learner": "-" + "9" * 20},
        {"learner__id__exact": str(2**63)},
        {"course__id__in": f"1,{'9' * 30}"},
        {"p": "9" * 40},
    ],
)
def test_a_list_filtered_by_a_number_larger_than_any_id_is_refused_in_words(admin_client, query):
    response = admin_client.get(reverse("admin:progress_assignment_changelist"), query)
    assert response.status_code == 400
    assert "a number too large" in response.content.decode()


@pytest.mark.parametrize("query", [{"body": "a\x00b"}, {"q": "\x00"}, {"x\x00": "1"}])
def test_a_list_filtered_or_searched_with_a_nul_is_refused_in_words(admin_client, query):
    response = admin_client.get(reverse("admin:education_lesson_changelist"), query)
    assert response.status_code == 400
    assert "a character that no page can read" in response.content.decode()


def test_a_search_for_a_long_number_is_still_a_search(admin_client):
    url = reverse("admin:accounts_user_changelist")
    assert admin_client.get(url, {"q": "9" * 30}).status_code == 200
    assert (
        admin_client.get(
            reverse("admin:progress_assignment_changelist"), {"learner": "1"}
        ).status_code
        == 200
    )
