"""What the hospital directory decides about a person.

At each directory sign-in, and each night through sync_directory, a person's name, e-mail,
profession, team and roles are copied from their directory entry (the mapping is in the
README's directory section). Roles whose directory group is configured follow the directory
both ways; roles given in the portal without such a group are left alone.
"""

import logging

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction

from portal.accounts.models import ROLE_GROUP_NAMES, Profession, Role, Team
from portal.accounts.roles import STAFF_ROLES

logger = logging.getLogger(__name__)


def first_value(attrs, name):
    values = attrs.get(name) if name and attrs else None
    return values[0].strip() if values else ""


def profession_named(value):
    """The profession a directory value names, by code or by English label ("Nurse",
    "pharmacist"); anything else is Other, so an unexpected title never stops a sign-in."""
    wanted = value.casefold()
    for profession in Profession:
        if wanted in (profession.value, str(profession.label).casefold()):
            return profession
    return Profession.OTHER


def team_named(name):
    """The team of that name (any case), created the first time someone of it signs in."""
    team = Team.objects.filter(name__iexact=name).first()
    if team is not None:
        return team
    try:
        with transaction.atomic():
            return Team.objects.create(name=name)
    except IntegrityError:
        # Two colleagues of a new team signed in at the same moment: the other one made it.
        return Team.objects.get(name__iexact=name)


def copy_entry(user, ldap_user):
    """Before the user is saved: the fields django-auth-ldap's attribute map does not cover."""
    attrs = ldap_user.attrs
    user.directory_dn = ldap_user.dn
    if settings.DIRECTORY_PROFESSION_ATTRIBUTE:
        user.profession = profession_named(
            first_value(attrs, settings.DIRECTORY_PROFESSION_ATTRIBUTE)
        )
    if settings.DIRECTORY_TEAM_ATTRIBUTE:
        team_name = first_value(attrs, settings.DIRECTORY_TEAM_ATTRIBUTE)[:120]
        user.team = team_named(team_name) if team_name else None


def in_portal_group(ldap_user):
    required = getattr(settings, "AUTH_LDAP_REQUIRE_GROUP", None)
    return required is None or required in ldap_user.group_dns


def apply_roles(user, ldap_user):
    """Give and take the roles whose directory group is configured; everyone is a learner."""
    role_groups = settings.DIRECTORY_ROLE_GROUPS
    # Read from the directory before the transaction, so no database lock waits on it.
    group_dns = ldap_user.group_dns if role_groups else set()
    held = {Role(role) for role, dn in role_groups.items() if dn in group_dns}
    groups = {
        role: Group.objects.get_or_create(name=ROLE_GROUP_NAMES[role])[0]
        for role in (Role.LEARNER, *map(Role, role_groups))
    }
    with transaction.atomic():
        user.groups.add(groups[Role.LEARNER])
        for role in map(Role, role_groups):
            if role in held:
                user.groups.add(groups[role])
            else:
                user.groups.remove(groups[role])
        staff_names = [ROLE_GROUP_NAMES[role] for role in STAFF_ROLES]
        is_staff = user.is_superuser or user.groups.filter(name__in=staff_names).exists()
        if is_staff != user.is_staff:
            user.is_staff = is_staff
            user.save(update_fields=["is_staff"])
        if Role.SUPERVISOR in held and user.team_id:
            user.team.supervisors.add(user)
