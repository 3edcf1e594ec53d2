"""What the portal makes of a person as the hospital's directory or identity provider
describes them: profession, team and roles.

One rule for both ways in (LDAP in directory.py, OpenID Connect in oidc.py), so a person gets
the same portal whichever way they sign in: everyone is a Learner; a role whose group is
configured follows the hospital's groups both ways at each sign-in; a role given in the
portal's admin without such a group is left alone; a supervisor supervises their own team.
"""

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction

from portal.accounts.models import ROLE_GROUP_NAMES, Profession, Role, Team
from portal.accounts.roles import STAFF_ROLES

TEAM_NAME_LENGTH = Team._meta.get_field("name").max_length


def profession_named(value):
    """The profession a directory value names, by code or by English label ("Nurse",
    "pharmacist"); anything else is Other, so an unexpected title never stops a sign-in."""
    wanted = value.strip().casefold()
    for profession in Profession:
        if wanted in (profession.value, str(profession.label).casefold()):
            return profession
    return Profession.OTHER


def team_named(name):
    """The team of that name (any case), created the first time someone of it signs in;
    None for no name."""
    name = name.strip()[:TEAM_NAME_LENGTH]
    if not name:
        return None
    team = Team.objects.filter(name__iexact=name).first()
    if team is not None:
        return team
    try:
        with transaction.atomic():
            return Team.objects.create(name=name)
    except IntegrityError:
        # Two colleagues of a new team signed in at the same moment: the other one made it.
        return Team.objects.get(name__iexact=name)


def apply_roles(user, *, role_groups, member_of):
    """Give and take the roles whose group is configured; everyone is a learner.

    role_groups maps a Role to the group that gives it, as the directory or the provider
    names it; member_of is the set of groups the person is in, named the same way (read
    before calling, so that no database lock waits on the directory).
    """
    held = {Role(role) for role, group in role_groups.items() if group in member_of}
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
