import json
import logging

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from portal.accounts.client_address import over_limit

logger = logging.getLogger(__name__)
# One statement that answers both "can I reach the database?" and "does it take writes?".
READ_ONLY_QUERY = {"postgresql": "SHOW transaction_read_only", "sqlite": "PRAGMA query_only"}
csp_logger = logging.getLogger("portal.csp")

# Reports logged per client address and minute: a page in a loop, or somebody flooding the
# endpoint, cannot fill the logs.
CSP_REPORTS_PER_MINUTE = 30


@login_not_required
@never_cache
@require_safe
def healthz(request):
    """For load balancers and monitoring: is this server able to answer from the database?"""
    try:
        with connection.cursor() as cursor:
            cursor.execute(READ_ONLY_QUERY[connection.vendor])
            read_only = str(cursor.fetchone()[0]).lower() in {"1", "on"}
    except DatabaseError:
        logger.warning("Health check: the database did not answer", exc_info=True)
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    if read_only:  # it answers, but nobody's answers could be saved
        logger.warning("Health check: the database refuses writes")
        return JsonResponse({"status": "error", "database": "read-only"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_not_required
@never_cache
@require_safe
def liveness(request):
    """Is this process serving at all? No database, no session: the benchmark's baseline,
    and the probe a process supervisor can use without loading the database."""
    return JsonResponse({"status": "ok"})


@login_not_required
@csrf_exempt  # browsers send violation reports without a CSRF token
@require_POST
def csp_report(request):
    """Browsers post Content-Security-Policy violations here (the policy's report-uri, or the
    Reporting API's JSON list): each is logged as a warning, within CSP_REPORTS_PER_MINUTE."""
    if over_limit(request, "csp-report", limit=CSP_REPORTS_PER_MINUTE, window_seconds=60):
        return HttpResponse(status=429)
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return HttpResponse(status=400)
    items = data if isinstance(data, list) else [data]
    for item in items:
        report = item.get("csp-report") or item.get("body") if isinstance(item, dict) else None
        if not isinstance(report, dict):
            return HttpResponse(status=400)
        csp_logger.warning(
            "CSP violation: %s blocked by %s on %s",
            str(report.get("blocked-uri") or report.get("blockedURL") or "?")[:300],
            str(report.get("violated-directive") or report.get("effectiveDirective") or "?")[:100],
            str(report.get("document-uri") or report.get("documentURL") or "?")[:300],
        )
    return HttpResponse(status=204)
