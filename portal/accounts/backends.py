"""Sign-in backends: the hospital directory (django-auth-ldap) and local passwords."""

import ldap
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django_auth_ldap.backend import LDAPBackend, ldap_error

# Set on the request when the directory did not answer, so the sign-in form can say so
# instead of "wrong password".
DIRECTORY_DOWN = "directory_unavailable"


class DirectoryBackend(LDAPBackend):
    """django-auth-ldap's backend; its settings come from portal.env.ldap_settings()."""


def _note_directory_down(sender, context, user, request, exception, **kwargs):
    if request is not None and isinstance(exception, (ldap.SERVER_DOWN, ldap.TIMEOUT)):
        setattr(request, DIRECTORY_DOWN, True)


ldap_error.connect(_note_directory_down, sender=DirectoryBackend)


class PasswordBackend(ModelBackend):
    """Django's ModelBackend; with DJANGO_PASSWORD_SIGNIN=superusers-only only superusers
    (IT's break-glass account) may sign in with a local password."""

    def user_can_authenticate(self, user):
        only_superusers = settings.PASSWORD_SIGNIN == "superusers-only"
        if only_superusers and not user.is_superuser:
            return False
        return super().user_can_authenticate(user)
