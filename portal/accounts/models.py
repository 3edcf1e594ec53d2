from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class Profession(models.TextChoices):
    NURSE = "nurse", _("Nurse")
    RESIDENT = "resident", _("Resident")
    ONCOLOGIST = "oncologist", _("Oncologist")
    PHARMACIST = "pharmacist", _("Pharmacist")
    OTHER = "other", _("Other")


class Role(models.TextChoices):
    """The roles of the portal. Each is a permission group of the same name."""

    LEARNER = "learner", _("Learner")
    CONTENT_EDITOR = "editor", _("Content editor")
    CLINICAL_REVIEWER = "reviewer", _("Clinical reviewer")
    SUPERVISOR = "supervisor", _("Supervisor")


# Group names are stored in the database, so they stay in English whatever the language.
ROLE_GROUP_NAMES = {
    Role.LEARNER: "Learner",
    Role.CONTENT_EDITOR: "Content editor",
    Role.CLINICAL_REVIEWER: "Clinical reviewer",
    Role.SUPERVISOR: "Supervisor",
}


class Team(models.Model):
    name = models.CharField(
        _("name"), max_length=120, help_text=_("For example: Oncology ward 7, night shift.")
    )
    supervisors = models.ManyToManyField(
        "accounts.User",
        blank=True,
        related_name="supervised_teams",
        verbose_name=_("supervisors"),
        help_text=_("Staff who may see this team's progress reports."),
    )

    class Meta:
        ordering = ("name", "id")
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(models.functions.Lower("name"), name="team_name_unique_ci"),
        ]
        permissions = [
            ("view_team_progress", _("Can see the progress of supervised teams")),
            # No role has it: a hospital grants it to the few who report on everyone.
            ("view_all_progress", _("Can see the progress of every learner")),
        ]

    def __str__(self):
        return self.name


class PortalUserManager(UserManager):
    """Django's user manager, under the name migration 0001 refers to."""


class User(AbstractUser):
    display_name = models.CharField(
        _("display name"),
        max_length=150,
        blank=True,
        help_text=_("How the portal addresses this person, e.g. 'Sam Okafor, RN'."),
    )
    email = models.EmailField(_("e-mail address"), blank=True)
    profession = models.CharField(
        _("profession"), max_length=20, choices=Profession, default=Profession.OTHER
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("team"),
        help_text=_("The team this person belongs to for progress reports."),
    )
    directory_dn = models.CharField(
        _("directory entry"),
        max_length=500,
        blank=True,
        editable=False,
        help_text=_(
            "Set when this person signs in with the hospital directory: sync_directory then "
            "deactivates the account once the entry is gone. Empty for local accounts."
        ),
    )
    oidc_subject = models.CharField(
        _("provider account"),
        max_length=255,
        blank=True,
        editable=False,
        help_text=_(
            "Set when this person first signs in with the hospital's identity provider (its "
            "stable 'sub' identifier): later sign-ins find this account by it, even after a "
            "change of user name there. Empty for accounts that never did."
        ),
    )
    credentials = models.CharField(
        _("professional credentials"),
        max_length=200,
        blank=True,
        help_text=_(
            "For clinical reviewers: qualifications and role as learners and certificates "
            "show them beside the name, e.g. 'MD, consultant medical oncologist'."
        ),
    )
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Ask for a new password at the next sign-in, before anything else."),
    )

    objects = PortalUserManager()

    class Meta:
        ordering = ("username",)
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(profession__in=Profession.values),
                name="user_profession_valid",
            ),
            # One portal account per provider account; "" is every account that never
            # signed in with the provider.
            models.UniqueConstraint(
                fields=["oidc_subject"],
                condition=~models.Q(oidc_subject=""),
                name="user_oidc_subject_unique",
                violation_error_message=_(
                    "This provider account is already linked to another portal account."
                ),
            ),
        ]

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username

    @property
    def name_with_credentials(self):
        return f"{self}, {self.credentials}" if self.credentials else str(self)

    @property
    def profession_label(self):
        # What get_profession_display() says, without rebuilding the whole choice list on
        # every call: the team report shows it on each of its rows.
        return Profession(self.profession).label
