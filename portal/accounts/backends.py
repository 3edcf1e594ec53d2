"""Sign-in backends: the hospital directory (django-auth-ldap) and local passwords."""

import ldap
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django_auth_ldap.backend import LDAPBackend, ldap_error, populate_user

from portal.accounts.directory import apply_directory_roles, copy_entry, in_portal_group
from portal.accounts.models import User

# Set on the request when the directory did not answer, so the sign-in form can say so
# instead of "wrong password".
DIRECTORY_DOWN = "directory_unavailable"


class DirectoryBackend(LDAPBackend):
    """django-auth-ldap's backend (settings from portal.env.ldap_settings()), giving each
    person the profession, team and roles their directory entry names."""

    def authenticate_ldap_user(self, ldap_user, password):
        user = super().authenticate_ldap_user(ldap_user, password)
        if user is not None:
            apply_directory_roles(user, ldap_user)
        return user

    def get_user(self, user_id):
        # LDAPBackend loads deactivated people too; like ModelBackend, sign them out.
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None

    def refresh(self, username):
        """The person's entry copied from the directory again (sync_directory), or None when
        the directory no longer lists them or they left the portal's group."""
        user = self.populate_user(username)
        if user is None or not in_portal_group(user.ldap_user):
            return None
        apply_directory_roles(user, user.ldap_user)
        return user


def _copy_entry(sender, user, ldap_user, **kwargs):
    copy_entry(user, ldap_user)


def _note_directory_down(sender, context, user, request, exception, **kwargs):
    if request is not None and isinstance(exception, (ldap.SERVER_DOWN, ldap.TIMEOUT)):
        setattr(request, DIRECTORY_DOWN, True)


populate_user.connect(_copy_entry, sender=DirectoryBackend)
ldap_error.connect(_note_directory_down, sender=DirectoryBackend)


def failure_not_counted(request, credentials):
    """django-axes' whitelist hook: a directory account's failed sign-in is not counted
    towards its lockout while the directory is not answering (the nurse retrying during an
    outage is not locked out afterwards). A local password account's failures always count,
    or an outage would open the break-glass account to guessing."""
    if request is None or not getattr(request, DIRECTORY_DOWN, False):
        return False
    username = (credentials or {}).get("username", "")
    local = User.objects.filter(username__iexact=username, directory_dn="").exists()
    return not local


class PasswordBackend(ModelBackend):
    """Django's ModelBackend; with DJANGO_PASSWORD_SIGNIN=superusers-only only superusers
    (IT's break-glass account) may sign in with a local password."""

    def user_can_authenticate(self, user):
        only_superusers = settings.PASSWORD_SIGNIN == "superusers-only"
        if only_superusers and not user.is_superuser:
            return False
        return super().user_can_authenticate(user)
