"""Bulk creation of staff training accounts from a CSV file."""

import csv
import io
import logging
import secrets
from dataclasses import dataclass, field

from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.models import Group
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from portal.accounts.models import ROLE_GROUP_NAMES, Profession, Role, Team, User
from portal.accounts.roles import STAFF_ROLES

CSV_COLUMNS = ("username", "email", "display_name", "profession", "team", "role")
MAX_IMPORT_ROWS = 20_000

logger = logging.getLogger(__name__)


class UserImportError(Exception):
    """The file cannot be imported; `errors` lists every problem with its line number."""

    def __init__(self, errors):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ImportedAccount:
    user: User
    temporary_password: str = ""


@dataclass
class ImportResult:
    accounts: list = field(default_factory=list)
    teams_created: list = field(default_factory=list)


def _choice_value(choices, raw):
    """Accept a choice by its value or its English label, ignoring case."""
    wanted = raw.strip().lower()
    for value, label in choices.choices:
        if wanted in {value.lower(), str(label).lower()}:
            return value
    return None


def _read_rows(text):
    # newline="" (as the csv module requires): a bare carriage return, as older spreadsheets
    # save them, ends a line like any other line break instead of crashing the reader.
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        return _parse_rows(reader)
    except csv.Error:
        # The csv module's own message is English and technical; say what to do instead.
        raise UserImportError(
            [
                _(
                    "line %(line)d: the file stops being readable as CSV here. Look on this "
                    "line and the ones above it for a quote mark that is never closed, or a "
                    "value that is far too long."
                )
                % {"line": max(reader.reader.line_num, 1)}
            ]
        ) from None


def _parse_rows(reader):
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [column for column in CSV_COLUMNS if column not in header]
    if missing:
        raise UserImportError(
            [
                _("line 1: missing column(s): %(columns)s. Expected: %(expected)s.")
                % {"columns": ", ".join(missing), "expected": ",".join(CSV_COLUMNS)}
            ]
        )
    # A column the import does not read (say "is_superuser") would be dropped without a
    # word, and the person preparing the file would believe it took effect.
    unknown = [column for column in header if column and column not in CSV_COLUMNS]
    if unknown:
        raise UserImportError(
            [
                _(
                    "line 1: unknown column(s): %(columns)s. Only these are read: "
                    "%(expected)s; remove the others (roles come from the role column)."
                )
                % {"columns": ", ".join(unknown), "expected": ",".join(CSV_COLUMNS)}
            ]
        )
    reader.fieldnames = header
    rows = []
    for row in reader:
        if len(rows) >= MAX_IMPORT_ROWS:
            raise UserImportError(
                [_("The file has more than %(max)d rows; split it.") % {"max": MAX_IMPORT_ROWS}]
            )
        if None in row or any(row.get(column) is None for column in CSV_COLUMNS):
            rows.append((reader.line_num, None))
            continue
        rows.append((reader.line_num, {k: (row[k] or "").strip() for k in CSV_COLUMNS}))
    if not rows:
        raise UserImportError([_("line 2: the file has a header but no accounts.")])
    return rows


def _validate(rows):
    errors = []
    valid = []
    seen = set()
    existing = {name.lower() for name in User.objects.values_list("username", flat=True)}
    username_validator = UnicodeUsernameValidator()
    for line, row in rows:
        if row is None:
            errors.append(_("line %(line)d: wrong number of columns.") % {"line": line})
            continue
        problems = []
        if any("\x00" in value for value in row.values()):
            # Not text at all, and PostgreSQL refuses to store it.
            problems.append(_("a value contains a NUL character; is this really a CSV file?"))
        username = row["username"]
        try:
            if not username:
                raise ValidationError(_("username is empty"))
            username_validator(username)
        except ValidationError:
            problems.append(_("invalid username %(name)r") % {"name": username})
        if username.lower() in existing:
            problems.append(_("username %(name)r already exists") % {"name": username})
        elif username.lower() in seen:
            problems.append(_("username %(name)r appears twice in the file") % {"name": username})
        seen.add(username.lower())
        if row["email"]:
            try:
                validate_email(row["email"])
            except ValidationError:
                problems.append(_("invalid e-mail %(email)r") % {"email": row["email"]})
        profession = _choice_value(Profession, row["profession"] or Profession.OTHER)
        if profession is None:
            problems.append(
                _("unknown profession %(value)r (use one of: %(choices)s)")
                % {"value": row["profession"], "choices": ", ".join(Profession.values)}
            )
        role = _choice_value(Role, row["role"] or Role.LEARNER)
        if role is None:
            problems.append(
                _("unknown role %(value)r (use one of: %(choices)s)")
                % {"value": row["role"], "choices": ", ".join(Role.values)}
            )
        if role == Role.SUPERVISOR and not row["team"]:
            problems.append(_("a supervisor needs a team to supervise"))
        if problems:
            errors.append(
                _("line %(line)d: %(problems)s") % {"line": line, "problems": "; ".join(problems)}
            )
        else:
            valid.append({**row, "profession": profession, "role": Role(role)})
    if errors:
        raise UserImportError(errors)
    return valid


def import_users(text, *, temporary_passwords=False, send_welcome=False, request=None):
    """Create every account in the CSV text, or none of them.

    Without temporary passwords, each account gets a random password nobody knows and signs
    in for the first time through a set-your-password e-mail (the password reset flow).
    """
    rows = _validate(_read_rows(text))
    result = ImportResult()
    groups = {
        role: Group.objects.get_or_create(name=name)[0] for role, name in ROLE_GROUP_NAMES.items()
    }
    teams = {team.name.lower(): team for team in Team.objects.all()}
    with transaction.atomic():
        for row in rows:
            team = None
            if row["team"]:
                team = teams.get(row["team"].lower())
                if team is None:
                    team = teams[row["team"].lower()] = Team.objects.create(name=row["team"])
                    result.teams_created.append(team.name)
            password = (
                secrets.token_urlsafe(9) if temporary_passwords else secrets.token_urlsafe(32)
            )
            user = User(
                username=row["username"],
                email=row["email"],
                display_name=row["display_name"],
                profession=row["profession"],
                team=team,
                is_staff=row["role"] in STAFF_ROLES,
                must_change_password=temporary_passwords,
            )
            user.set_password(password)
            user.save()
            user.groups.add(groups[Role.LEARNER], groups[row["role"]])
            if row["role"] == Role.SUPERVISOR:
                team.supervisors.add(user)
            result.accounts.append(ImportedAccount(user, password if temporary_passwords else ""))
        if send_welcome:
            emails = [account.user.email for account in result.accounts if account.user.email]
            transaction.on_commit(lambda: _send_welcome_emails(emails, request))
    return result


class QueuedWelcomeForm(PasswordResetForm):
    """The set-your-password e-mail, queued rather than sent: an import of a whole ward must
    not wait on the mail server (send_queued_mail sends it within minutes)."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email,
                  to_email, html_email_template_name=None):  # fmt: skip
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        EmailMessage(subject, body, from_email, [to_email]).send(using="queue")


def _send_welcome_emails(emails, request):
    # The accounts exist whatever happens to the mail server; a failure is logged so IT
    # can resend through "forgotten password".
    for email in emails:
        form = QueuedWelcomeForm({"email": email})
        if not form.is_valid():
            continue
        try:
            form.save(
                request=request,
                use_https=request.is_secure() if request else False,
                domain_override=None if request else "127.0.0.1:8000",
                subject_template_name="registration/welcome_subject.txt",
                email_template_name="registration/welcome_email.txt",
            )
        except Exception:
            logger.exception("Could not send the welcome e-mail to %s", email)
