from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from education.models import Course


class LiveCourseChoiceField(forms.ModelChoiceField):
    """A choice of course (limited to live courses, see LIVE_COURSES) that tells the editor why
    a course draft is refused, instead of Django's bare "Select a valid choice"."""

    default_error_messages = {
        "course_draft": _(
            "That is an unpublished new version of the course “%(course)s”: publishing it "
            "replaces the course, so nothing can be attached to it. Choose the published "
            "course “%(course)s” instead."
        ),
    }

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError:
            draft = self._course_draft(value)
            if draft is None:
                raise
            raise ValidationError(
                self.error_messages["course_draft"],
                code="course_draft",
                params={"course": draft.draft_of},
            ) from None

    def _course_draft(self, value):
        key = self.to_field_name or "pk"
        if isinstance(value, Course):
            value = getattr(value, key)
        try:
            return (
                Course.objects.filter(draft_of__isnull=False, **{key: value})
                .select_related("draft_of")
                .first()
            )
        except (ValueError, TypeError, ValidationError):
            return None
