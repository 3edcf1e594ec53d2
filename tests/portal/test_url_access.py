"""Deny by default: a view is public only if it is on this list, on purpose."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern

PUBLIC_VIEWS = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "healthz",
    "oidc_authentication_init",
    "oidc_authentication_callback",
    "liveness",
    "csp-report",
    "admin:login",
    "progress:certificate-verify",
}
# Public, and only for browsers to post to.
POST_ONLY = {"csp-report"}


def walk(patterns=None, namespace="", prefix=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            route = str(pattern.pattern) if isinstance(pattern.pattern, RoutePattern) else None
            yield from walk(
                pattern.url_patterns, inner, prefix + route if route is not None else None
            )
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else repr(pattern)
            is_route = prefix is not None and isinstance(pattern.pattern, RoutePattern)
            path = "/" + prefix + str(pattern.pattern) if is_route else None
            yield name, pattern.callback, path


ALL_VIEWS = list(walk())


def test_only_the_listed_views_opt_out_of_sign_in():
    public = {
        name for name, view, _ in ALL_VIEWS if getattr(view, "login_required", True) is False
    }
    assert public == PUBLIC_VIEWS


@pytest.mark.parametrize(
    "name,path",
    [(name, path) for name, _, path in ALL_VIEWS if path and "<" not in path],
)
def test_anonymous_visitors_are_sent_to_sign_in(client, db, name, path):
    response = client.get(path)
    if name in POST_ONLY:
        assert response.status_code == 405
    elif name in PUBLIC_VIEWS:
        assert response.status_code in {200, 302}
    else:
        assert response.status_code == 302, name
        assert response.url.startswith((reverse("login"), reverse("admin:login"))), name


def test_there_is_no_public_sign_up(client, db):
    assert not any("signup" in name or "register" in name for name, _, _ in ALL_VIEWS)
    assert client.get("/accounts/signup/").status_code == 404
