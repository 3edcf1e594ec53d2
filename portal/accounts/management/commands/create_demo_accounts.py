from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.accounts.models import ROLE_GROUP_NAMES, Profession, Role, Team, User
from portal.accounts.roles import STAFF_ROLES

DEMO_TEAM = "Demo oncology ward"
# Passwords are public (printed, in the README): these accounts exist only with DEBUG on.
DEMO_ACCOUNTS = [
    ("learner", "Alex Learner, RN", Profession.NURSE, Role.LEARNER, "learner-demo-pass"),
    ("learner2", "Jo Resident", Profession.RESIDENT, Role.LEARNER, "learner-demo-pass"),
    ("editor", "Eli Editor", Profession.PHARMACIST, Role.CONTENT_EDITOR, "editor-demo-pass"),
    (
        "reviewer",
        "Dr Rae Reviewer",
        Profession.ONCOLOGIST,
        Role.CLINICAL_REVIEWER,
        "reviewer-demo-pass",
    ),
    ("supervisor", "Sam Supervisor", Profession.NURSE, Role.SUPERVISOR, "supervisor-demo-pass"),
]
DEMO_ADMIN = ("admin", "IT Admin", "admin-demo-pass")


class Command(BaseCommand):
    help = "Create one demo account per role (development only: refused when DEBUG is off)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Demo accounts have public passwords; they are only created with DJANGO_DEBUG=1."
            )
        with transaction.atomic():
            team, _ = Team.objects.get_or_create(name=DEMO_TEAM)
            learner_group, _ = Group.objects.get_or_create(name=ROLE_GROUP_NAMES[Role.LEARNER])
            rows = []
            for username, display_name, profession, role, password in DEMO_ACCOUNTS:
                user, created = User.objects.get_or_create(
                    username=username,
                    defaults={
                        "display_name": display_name,
                        "profession": profession,
                        "team": team,
                        "email": f"{username}@example.org",
                        "is_staff": role in STAFF_ROLES,
                    },
                )
                if created:
                    user.set_password(password)
                    user.save()
                group, _ = Group.objects.get_or_create(name=ROLE_GROUP_NAMES[role])
                user.groups.add(learner_group, group)
                if role == Role.SUPERVISOR:
                    team.supervisors.add(user)
                rows.append((username, password, ROLE_GROUP_NAMES[role]))
            username, display_name, password = DEMO_ADMIN
            if not User.objects.filter(username=username).exists():
                User.objects.create_superuser(
                    username=username,
                    password=password,
                    display_name=display_name,
                    email="admin@example.org",
                )
            rows.append((username, password, "Superuser (IT)"))
        self.stdout.write("Demo accounts (development only):")
        for username, password, role in rows:
            self.stdout.write(f"  {username:<11} {password:<22} {role}")
