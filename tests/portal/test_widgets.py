import pytest
from django import forms
from django.utils.safestring import mark_safe

from portal.widgets import PlainSelect

CHOICES = [
    ("", "Any"),
    ("x", "Fish & <chips>"),
    ("safe", mark_safe("<b>Bold</b> &amp; safe")),
    ("ward", [("1", "Ward 1"), ("2", 'Ward "2"')]),
]


def form_class(widget=None):
    widget = {"widget": widget} if widget else {}

    class Filters(forms.Form):
        optional = forms.ChoiceField(choices=CHOICES, required=False, **widget)
        required = forms.ChoiceField(choices=CHOICES, help_text="Pick one", **widget)

    return Filters


@pytest.mark.parametrize(
    "data", [None, {"optional": "x", "required": "2"}, {"optional": "nope", "required": ""}]
)
def test_it_draws_the_same_select_as_django(data):
    """Selected options, groups, escaping, and the attributes Django adds for errors and help
    text (aria-invalid, aria-describedby, required) must all come out the same."""
    django_form = form_class()(data)
    attrs = {"class": "form-select", "data-none": None, "data-safe": mark_safe("a&amp;b")}
    plain_form = form_class(PlainSelect(attrs=attrs))(data)
    for form in (django_form, plain_form):
        form.is_valid()
    django_form.fields["optional"].widget.attrs.update(attrs)
    django_form.fields["required"].widget.attrs.update(attrs)
    for name in ("optional", "required"):
        expected = "".join(line.strip() for line in str(django_form[name]).splitlines())
        assert str(plain_form[name]) == expected
    drawn = str(plain_form["optional"])
    assert "Fish &amp; &lt;chips&gt;" in drawn and "<b>Bold</b> &amp; safe" in drawn
