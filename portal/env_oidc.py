"""OpenID Connect settings (mozilla-django-oidc) from OIDC_* environment variables.

The endpoints are required explicitly rather than discovered: discovery would need the
network while settings are imported, and a provider that is down would stop the portal.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from portal.env import env_bool, env_list, env_str

ENDPOINT_VARIABLES = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://login.microsoftonline.com/<tenant>/oauth2/v2.0/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token",
    "OIDC_OP_JWKS_ENDPOINT": "https://login.microsoftonline.com/<tenant>/discovery/v2.0/keys",
}
SIGN_ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512")
# The provider's groups that give a portal role, by variable (the role names are Role's values).
ROLE_GROUP_VARIABLES = {
    "editor": "OIDC_EDITOR_GROUP",
    "reviewer": "OIDC_REVIEWER_GROUP",
    "supervisor": "OIDC_SUPERVISOR_GROUP",
}


def _url(name, *, example, allow_local_http):
    raw = env_str(name).strip()
    parts = urlsplit(raw)
    # Plain http only to this machine, and only when asked for (the tests' provider): tokens
    # and client secrets must never cross the network unencrypted.
    local_http = (
        allow_local_http
        and parts.scheme == "http"
        and parts.hostname in {"127.0.0.1", "localhost"}
    )
    if not parts.netloc or not (parts.scheme == "https" or local_http):
        raise ImproperlyConfigured(f"{name} must be an https URL such as {example}, not {raw!r}.")
    return raw


def _claim(name, default="", *, example):
    """The name of one claim, or "" when the variable is unset and there is no default."""
    value = env_str(name, default).strip()
    if (default and not value) or any(char.isspace() or char == "," for char in value):
        raise ImproperlyConfigured(f"{name} must name one claim, e.g. {example}, not {value!r}.")
    return value


def _group(name):
    """A group as the provider's groups claim holds it (an Entra ID object id, a Keycloak
    group path, an ADFS group name), or "". One group: several would need a list."""
    raw = env_str(name)
    value = raw.strip()
    if "," in value or not value.isprintable():
        raise ImproperlyConfigured(
            f"{name} must be one group exactly as the groups claim holds it, e.g. "
            f"3f2b6a1e-8c4d-4e0f-9a7b-5d1c2e3f4a5b for Entra ID, not {raw!r}."
        )
    return value


def _provisioning():
    """Which claims carry the person's groups, profession and team, and which groups give
    the portal's roles (all optional, like the directory's)."""
    groups_claim = _claim("OIDC_GROUPS_CLAIM", "groups", example="groups or roles")
    role_groups = {role: _group(name) for role, name in ROLE_GROUP_VARIABLES.items()}
    return {
        "OIDC_GROUPS_CLAIM": groups_claim,
        "OIDC_REQUIRE_GROUP": _group("OIDC_REQUIRE_GROUP"),
        "OIDC_ROLE_GROUPS": {role: group for role, group in role_groups.items() if group},
        "OIDC_PROFESSION_CLAIM": _claim("OIDC_PROFESSION_CLAIM", example="jobTitle"),
        "OIDC_TEAM_CLAIM": _claim("OIDC_TEAM_CLAIM", example="department"),
    }


def oidc_settings():
    """The OIDC_* settings for mozilla-django-oidc, or {} when OIDC_ISSUER is unset."""
    if not env_str("OIDC_ISSUER").strip():
        return {}
    allow_local_http = env_bool("OIDC_ALLOW_LOCAL_HTTP", default=False)
    issuer = _url(
        "OIDC_ISSUER",
        example="https://login.microsoftonline.com/<tenant>/v2.0",
        allow_local_http=allow_local_http,
    )
    endpoints = {
        name: _url(name, example=example, allow_local_http=allow_local_http)
        for name, example in ENDPOINT_VARIABLES.items()
    }
    client_id = env_str("OIDC_CLIENT_ID").strip()
    if not client_id:
        raise ImproperlyConfigured("OIDC_CLIENT_ID must be set when OIDC_ISSUER is set.")
    client_secret = env_str("OIDC_CLIENT_SECRET")
    if not client_secret:
        raise ImproperlyConfigured("OIDC_CLIENT_SECRET must be set when OIDC_ISSUER is set.")
    provider_name = env_str("OIDC_PROVIDER_NAME").strip()
    if not provider_name:
        raise ImproperlyConfigured(
            "OIDC_PROVIDER_NAME must name the sign-in, e.g. 'the hospital', when OIDC_ISSUER "
            "is set."
        )
    algorithm = env_str("OIDC_RP_SIGN_ALGO", "RS256").strip() or "RS256"
    if algorithm not in SIGN_ALGORITHMS:
        raise ImproperlyConfigured(
            f"OIDC_RP_SIGN_ALGO must be one of {list(SIGN_ALGORITHMS)}, not {algorithm!r}."
        )
    username_claim = _claim(
        "OIDC_USERNAME_CLAIM", "preferred_username", example="preferred_username"
    )
    return {
        "OIDC_ISSUER": issuer,
        **endpoints,
        "OIDC_OP_USER_ENDPOINT": None,
        "OIDC_RP_CLIENT_ID": client_id,
        "OIDC_RP_CLIENT_SECRET": client_secret,
        "OIDC_RP_SIGN_ALGO": algorithm,
        "OIDC_RP_SCOPES": "openid email profile",
        "OIDC_USE_NONCE": True,
        "OIDC_USE_PKCE": True,
        "OIDC_PROVIDER_NAME": provider_name,
        "OIDC_USERNAME_CLAIM": username_claim,
        **_provisioning(),
        # The amr values that count as a second factor already given at the provider; empty
        # means the portal always asks staff for its own TOTP code.
        "OIDC_TRUST_AMR_MFA": env_list("OIDC_TRUST_AMR_MFA"),
        # Failures come back to the sign-in page, which shows the plain message.
        "LOGIN_REDIRECT_URL_FAILURE": "/accounts/login/",
    }
