"""Typed readers for environment variables.

Each reader raises ImproperlyConfigured naming the variable, so a typo in a deployment
stops start-up with a message the hospital IT person can act on.
"""

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import ldap
import ldap.dn
from django.core.exceptions import ImproperlyConfigured
from django_auth_ldap.config import GroupOfNamesType, LDAPSearch, NestedGroupOfNamesType

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_str(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of {sorted(TRUE_WORDS | FALSE_WORDS - {''})}, not {raw!r}."
    )


def env_int(name, default, *, minimum=None):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}.")
    return value


def env_list(name, default=()):
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_origins(name):
    origins = env_list(name)
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ImproperlyConfigured(
                f"{name} must list origins such as https://portal.example.org, not {origin!r}."
            )
    return origins


def parse_database_url(name, url, *, base_dir):
    """Turn sqlite:///path or postgres://user:pass@host:port/db into a DATABASES entry."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path.removeprefix("/")) if parts.netloc == "" else ""
        if not path:
            raise ImproperlyConfigured(
                f"{name} must look like sqlite:///var/portal.sqlite3, not {url!r}."
            )
        db_path = Path(path)
        if not db_path.is_absolute():
            db_path = base_dir / db_path
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": db_path,
            # WAL lets readers work while one learner writes; IMMEDIATE takes the write
            # lock at BEGIN so two writers queue on the busy timeout instead of one of
            # them failing with "database is locked" halfway through a transaction.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    if parts.scheme in {"postgres", "postgresql", "pgsql"}:
        database = unquote(parts.path.removeprefix("/"))
        if not database:
            raise ImproperlyConfigured(
                f"{name} must name a database, e.g. postgres://user@host:5432/portal, not {url!r}."
            )
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(f"{name} has an invalid port: {url!r}.") from None
        options = dict(parse_qsl(parts.query))
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": database,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "OPTIONS": options,
        }
    raise ImproperlyConfigured(
        f"{name} must start with sqlite:/// or postgres://, not {url.split(':')[0]!r}."
    )


def parse_email_url(name, url):
    """Turn smtp://user:pass@host:587?starttls=1, smtps://... or console:// into a mailer."""
    parts = urlsplit(url)
    if parts.scheme == "console":
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise ImproperlyConfigured(
            f"{name} must look like smtp://user:password@mail.example.org:587?starttls=1, "
            f"smtps://... or console://, not {url.split(':')[0]!r}."
        )
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured(f"{name} has an invalid port.") from None
    query = dict(parse_qsl(parts.query))
    starttls = query.get("starttls", "0").lower() in TRUE_WORDS
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": parts.hostname,
            "port": port or (465 if parts.scheme == "smtps" else 25),
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_ssl": parts.scheme == "smtps",
            "use_tls": starttls,
            "timeout": 10,
        },
    }


def _ldap_urls(name, raw):
    # python-ldap takes several servers separated by spaces and tries them in turn.
    urls = raw.split()
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in {"ldap", "ldaps"} or not parts.hostname:
            raise ImproperlyConfigured(
                f"{name} must look like ldaps://dc1.hospital.example or "
                f"ldap://dc1.hospital.example:389, not {url!r}."
            )
        try:
            _ = parts.port
        except ValueError:
            raise ImproperlyConfigured(f"{name} has an invalid port: {url!r}.") from None
    return urls


# Active Directory's account name, leaving out disabled accounts (bit 2 of
# userAccountControl): a leaver whose account IT disabled is then refused at once, and
# sync_directory deactivates them as if removed.
ACTIVE_DIRECTORY_USER_FILTER = (
    "(&(sAMAccountName=%(user)s)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))"
)
# Groups of both kinds: Active Directory's (objectClass group) and OpenLDAP's groupOfNames
# list their members as DNs in the member attribute.
GROUP_FILTER = "(|(objectClass=group)(objectClass=groupOfNames))"
# Directory groups that give a portal role, by variable (the role names are Role's values).
ROLE_GROUP_VARIABLES = {
    "editor": "LDAP_EDITOR_GROUP",
    "reviewer": "LDAP_REVIEWER_GROUP",
    "supervisor": "LDAP_SUPERVISOR_GROUP",
}


def _ldap_dn(name, required=False):
    """A distinguished name in its normal form (how django-auth-ldap compares them), or ""."""
    raw = env_str(name).strip()
    if not raw:
        if required:
            raise ImproperlyConfigured(f"{name} must be set when the directory groups are used.")
        return ""
    try:
        parts = ldap.dn.str2dn(raw)
    except ldap.DECODING_ERROR:
        parts = []
    if not parts:
        raise ImproperlyConfigured(
            f"{name} must be a distinguished name such as "
            f"CN=MBC-Learners,OU=Groups,DC=hospital,DC=example, not {raw!r}."
        )
    return ldap.dn.dn2str(parts).lower()


def _ldap_attribute(name):
    value = env_str(name).strip()
    if value and not value.replace("-", "").isalnum():
        raise ImproperlyConfigured(
            f"{name} must be one attribute name, such as department or title, not {value!r}."
        )
    return value


