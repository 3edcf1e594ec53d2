"""Field messages that every path into the content tables shares: the admin's model
validation and the content pack import both read them from the model fields
(`full_clean`), so each rule and its wording lives on the field that declares it."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import lazy
from django.utils.translation import gettext

SMALL_INT_MAX = 32_767  # PositiveSmallIntegerField, the same on every database
INT_MAX = 2_147_483_647  # PositiveIntegerField

# A required text field (blank=False) left empty.
NOT_EMPTY = {"blank": lazy(gettext, str)("must not be empty")}


def _range_message(minimum, maximum):
    return gettext("must be a whole number from %(min)d to %(max)d") % {
        "min": minimum,
        "max": maximum,
    }


def whole_number(minimum, maximum):
    """Validators for an integer field: one message naming the whole range, whichever end
    is crossed. Django adds no range validators of its own beside these."""
    message = lazy(_range_message, str)(minimum, maximum)
    return [MinValueValidator(minimum, message), MaxValueValidator(maximum, message)]


def _choice_message(choices):
    # The value goes in by the validator's own %(value)r.
    return gettext("must be one of %(choices)s, not %(value)s") % {
        "choices": ", ".join(choices.values),
        "value": "%(value)r",
    }


def one_of(choices):
    """error_messages for a field with `choices`: the stored values it takes."""
    return {"invalid_choice": lazy(_choice_message, str)(choices)}


def quarter_hours(value):
    """Credit is given in quarter hours (15 minutes), as CPD schemes count it."""
    if value is not None and (value < 0 or (value * 4) % 1 != 0):
        raise ValidationError(
            gettext("Give the hours in quarter-hour steps (for example 1.25), not below 0."),
            code="quarter_hours",
        )


def quarter_hours_field(label, help_text):
    """An optional number of hours in quarter-hour steps (a course's credit, a learner's
    attested time)."""
    return models.DecimalField(
        label,
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[quarter_hours],
        help_text=help_text,
    )
