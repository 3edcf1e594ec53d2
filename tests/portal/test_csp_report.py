"""Content-Security-Policy violations reported by browsers are logged, within a limit."""

import json
import logging

from django.urls import reverse

VIOLATION = {
    "csp-report": {
        "document-uri": "https://portal.hospital.example/lessons/",
        "violated-directive": "script-src",
        "blocked-uri": "https://cdn.example/x.js",
    }
}


def post(client, body, content_type="application/csp-report"):
    return client.post(reverse("csp-report"), body, content_type=content_type)


def test_every_page_asks_browsers_to_report_violations(client, db):
    policy = client.get(reverse("login")).headers["Content-Security-Policy"]
    assert "report-uri /csp-report/" in policy


def test_a_report_is_logged_without_signing_in(client, db, caplog):
    with caplog.at_level(logging.WARNING, logger="portal.csp"):
        response = post(client, json.dumps(VIOLATION))
    assert response.status_code == 204
    assert "https://cdn.example/x.js blocked by script-src on" in caplog.text


def test_the_reporting_apis_list_is_read_too(client, db, caplog):
    report = {
        "type": "csp-violation",
        "body": {"blockedURL": "inline", "effectiveDirective": "style-src"},
    }
    with caplog.at_level(logging.WARNING, logger="portal.csp"):
        response = post(client, json.dumps([report]), "application/reports+json")
    assert response.status_code == 204 and "inline blocked by style-src" in caplog.text


def test_a_malformed_report_is_a_400_and_a_get_is_refused(client, db):
    assert post(client, "not json").status_code == 400
    assert post(client, json.dumps({"something": "else"})).status_code == 400
    assert client.get(reverse("csp-report")).status_code == 405


def test_a_flood_of_reports_is_cut_off(client, db, settings):
    from portal.views import CSP_REPORTS_PER_MINUTE

    statuses = [
        post(client, json.dumps(VIOLATION)).status_code for _ in range(CSP_REPORTS_PER_MINUTE + 2)
    ]
    assert statuses[:CSP_REPORTS_PER_MINUTE] == [204] * CSP_REPORTS_PER_MINUTE
    assert statuses[-1] == 429