def _directory_groups():
    """The group settings: the portal's own group (everyone else is refused) and the groups
    that give each role. All optional; any of them needs LDAP_GROUP_SEARCH_BASE."""
    required_group = _ldap_dn("LDAP_REQUIRE_GROUP")
    role_groups = {role: _ldap_dn(name) for role, name in ROLE_GROUP_VARIABLES.items()}
    role_groups = {role: dn for role, dn in role_groups.items() if dn}
    if not (required_group or role_groups):
        return {"DIRECTORY_ROLE_GROUPS": {}}
    group_base = _ldap_dn("LDAP_GROUP_SEARCH_BASE", required=True)
    nested = env_bool("LDAP_NESTED_GROUPS", default=False)
    return {
        "AUTH_LDAP_GROUP_SEARCH": LDAPSearch(group_base, ldap.SCOPE_SUBTREE, GROUP_FILTER),
        # Nested groups cost one search per level; only asked for where IT nests them.
        "AUTH_LDAP_GROUP_TYPE": NestedGroupOfNamesType() if nested else GroupOfNamesType(),
        "AUTH_LDAP_REQUIRE_GROUP": required_group or None,
        "DIRECTORY_ROLE_GROUPS": role_groups,
    }


def ldap_settings():
    """The AUTH_LDAP_* settings for django-auth-ldap, or {} when LDAP_URL is unset."""
    raw_url = env_str("LDAP_URL").strip()
    if not raw_url:
        return {}
    urls = _ldap_urls("LDAP_URL", raw_url)
    search_base = env_str("LDAP_USER_SEARCH_BASE").strip()
    if not search_base or "=" not in search_base:
        raise ImproperlyConfigured(
            "LDAP_USER_SEARCH_BASE must name where people are, e.g. "
            f"OU=Staff,DC=hospital,DC=example, not {search_base!r}."
        )
    user_filter = env_str("LDAP_USER_FILTER").strip() or ACTIVE_DIRECTORY_USER_FILTER
    if "%(user)s" not in user_filter or not (
        user_filter.startswith("(") and user_filter.endswith(")")
    ):
        raise ImproperlyConfigured(
            "LDAP_USER_FILTER must be a parenthesised filter containing %(user)s, e.g. "
            f"(sAMAccountName=%(user)s) or (uid=%(user)s), not {user_filter!r}."
        )
    bind_dn = env_str("LDAP_BIND_DN").strip()
    bind_password = env_str("LDAP_BIND_PASSWORD")
    if bind_password and not bind_dn:
        raise ImproperlyConfigured("LDAP_BIND_PASSWORD is set but LDAP_BIND_DN is not.")
    ca_file = env_str("LDAP_CA_FILE").strip()
    if ca_file and not Path(ca_file).is_file():
        raise ImproperlyConfigured(f"LDAP_CA_FILE names no readable file: {ca_file!r}.")
    start_tls = env_bool("LDAP_START_TLS", default=False)
    if start_tls and any(url.startswith("ldaps://") for url in urls):
        raise ImproperlyConfigured(
            "LDAP_START_TLS is on but LDAP_URL is already ldaps://; use one or the other."
        )
    timeout = env_int("LDAP_TIMEOUT_SECONDS", 5, minimum=1)

    options = {
        # Without these a directory that stops answering holds every sign-in worker.
        ldap.OPT_NETWORK_TIMEOUT: timeout,
        ldap.OPT_TIMEOUT: timeout,
        # Active Directory answers searches from the domain root with referrals that
        # python-ldap would chase anonymously, and fail.
        ldap.OPT_REFERRALS: 0,
    }
    if ca_file:
        options[ldap.OPT_X_TLS_CACERTFILE] = ca_file
        options[ldap.OPT_X_TLS_REQUIRE_CERT] = ldap.OPT_X_TLS_DEMAND
        # The TLS options above only take effect in a fresh TLS context.
        options[ldap.OPT_X_TLS_NEWCTX] = 0
    user_attributes = {"first_name": "givenName", "last_name": "sn", "email": "mail"}
    user_attributes["display_name"] = _ldap_attribute("LDAP_DISPLAY_NAME_ATTRIBUTE") or (
        "displayName"
    )
    return {
        **_directory_groups(),
        # Which attribute names the person's profession and team (both optional).
        "DIRECTORY_PROFESSION_ATTRIBUTE": _ldap_attribute("LDAP_PROFESSION_ATTRIBUTE"),
        "DIRECTORY_TEAM_ATTRIBUTE": _ldap_attribute("LDAP_TEAM_ATTRIBUTE"),
        "AUTH_LDAP_SERVER_URI": " ".join(urls),
        "AUTH_LDAP_BIND_DN": bind_dn,
        "AUTH_LDAP_BIND_PASSWORD": bind_password,
        "AUTH_LDAP_START_TLS": start_tls,
        "AUTH_LDAP_CONNECTION_OPTIONS": options,
        "AUTH_LDAP_USER_SEARCH": LDAPSearch(search_base, ldap.SCOPE_SUBTREE, user_filter),
        "AUTH_LDAP_USER_ATTR_MAP": user_attributes,
        # A person's name and e-mail follow the directory at each sign-in.
        "AUTH_LDAP_ALWAYS_UPDATE_USER": True,
    }


PASSWORD_SIGNIN_CHOICES = ("everyone", "superusers-only")


def env_password_signin(name):
    value = env_str(name, "everyone").strip().lower() or "everyone"
    if value not in PASSWORD_SIGNIN_CHOICES:
        raise ImproperlyConfigured(
            f"{name} must be one of {list(PASSWORD_SIGNIN_CHOICES)}, not {value!r}."
        )
    return value
