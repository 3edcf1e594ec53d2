from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.utils.translation import gettext_lazy as _


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view, which also clears the 'must change password' flag."""

    def form_valid(self, form):
        form.user.must_change_password = False  # saved by form.save() in super()
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)
