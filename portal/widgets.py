"""Form widgets drawn in Python where Django's templates cost more than the page around them."""

from html import escape

from django import forms
from django.utils.safestring import mark_safe


def _attributes(attrs):
    """As Django's attrs.html: True gives a bare name, False and None give nothing."""
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False and value is not None
    )


class PlainSelect(forms.Select):
    """The same <select> as Django's, drawn without its templates: Django includes two
    templates per option, and the team report's five filters (about twenty options) took
    longer to draw than its hundred rows. Options, selection and attributes (id, aria-*)
    come from Django's own `get_context`; only the drawing differs."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group_name, options, _index in widget["optgroups"]:
            drawn = "".join(
                f'<option value="{escape(str(option["value"]))}"{_attributes(option["attrs"])}>'
                f"{escape(str(option['label']))}</option>"
                for option in options
            )
            if group_name:
                drawn = f'<optgroup label="{escape(str(group_name))}">{drawn}</optgroup>'
            groups.append(drawn)
        return mark_safe(  # every name, value and label is escaped above
            f'<select name="{escape(widget["name"])}"{_attributes(widget["attrs"])}>'
            f"{''.join(groups)}</select>"
        )
