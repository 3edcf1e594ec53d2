"""The portal's admin site: Django's, with the titles of the portal and a guard for requests
that no admin page can read, so that a tampered URL or form is refused instead of answered
with a 500.

Django's own admin answers five such requests with a server error: an action on items whose
ids are not whole numbers (`_selected_action=abc`), an empty `_to_field=` on a change or
delete page, a list filtered through a foreign key by a number larger than any id
(`?learner=99999999999999999999`), a list filtered or searched for text with a NUL in it
(`?body=a%00b`, a DataError on PostgreSQL), and a device that does not exist on django-otp's QR-code
page. Every model the
admin shows has a whole-number id (tests/portal/test_admin_site.py checks), so the rule can
live here, once, for the portal's admin pages and its packages' alike.
"""

import re
from functools import wraps

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import TO_FIELD_VAR
from django.contrib.admin.views.main import SEARCH_VAR
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseBadRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The largest id a BigAutoField holds: a longer number overflows the database's integer.
LARGEST_ID = 2**63 - 1


WHOLE_NUMBER = re.compile(r"-?[0-9]+")


def too_large(value):
    """A whole number (or a comma-separated list of them, as `__in` filters take) beyond any
    id: as a filter through a foreign key (`?learner=` 20 digits) it overflowed the
    database's integer, OverflowError on SQLite and DataError on PostgreSQL."""
    return any(
        WHOLE_NUMBER.fullmatch(part) and abs(int(part)) > LARGEST_ID
        for part in value.strip().split(",")
    )


def unreadable(request):
    """Why an admin request cannot be answered, in plain words, or None."""
    for value in request.POST.getlist(ACTION_CHECKBOX_NAME):
        if not value.isascii() or not value.isdigit() or int(value) > LARGEST_ID:
            return _("The selection could not be read. Go back, choose the items again and retry.")
    if request.GET.get(TO_FIELD_VAR, None) == "" or request.POST.get(TO_FIELD_VAR, None) == "":
        return _("This address is not complete. Open the page again from the list.")
    if any("\x00" in key + "".join(values) for key, values in request.GET.lists()):
        # A NUL filters or searches nothing: PostgreSQL cannot even compare it (DataError).
        return _(
            "This address has a character that no page can read. Open the page again from "
            "the list."
        )
    for key, values in request.GET.lists():
        # A search is text, whatever it looks like; every other parameter filters or pages.
        if key != SEARCH_VAR and any(too_large(value) for value in values):
            return _(
                "This address has a number too large for anything in the portal. "
                "Open the page again from the list."
            )
    return None


class PortalAdminSite(admin.AdminSite):
    site_header = gettext_lazy("MBC teaching portal")
    site_title = gettext_lazy("MBC teaching portal admin")
    index_title = gettext_lazy("Content, accounts and teams")

    def admin_view(self, view, cacheable=False):
        protected = super().admin_view(view, cacheable)

        @wraps(view)
        def guarded(request, *args, **kwargs):
            problem = unreadable(request)
            if problem:
                return HttpResponseBadRequest(problem, content_type="text/plain; charset=utf-8")
            try:
                return protected(request, *args, **kwargs)
            except ObjectDoesNotExist:
                # A package's admin page that looks an object up without get_object_or_404.
                raise Http404 from None

        return guarded


class ReadableAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete select, which looks its selected values up in the database: a
    value from the address that is not an id (an add page opened with `?learner=null`, as a
    link or a tampered URL may) raised ValueError there, a 500. A value the related field
    cannot read, or an id too large for any row, selects nothing; the form then says the
    field is required, as for an empty one."""

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        target = remote.model._meta.get_field(remote.field_name)
        readable = []
        for raw in value:
            try:
                parsed = target.to_python(raw)
            except ValidationError:
                continue
            if isinstance(parsed, int) and not 0 <= parsed <= LARGEST_ID:
                continue
            readable.append(raw)
        return super().optgroups(name, readable, attr)


class LabelledInlineFormSet(BaseInlineFormSet):
    """A tabular inline whose every field names itself ("Choice 2: correct"). The admin
    shows each label once, as a column heading, which screen readers do not tie to the
    inputs below it: an editor listening to the page could not tell a choice's text from
    its feedback or its "correct" box."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        noun = str(self.model._meta.verbose_name)
        if index is None:  # the blank row copied by "Add another"
            row = _("New %(thing)s") % {"thing": noun}
        else:
            row = f"{noun.capitalize()} {index + 1}"
        for field in form.fields.values():
            if not field.widget.is_hidden:
                field.widget.attrs["aria-label"] = f"{row}: {field.label}"
