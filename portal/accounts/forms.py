from django import forms
from django.utils.translation import gettext_lazy as _

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
