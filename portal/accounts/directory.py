"""What the hospital directory decides about a person.

At each directory sign-in, and each night through sync_directory, a person's name, e-mail,
profession, team and roles are copied from their directory entry (the mapping is in the
README's directory section); what they mean for the person's roles is decided in
provisioning.py, the same for OpenID Connect.
"""

import logging

from django.conf import settings

from portal.accounts.provisioning import apply_roles, profession_named, team_named

logger = logging.getLogger(__name__)


def first_value(attrs, name):
    values = attrs.get(name) if name and attrs else None
    return values[0].strip() if values else ""


def copy_entry(user, ldap_user):
    """Before the user is saved: the fields django-auth-ldap's attribute map does not cover."""
    attrs = ldap_user.attrs
    user.directory_dn = ldap_user.dn
    if settings.DIRECTORY_PROFESSION_ATTRIBUTE:
        user.profession = profession_named(
            first_value(attrs, settings.DIRECTORY_PROFESSION_ATTRIBUTE)
        )
    if settings.DIRECTORY_TEAM_ATTRIBUTE:
        user.team = team_named(first_value(attrs, settings.DIRECTORY_TEAM_ATTRIBUTE))


def in_portal_group(ldap_user):
    required = getattr(settings, "AUTH_LDAP_REQUIRE_GROUP", None)
    return required is None or required in ldap_user.group_dns


def apply_directory_roles(user, ldap_user):
    """The roles of the directory groups the person is in (the rule is in provisioning)."""
    role_groups = settings.DIRECTORY_ROLE_GROUPS
    # Read from the directory before the transaction, so no database lock waits on it.
    group_dns = ldap_user.group_dns if role_groups else set()
    apply_roles(user, role_groups=role_groups, member_of=group_dns)
