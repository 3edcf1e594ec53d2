import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

# The pages a person who must choose a new password may still reach.
ALLOWED_URL_NAMES = {
    "password_change",
    "password_change_done",
    "logout",
    "two-factor",
    "two-factor-qr",
}


class PasswordChangeRequiredMiddleware:
    """Send accounts flagged 'must change password' to the password form first."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.allowed_paths = None

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.must_change_password:
            if self.allowed_paths is None:
                self.allowed_paths = {reverse(name) for name in ALLOWED_URL_NAMES}
            if request.path not in self.allowed_paths:
                return redirect("password_change")
        return self.get_response(request)


def start_idle_clock(sender, request, user, **kwargs):
    """Connected to user_logged_in: a fresh sign-in starts both clocks."""
    if request is not None and hasattr(request, "session"):
        request.session["last_seen"] = request.session["signed_in_at"] = int(time.time())


class SessionTimeoutMiddleware:
    """End a sign-in after SESSION_IDLE_SECONDS without a request, and SESSION_COOKIE_AGE
    after it began, however active it has been: saving the session (the last-seen time,
    written at most once a minute) moves the cookie's expiry forward, so the absolute limit
    is kept here, from the sign-in time."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get("last_seen", now)
            # Sessions begun before the sign-in time was kept count from now.
            signed_in_at = request.session.setdefault("signed_in_at", now)
            if now - signed_in_at > settings.SESSION_COOKIE_AGE:
                return self.sign_out(
                    request,
                    _("Your sign-in has ended after %(hours)d hours: please sign in again.")
                    % {"hours": settings.SESSION_COOKIE_AGE // 3600},
                )
            if now - last_seen > settings.SESSION_IDLE_SECONDS:
                return self.sign_out(
                    request, _("You were signed out after a period of inactivity.")
                )
            if now - last_seen >= 60:
                request.session["last_seen"] = now
        return self.get_response(request)

    @staticmethod
    def sign_out(request, message):
        logout(request)
        messages.info(request, message)
        return redirect(f"{reverse('login')}?next={request.path}")


class NoStoreForSignedInMiddleware:
    """Pages for a signed-in person (quiz answers, progress, the admin) must not be kept by
    the browser or a proxy, where the next person at a shared computer could see them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            add_never_cache_headers(response)
            response.headers["Cache-Control"] += ", private"
        return response
