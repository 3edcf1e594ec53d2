from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.accounts.backends import DIRECTORY_DOWN
from portal.accounts.client_address import client_address

MAX_CSV_BYTES = 5 * 1024 * 1024


class UserImportForm(forms.Form):
    csv_file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: username,email,display_name,profession,team,role. "
            "Nothing is imported if any row has a problem."
        ),
    )
    temporary_passwords = forms.BooleanField(
        label=_("Give each account a temporary password (shown once after import)"),
        required=False,
        help_text=_("They must choose their own password at first sign-in."),
    )
    send_welcome = forms.BooleanField(
        label=_("E-mail each new account a link to set their password"),
        required=False,
        initial=True,
    )

    def clean_csv_file(self):
        upload = self.cleaned_data["csv_file"]
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                _("The file is not UTF-8 text. Save it from your spreadsheet as 'CSV UTF-8'.")
            ) from None


class SignInForm(AuthenticationForm):
    """Django's sign-in form, refusing an address that has failed too often across all
    usernames (credential spraying). The lockout of one username from one address is
    django-axes'; this limit is far higher, so a ward computer shared by many is not caught."""

    failures_per_address = 30

    error_messages = {
        **AuthenticationForm.error_messages,
        "directory_down": _(
            "The hospital directory is not answering, so staff accounts cannot be checked "
            "just now. Please try again in a few minutes; if it goes on, call the IT "
            "service desk."
        ),
        "spraying": _(
            "Too many failed sign-ins have come from this computer. Sign-in from here is "
            "paused for 15 minutes; ask your hospital IT service desk if you need help now."
        ),
    }

    def clean(self):
        from axes.models import AccessAttempt

        since = timezone.now() - settings.AXES_COOLOFF_TIME
        failures = (
            AccessAttempt.objects.filter(
                ip_address=client_address(self.request), attempt_time__gte=since
            ).aggregate(total=Sum("failures_since_start"))["total"]
            or 0
        )
        if failures >= self.failures_per_address:
            raise forms.ValidationError(self.error_messages["spraying"], code="spraying")
        return super().clean()

    def get_invalid_login_error(self):
        # The password may well be right: say the directory is down, not "wrong password".
        if getattr(self.request, DIRECTORY_DOWN, False):
            return forms.ValidationError(
                self.error_messages["directory_down"], code="directory_down"
            )
        return super().get_invalid_login_error()
