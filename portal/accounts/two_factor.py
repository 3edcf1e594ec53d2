"""A second factor (TOTP, django-otp) for staff and supervisors, on the admin and the
reports, when DJANGO_REQUIRE_STAFF_2FA is on. Learners never see it."""

import io
from base64 import b32encode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key
from django_otp.qr import write_qrcode_image

from portal.accounts.roles import can_see_team_reports

PROTECTED_PREFIXES = ("/admin/", "/team/", "/editorial/", "/statistics/")


def needs_second_factor(user):
    # Staff, and anyone who sees other people's progress (by the rule the team report uses).
    return user.is_staff or user.is_superuser or can_see_team_reports(user)


def provider_gave_second_factor(request):
    """The OpenID provider said (in `amr`, with a value listed in OIDC_TRUST_AMR_MFA) that
    this sign-in already used a second factor: asking for another would only annoy."""
    return bool(request.session.get("oidc_amr_mfa"))


class StaffSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            settings.REQUIRE_STAFF_2FA
            and user.is_authenticated
            and request.path.startswith(PROTECTED_PREFIXES)
            and not user.is_verified()
            and not provider_gave_second_factor(request)
            and needs_second_factor(user)
        ):
            return redirect(f"{reverse('two-factor')}?next={request.path}")
        return self.get_response(request)


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("6-digit code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


SETUP_KEY = "two_factor_setup_key"


def _device(request):
    """The user's TOTP device: the confirmed one, or the one being set up. A new one is not
    saved while the page is only shown (no writes on GET): its key waits in the session, and
    django-otp saves the device at the first code entered."""
    device = TOTPDevice.objects.filter(user=request.user).order_by("-confirmed", "id").first()
    if device is not None:
        return device
    key = request.session.setdefault(SETUP_KEY, default_key())
    return TOTPDevice(user=request.user, name="authenticator", confirmed=False, key=key)


@never_cache
def two_factor(request):
    device = _device(request)
    form = TokenForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = reverse("home")
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            if not device.confirmed:
                device.confirmed = True
                device.save()
                request.session.pop(SETUP_KEY, None)
            otp_login(request, device)
            return redirect(next_url)
        messages.error(request, _("That code is not right (or has expired). Try the current one."))
    return render(
        request,
        "registration/two_factor.html",
        {
            "form": form,
            "setting_up": not device.confirmed,
            "secret": b32encode(device.bin_key).decode() if not device.confirmed else "",
            "next": next_url,
        },
    )


@never_cache
def two_factor_qr(request):
    device = _device(request)
    if device.confirmed:
        return HttpResponse(status=404)
    out = io.BytesIO()
    write_qrcode_image(device.config_url, out)
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")
