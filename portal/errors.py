"""The portal's own answer to an unhandled error (urls.handler500).

A database that cannot take the request (read-only after a failover, a full disk, a restart
or a dropped connection) is not a bug in the portal: the person is told the portal cannot
save right now and that their earlier answers are safe, with a 503 that monitoring and load
balancers read as "try again", wherever in the request it happened (a view, or the session
saved on the way out).

Either page carries the headers every other page has, set here rather than left to the
middleware: the error may come from a middleware (the session or the signed-in person read
from a database that is down), and then the middleware that frames and caching headers come
from never sees the response."""

import sys

from django.conf import settings
from django.db import InternalError, OperationalError
from django.http import HttpResponseServerError
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.views.defaults import server_error

# What PostgreSQL (read-only transaction, disk full) and SQLite (read-only file, locked)
# raise when they cannot write; an IntegrityError or a ProgrammingError is a bug: a 500.
CANNOT_WRITE = (OperationalError, InternalError)
RETRY_AFTER_SECONDS = 60


def handler500(request):
    error = sys.exc_info()[1]
    if isinstance(error, CANNOT_WRITE):
        # Rendered without the request, as Django's own 500 page is: the context processors
        # (the signed-in person, the menu) would ask the database that has just failed.
        response = HttpResponseServerError(loader.get_template("503.html").render())
        response.status_code = 503
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    else:
        response = server_error(request)
    # Never framed, never kept by a browser or a proxy: the page may follow a signed-in one.
    response["X-Frame-Options"] = settings.X_FRAME_OPTIONS
    add_never_cache_headers(response)
    response["Cache-Control"] += ", private"
    return response
