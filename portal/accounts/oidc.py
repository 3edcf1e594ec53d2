"""Sign-in with the hospital's OpenID Connect provider (Entra ID, ADFS, Keycloak...).

mozilla-django-oidc checks the state and the nonce and the token's signature against the
provider's JWKS; it does not check who issued the token, for whom, or until when, so the
backend below does. It also gives the person the profession, team and roles the token's
claims name, by the same rule as the directory (provisioning.py), and links the portal
account to the provider's account by its stable `sub`, not only by user name.
"""

import logging
import time

import requests
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from portal.accounts.provisioning import apply_roles, profession_named, team_named

LOGGER = logging.getLogger(__name__)
# Minutes of clock difference tolerated between the provider and the portal.
CLOCK_SKEW_SECONDS = 120
SESSION_AMR_MFA = "oidc_amr_mfa"
# Set on the request when the person is outside OIDC_REQUIRE_GROUP, so the sign-in page can
# say so rather than "did not succeed".
OUTSIDE_PORTAL_GROUP = "oidc_outside_portal_group"
SUBJECT_LENGTH = 255  # OpenID Connect Core 1.0, 2: "MUST NOT exceed 255 ASCII characters"
USERNAME_LENGTH = 150  # the user model's username


def claim_text(claims, name):
    """A claim's value as text: a string, or the first string of a list; else ""."""
    value = claims.get(name) if name else None
    if isinstance(value, list):
        value = next((item for item in value if isinstance(item, str)), None)
    return value.strip() if isinstance(value, str) else ""


def claim_groups(claims):
    """The groups the person is in, as the groups claim holds them (one group may come as a
    plain string, as ADFS sends it)."""
    value = claims.get(settings.OIDC_GROUPS_CLAIM)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return set()
    return {item.strip() for item in value if isinstance(item, str)}


def groups_left_out(claims):
    """Entra ID leaves the groups out of the token for someone in more than 200 groups
    ("overage"), pointing at Microsoft Graph instead: reading that as "in no group" would
    take their roles away, so such a sign-in is refused (the README says how to avoid it)."""
    names = claims.get("_claim_names")
    return isinstance(names, dict) and settings.OIDC_GROUPS_CLAIM in names


