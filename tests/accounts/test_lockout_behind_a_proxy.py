"""Behind a reverse proxy, the sign-in lockout keys on the client's address, not the
proxy's: tested through a real proxy process (the test's own, as nginx does it: it appends
the address it was connected from to X-Forwarded-For), with clients connecting from
different loopback addresses."""

import http.client
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from axes.models import AccessAttempt

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


def proxy_to(upstream):
    host, port = urlsplit(upstream).hostname, urlsplit(upstream).port

    class Proxy(BaseHTTPRequestHandler):
        def forward(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            seen = self.headers.get("X-Forwarded-For")
            client = self.client_address[0]
            headers["X-Forwarded-For"] = f"{seen}, {client}" if seen else client
            connection = http.client.HTTPConnection(host, port, timeout=10)
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
            self.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = forward

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def sign_in(port, source, username, password, spoofed=None):
    """One sign-in through the proxy on `port` from `source` (a loopback address): the
    status."""

    def request(method, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", port, source_address=(source, 0))
        connection.request(method, "/accounts/login/", body=body, headers=headers or {})
        response = connection.getresponse()
        return response, response.read().decode()

    extra = {"X-Forwarded-For": spoofed} if spoofed else {}
    page, html = request("GET", headers=extra)
    cookie = re.search(r"csrftoken=([^;]+)", page.getheader("Set-Cookie")).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    body = f"csrfmiddlewaretoken={token}&username={username}&password={password}"
    headers = {
        **extra,
        "Cookie": f"csrftoken={cookie}",
        "Content-Type": "application/x-www-form-urlencoded",
        "Referer": f"http://127.0.0.1:{port}/accounts/login/",
    }
    response, _ = request("POST", body=body, headers=headers)
    return response.status


@pytest.fixture
def proxy(live_server, settings):
    settings.PROXY_COUNT = 1
    settings.CSRF_TRUSTED_ORIGINS = ["http://127.0.0.1"]
    server = proxy_to(live_server.url)
    yield server.server_address[1]
    server.shutdown()


def test_an_attacker_elsewhere_cannot_lock_a_clinician_out(proxy, learner, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(proxy, "127.0.0.66", "nina", f"wrong {attempt}") == 200
    assert sign_in(proxy, "127.0.0.66", "nina", "wrong again") == 429  # the fifth locks
    assert sign_in(proxy, "127.0.0.66", "nina", PASSWORD) == 429  # locked there
    assert sign_in(proxy, "127.0.0.77", "nina", PASSWORD) == 302  # not from her own ward
    addresses = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert addresses == {"127.0.0.66"}  # never the proxy's 127.0.0.1


def test_a_spoofed_forwarded_header_neither_evades_nor_frames(proxy, learner, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        # The attacker writes a colleague's address; the proxy appends the real one.
        sign_in(proxy, "127.0.0.66", "nina", f"wrong {attempt}", spoofed="127.0.0.77")
    assert sign_in(proxy, "127.0.0.66", "nina", PASSWORD, spoofed="127.0.0.99") == 429
    assert sign_in(proxy, "127.0.0.77", "nina", PASSWORD) == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "10.0.0.66", "127.0.0.1"),  # no proxy: the header is the client's own writing
        (1, "10.0.0.66", "10.0.0.66"),
        (1, "10.0.0.77, 10.0.0.66", "10.0.0.66"),  # the left one was written by the client
        (2, "10.0.0.66, 10.0.0.5", "10.0.0.66"),
        (2, "10.0.0.66", "127.0.0.1"),  # shorter than the proxies make: not to be trusted
        (1, "not an address", "127.0.0.1"),
    ],
)
def test_the_client_address_is_read_behind_the_trusted_proxies(
    rf, settings, proxies, forwarded, expected
):
    from portal.accounts.client_address import client_address

    settings.PROXY_COUNT = proxies
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="127.0.0.1")
    assert client_address(request) == expected
