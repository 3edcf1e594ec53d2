from django.shortcuts import redirect
from django.urls import reverse

# The pages a person who must choose a new password may still reach.
ALLOWED_URL_NAMES = {"password_change", "password_change_done", "logout"}


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
