"""The address a request came from, behind the hospital's reverse proxies, and limits per
address.

Each trusted proxy (DJANGO_PROXY_COUNT of them: nginx, a load balancer) appends the address
it was connected from to X-Forwarded-For, so the client is the Nth address from the right;
anything further left was written by the client and cannot be trusted. Without proxies (or
with a header shorter than the proxies would make) it is REMOTE_ADDR. The sign-in lockout
(django-axes) and the CSP report limit key on it."""

import time
from ipaddress import ip_address

from django.conf import settings
from django.core.cache import cache


def client_address(request):
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.PROXY_COUNT
    if not proxies:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return remote
    candidate = forwarded[-proxies]
    try:
        return str(ip_address(candidate))
    except ValueError:  # a proxy that writes something else: keep to what we can trust
        return remote


def over_limit(request, name, *, limit, window_seconds):
    """Count one more `name` event from this request's client address in the current
    window of `window_seconds`: True once there have been more than `limit`."""
    key = f"{name}:{client_address(request)}:{int(time.time() // window_seconds)}"
    cache.add(key, 0, timeout=window_seconds * 2)
    return cache.incr(key) > limit
