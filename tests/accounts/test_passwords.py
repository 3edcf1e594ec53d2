"""New passwords are checked, offline, against Django's common passwords and a list of
passwords of 12 characters or more from public breaches that ships with the portal."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.conftest import PASSWORD

# In the breach list, not in Django's own list of common passwords.
BREACHED = ["alwaysandforever", "anotherstupidpassword", "angelgabriel", "!@#$%^&*()_+"]


@pytest.mark.parametrize("password", BREACHED)
def test_a_password_from_a_breach_list_is_refused(password, db):
    with pytest.raises(ValidationError, match="too common"):
        validate_password(password)
    with pytest.raises(ValidationError, match="too common"):
        validate_password(password.upper())  # however it is written


def test_a_long_passphrase_of_ones_own_is_accepted(db):
    validate_password("ward seven tea at four, then rounds")


def test_changing_to_a_breached_password_says_why_and_keeps_the_old_one(learner_client, learner):
    page = learner_client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "alwaysandforever",
            "new_password2": "alwaysandforever",
        },
    )
    assert page.status_code == 200
    assert "This password is too common." in page.content.decode()
    learner.refresh_from_db()
    assert learner.check_password(PASSWORD)
