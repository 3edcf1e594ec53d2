from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.utils.translation import gettext_lazy as _

from portal.accounts.client_address import over_limit
from portal.accounts.oidc import SESSION_AMR_MFA, is_configured


class SignInView(auth_views.LoginView):
    """Django's sign-in page, with the provider's button beside the form when one is set, and
    words for directory accounts when the hospital directory signs people in."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["directory_sign_in"] = bool(getattr(settings, "AUTH_LDAP_SERVER_URI", ""))
        if is_configured():
            context["oidc_provider_name"] = settings.OIDC_PROVIDER_NAME
        return context

    def form_valid(self, form):
        # A password sign-in never inherits an earlier provider sign-in's second factor.
        self.request.session.pop(SESSION_AMR_MFA, None)
        return super().form_valid(form)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view, which also clears the 'must change password' flag."""

    def form_valid(self, form):
        form.user.must_change_password = False  # saved by form.save() in super()
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's view, with a limit per address: each request sends an e-mail, and thirty a
    second from one machine is somebody flooding inboxes, not a person who forgot."""

    requests_per_hour = 5

    def form_valid(self, form):
        if over_limit(
            self.request, "password-reset", limit=self.requests_per_hour, window_seconds=3600
        ):
            form.add_error(
                None,
                _(
                    "Too many reset requests have come from this computer in the last hour. "
                    "Try again later, or ask your hospital IT service desk."
                ),
            )
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().form_valid(form)
