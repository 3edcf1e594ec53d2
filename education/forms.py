from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class LiveChoiceField(forms.ModelChoiceField):
    """A choice of course or lesson (limited to live rows: `limit_choices_to=LIVE_ROWS`) that
    tells the editor why a draft is refused, instead of Django's bare "Select a valid
    choice"."""

    default_error_messages = {
        "draft": _(
            "That is an unpublished new version of “%(live)s”: publishing it replaces the "
            "published one, so nothing can be attached to it. Choose the published "
            "“%(live)s” instead."
        ),
    }

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError:
            draft = self._draft(value)
            if draft is None:
                raise
            raise ValidationError(
                self.error_messages["draft"], code="draft", params={"live": draft.draft_of}
            ) from None

    def _draft(self, value):
        model = self.queryset.model
        key = self.to_field_name or "pk"
        if isinstance(value, model):
            value = getattr(value, key)
        try:
            return (
                model._default_manager.filter(draft_of__isnull=False, **{key: value})
                .select_related("draft_of")
                .first()
            )
        except (ValueError, TypeError, ValidationError):
            return None


class LessonSearchForm(forms.Form):
    """The lesson search (a GET form). Django's CharField refuses NUL characters, which the
    databases cannot search for."""

    MAX_QUERY_LENGTH = 100
    REFUSED = _(
        "That search could not be run: it contained a character that cannot be searched "
        "for. Try other words."
    )

    q = forms.CharField(
        required=False,
        label=_("Search lessons"),
        widget=forms.SearchInput(
            attrs={
                "maxlength": MAX_QUERY_LENGTH,
                "class": "form-control",
                "placeholder": _("Search lessons, e.g. biopsy"),
            }
        ),
        error_messages={"null_characters_not_allowed": REFUSED},
    )
    tag = forms.SlugField(
        required=False, error_messages={"null_characters_not_allowed": REFUSED, "invalid": REFUSED}
    )

    def clean_q(self):
        return self.cleaned_data["q"][: self.MAX_QUERY_LENGTH]