class OIDCBackend(OIDCAuthenticationBackend):
    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        if payload.get("iss") != settings.OIDC_ISSUER:
            raise SuspiciousOperation(f"ID token issued by {payload.get('iss')!r}.")
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token issued for another client.")
        expires = payload.get("exp")
        if not isinstance(expires, int | float) or expires + CLOCK_SKEW_SECONDS < time.time():
            raise SuspiciousOperation("ID token expired.")
        return payload

    def get_user(self, user_id):
        # The library loads deactivated people too; like ModelBackend, sign them out.
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None

    def get_userinfo(self, access_token, id_token, payload):
        # The signed ID token already carries the profile claims (scope "profile email"),
        # which spares a second request and a userinfo endpoint variable.
        if self.OIDC_OP_USER_ENDPOINT:
            return {**payload, **super().get_userinfo(access_token, id_token, payload)}
        return payload

    def verify_claims(self, claims):
        subject = claims.get("sub")
        if not (isinstance(subject, str) and 0 < len(subject) <= SUBJECT_LENGTH):
            return False
        username = claims.get(settings.OIDC_USERNAME_CLAIM)
        if not (isinstance(username, str) and 0 < len(username.strip()) <= USERNAME_LENGTH):
            return False
        uses_groups = bool(settings.OIDC_ROLE_GROUPS or settings.OIDC_REQUIRE_GROUP)
        if uses_groups and groups_left_out(claims):
            LOGGER.warning(
                "OIDC sign-in of %r refused: the provider left the groups out of the token "
                "(Entra ID's groups overage).",
                subject,
            )
            return False
        required = settings.OIDC_REQUIRE_GROUP
        if required and required not in claim_groups(claims):
            LOGGER.info("OIDC sign-in of %r refused: outside %r.", subject, required)
            if getattr(self, "request", None) is not None:
                setattr(self.request, OUTSIDE_PORTAL_GROUP, True)
            return False
        return True

    def filter_users_by_claims(self, claims):
        """The account linked to the provider's account (`sub`), else the one of the same
        user name if it is linked to no other provider account."""
        subject = claims["sub"]
        username = claims[settings.OIDC_USERNAME_CLAIM].strip()
        users = self.UserModel.objects.filter(oidc_subject=subject)
        if not users:
            users = self.UserModel.objects.filter(username__iexact=username)
            if any(user.oidc_subject not in ("", subject) for user in users):
                # The user name moved to another provider account (a reused UPN): it must
                # not inherit the account, and its records, of the person who had it.
                raise SuspiciousOperation(
                    f"{username!r} is linked to another provider account than {subject!r}."
                )
        # The provider's accounts are not the portal's: a provider account that happens to
        # bear the break-glass superuser's name must not become that superuser.
        if any(user.is_superuser for user in users):
            raise SuspiciousOperation(f"{username!r} is a superuser: password sign-in only.")
        return users

    def create_user(self, claims):
        with transaction.atomic():
            user = self.UserModel.objects.create_user(
                username=claims[settings.OIDC_USERNAME_CLAIM].strip(),
                oidc_subject=claims["sub"],
            )
            return self.update_user(user, claims)

    def update_user(self, user, claims):
        # Name and e-mail follow the provider at each sign-in; so do profession, team and
        # roles, where the claims that carry them are configured.
        user.first_name = (claims.get("given_name") or user.first_name)[:150]
        user.last_name = (claims.get("family_name") or user.last_name)[:150]
        user.email = claims.get("email") or user.email
        user.oidc_subject = claims["sub"]
        if settings.OIDC_PROFESSION_CLAIM:
            user.profession = profession_named(claim_text(claims, settings.OIDC_PROFESSION_CLAIM))
        if settings.OIDC_TEAM_CLAIM:
            user.team = team_named(claim_text(claims, settings.OIDC_TEAM_CLAIM))
        with transaction.atomic():
            user.save(
                update_fields=[
                    "first_name",
                    "last_name",
                    "email",
                    "oidc_subject",
                    "profession",
                    "team",
                ]
            )
            apply_roles(
                user, role_groups=settings.OIDC_ROLE_GROUPS, member_of=claim_groups(claims)
            )
        trusted = set(settings.OIDC_TRUST_AMR_MFA)
        amr = claims.get("amr") or []
        user.amr_mfa = bool(trusted and isinstance(amr, list) and trusted & set(amr))
        return user


def is_configured():
    return bool(getattr(settings, "OIDC_ISSUER", ""))


class OIDCStartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider, with a fresh state and nonce in the session."""

    def __init__(self, *args, **kwargs):
        # The library reads its settings here; without a provider there is nothing to read.
        if is_configured():
            super().__init__(*args, **kwargs)

    def get(self, request):
        if not is_configured():
            return redirect("login")
        return super().get(request)


class OIDCCallbackView(OIDCAuthenticationCallbackView):
    """The provider's redirect back: any failure (forged or replayed state, a token from
    another issuer, expired or badly signed, the provider unreachable) lands on the sign-in
    page with a plain message, never an error page."""

    def get(self, request):
        if not is_configured():
            return redirect("login")
        try:
            return super().get(request)
        except (
            SuspiciousOperation,
            requests.RequestException,
            ValueError,
            IntegrityError,  # two first sign-ins of one person at the same moment
        ) as exc:
            LOGGER.warning("OIDC sign-in refused: %s", exc)
            return self.login_failure()

    def login_success(self):
        response = super().login_success()
        backend = getattr(self.user, "backend", "")
        if backend.endswith("OIDCBackend"):
            self.request.session[SESSION_AMR_MFA] = bool(getattr(self.user, "amr_mfa", False))
        return response

    def login_failure(self):
        if getattr(self.request, OUTSIDE_PORTAL_GROUP, False):
            message = _(
                "Your %(provider)s account is not one of those allowed to use the teaching "
                "portal. Please ask the IT service desk to add you."
            )
        else:
            message = _(
                "Signing in with %(provider)s did not succeed. Please try again, or ask the "
                "IT service desk if it keeps happening."
            )
        messages.error(self.request, message % {"provider": settings.OIDC_PROVIDER_NAME})
        return super().login_failure()
