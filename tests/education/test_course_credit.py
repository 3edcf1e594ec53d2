"""A reviewer designates a course's CPD credit in quarter hours; a new version carries its
credit to the live course when it is signed off, like the course's other reviewed fields."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from education import workflow
from education.models import Course
from tests.education.factories import make_course


@pytest.mark.parametrize("hours", ["1.1", "-0.25"])
def test_credit_outside_quarter_hours_is_refused_in_words_and_by_the_database(db, hours):
    course = make_course("credited", credit_hours=Decimal("1.5"))
    course.credit_hours = Decimal(hours)
    with pytest.raises(ValidationError, match="quarter-hour steps"):
        course.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Course.objects.filter(pk=course.pk).update(credit_hours=Decimal(hours))


def test_a_blank_or_quarter_hour_credit_is_accepted(db):
    course = make_course("credited", credit_hours=Decimal("2.75"))
    course.full_clean()
    course.credit_hours = None
    course.full_clean()
    course.save()


def test_a_signed_off_new_version_carries_its_credit_to_the_live_course(editor, reviewer):
    course = make_course("credited", credit_hours=Decimal("1"))
    draft = workflow.start_draft(live=course, user=editor, values={"credit_hours": Decimal("2")})
    workflow.submit_for_review(obj=draft, user=editor)
    workflow.publish(obj=draft, user=reviewer, reviewer=reviewer, reviewed_on=date(2026, 12, 1))

    course.refresh_from_db()
    assert course.credit_hours == Decimal("2.00")
