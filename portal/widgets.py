"""Form widgets drawn in Python where Django's templates cost more than the page around them."""

from html import escape

from django import forms
from django.utils.safestring import mark_safe


def _escape(value):
    """Django's conditional_escape without its lazy-string wrapper, which cost more than the
    escaping: text marked safe stays as it is, anything else is escaped."""
    return value.__html__() if hasattr(value, "__html__") else escape(str(value))


def _attributes(attrs):
    """As Django's attrs.html: True gives a bare name, False nothing."""
    return "".join(
        f" {_escape(name)}" if value is True else f' {_escape(name)}="{_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class PlainSelect(forms.Select):
    """The same <select> as Django's, drawn without its templates: Django includes two
    templates per option, and the team report's five filters (about twenty options) took
    longer to draw than its hundred rows. Options, selection and attributes (id, aria-*)
    come from Django's own `get_context`; only the drawing differs. Labels are shown as
    text (Django would format a date or number label for the locale), and the widget's
    template names and the form renderer are not used."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group_name, options, _index in widget["optgroups"]:
            drawn = "".join(
                f'<option value="{_escape(option["value"])}"{_attributes(option["attrs"])}>'
                f"{_escape(option['label'])}</option>"
                for option in options
            )
            if group_name:
                drawn = f'<optgroup label="{_escape(group_name)}">{drawn}</optgroup>'
            groups.append(drawn)
        return mark_safe(  # every name, value and label is escaped above
            f'<select name="{_escape(widget["name"])}"{_attributes(widget["attrs"])}>'
            f"{''.join(groups)}</select>"
        )
