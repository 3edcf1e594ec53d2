"""The portal's admin site: Django's, with the titles of the portal and a guard for requests
that no admin page can read, so that a tampered URL or form is refused instead of answered
with a 500.

Django's own admin answers three such requests with a server error: an action on items whose
ids are not whole numbers (`_selected_action=abc`), an empty `_to_field=` on a change or
delete page, and a device that does not exist on django-otp's QR-code page. Every model the
admin shows has a whole-number id (tests/portal/test_admin_site.py checks), so the rule can
live here, once, for the portal's admin pages and its packages' alike.
"""

from functools import wraps

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import TO_FIELD_VAR
from django.core.exceptions import ObjectDoesNotExist
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseBadRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The largest id a BigAutoField holds: a longer number overflows the database's integer.
LARGEST_ID = 2**63 - 1


def unreadable(request):
    """Why an admin request cannot be answered, in plain words, or None."""
    for value in request.POST.getlist(ACTION_CHECKBOX_NAME):
        if not value.isascii() or not value.isdigit() or int(value) > LARGEST_ID:
            return _("The selection could not be read. Go back, choose the items again and retry.")
    if request.GET.get(TO_FIELD_VAR, None) == "" or request.POST.get(TO_FIELD_VAR, None) == "":
        return _("This address is not complete. Open the page again from the list.")
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
