"""The content version, and the cache entries kept under it.

Reading the version costs one query; it is kept in the cache for CONTENT_VERSION_SECONDS so
that a page pays nothing for it. With Redis every app server reads the same entry, so they all
move to a new version at the same moment, at most that long after the change was committed;
with the per-process cache each worker does so on its own, within the same bound. 0 reads it
on every request (the test suite does, so that a change shows on the very next request).

An entry kept under the version lives until the version moves, and never past the next
scheduled publication (a lesson with a future `publish_at` appears without anything being
written) nor past CONTENT_CACHE_SECONDS.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from education.models import Course, Lesson, Status
from portal.content_cache.models import ContentVersion
from quizzes.models import Quiz

VERSION_KEY = "content:version"
# Memcached refuses keys over 250 characters (Django warns for every backend); a slug from
# the address can be any length, so a longer key is kept under its digest.
LONGEST_KEY = 200
_MISSING = object()


def read():
    return ContentVersion.objects.values_list("number", flat=True).first() or 0


def move_past(number):
    """After a restore: a version no cache entry can have been kept under."""
    ContentVersion.objects.update_or_create(pk=1, defaults={"number": max(number, read()) + 1})
    cache.delete(VERSION_KEY)


def current():
    number = cache.get(VERSION_KEY) if settings.CONTENT_VERSION_SECONDS else None
    if number is None:
        number = read()
        if settings.CONTENT_VERSION_SECONDS:
            cache.set(VERSION_KEY, number, settings.CONTENT_VERSION_SECONDS)
    return number


def next_publication(now):
    """When the next scheduled course, lesson or quiz goes live, or None."""
    scheduled = [
        model.objects.filter(status=Status.PUBLISHED, publish_at__gt=now)
        .order_by()
        .values_list("publish_at", flat=True)
        for model in (Course, Lesson, Quiz)
    ]
    return scheduled[0].union(*scheduled[1:]).order_by("publish_at").first()


def lifetime(now=None):
    """How many whole seconds an entry built now may be kept (0: not at all)."""
    now = now or timezone.now()
    seconds = settings.CONTENT_CACHE_SECONDS
    upcoming = next_publication(now)
    if upcoming is not None:
        seconds = min(seconds, (upcoming - now).total_seconds())
    return max(0, int(seconds))


def cached(build, name, *parts):
    """`build()`, kept under the current content version and `name` and `parts` (which must
    say everything else the value depends on: a slug, the language, the date)."""
    key = ":".join(("content", str(current()), name, *map(str, parts)))
    if len(key) > LONGEST_KEY:
        key = f"content:{current()}:{name}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = build()
        seconds = lifetime()
        if seconds:
            cache.set(key, value, seconds)
    return value
