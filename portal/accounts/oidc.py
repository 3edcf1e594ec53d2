"""Sign-in with the hospital's OpenID Connect provider (Entra ID, ADFS, Keycloak...).

mozilla-django-oidc checks the state and the nonce and the token's signature against the
provider's JWKS; it does not check who issued the token, for whom, or until when, so the
backend below does.
"""

import logging
import time

import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import Group
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from portal.accounts.models import ROLE_GROUP_NAMES, Role

LOGGER = logging.getLogger(__name__)
# Minutes of clock difference tolerated between the provider and the portal.
CLOCK_SKEW_SECONDS = 120
SESSION_AMR_MFA = "oidc_amr_mfa"


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
        return bool(claims.get(settings.OIDC_USERNAME_CLAIM))

    def filter_users_by_claims(self, claims):
        username = claims.get(settings.OIDC_USERNAME_CLAIM)
        users = self.UserModel.objects.filter(username__iexact=username)
        # The provider's accounts are not the portal's: a provider account that happens to
        # bear the break-glass superuser's name must not become that superuser.
        if any(user.is_superuser for user in users):
            raise SuspiciousOperation(f"{username!r} is a superuser: password sign-in only.")
        return users

    def create_user(self, claims):
        with transaction.atomic():
            user = self.UserModel.objects.create_user(
                username=claims[settings.OIDC_USERNAME_CLAIM]
            )
            user.groups.add(Group.objects.get_or_create(name=ROLE_GROUP_NAMES[Role.LEARNER])[0])
            return self.update_user(user, claims)

    def update_user(self, user, claims):
        # Name and e-mail follow the provider at each sign-in.
        user.first_name = (claims.get("given_name") or user.first_name)[:150]
        user.last_name = (claims.get("family_name") or user.last_name)[:150]
        user.email = claims.get("email") or user.email
        user.save(update_fields=["first_name", "last_name", "email"])
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
        except (SuspiciousOperation, requests.RequestException, ValueError) as exc:
            LOGGER.warning("OIDC sign-in refused: %s", exc)
            return self.login_failure()

    def login_success(self):
        response = super().login_success()
        backend = getattr(self.user, "backend", "")
        if backend.endswith("OIDCBackend"):
            self.request.session[SESSION_AMR_MFA] = bool(getattr(self.user, "amr_mfa", False))
        return response

    def login_failure(self):
        messages.error(
            self.request,
            _(
                "Signing in with %(provider)s did not succeed. Please try again, or ask the "
                "IT service desk if it keeps happening."
            )
            % {"provider": settings.OIDC_PROVIDER_NAME},
        )
        return super().login_failure()
