from django import forms
from django.utils.translation import gettext_lazy as _

from portal.notifications.models import NoticeKind


class EmailChoicesForm(forms.Form):
    emailed = forms.MultipleChoiceField(
        label=_("E-mail me about"),
        choices=NoticeKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Everything still shows here and on your dashboard."),
    )
