"""Debian's nginx in front of the portal, configured as the README's example, with
DJANGO_PROXY_COUNT=1: failed sign-ins lock out the address they came from, not the proxy's,
so a victim elsewhere still signs in; an X-Forwarded-For the client writes itself is not
believed; and clients that send their request slowly are held by nginx, not by the portal.

nginx runs as a throwaway process of the test's own (its configuration, logs and temporary
files under the test's directory, one process, no root paths) on a free port, in front of
pytest-django's live server. Clients connect to it from different loopback addresses
(127.0.0.66, 127.0.0.77), which nginx sees as their addresses, as it would see two wards'."""

import shutil
import socket
import subprocess
import time

import pytest
from axes.models import AccessAttempt

from tests.accounts.test_lockout_behind_a_proxy import sign_in
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("nginx", path="/usr/sbin:/usr/bin"), reason="no nginx"),
]
ATTACKER, VICTIM = "127.0.0.66", "127.0.0.77"
CONFIG = """
daemon off;
master_process off;
error_log {root}/error.log warn;
pid {root}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 6m;
        location / {{
            proxy_pass {upstream};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-For {forwarded_for};
        }}
    }}
}}
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nginx did not start listening on {port}")


# The README's example replaces the header ($remote_addr); nginx's common default appends to
# what the client sent ($proxy_add_x_forwarded_for). With one trusted proxy both are safe.
@pytest.fixture(params=["$remote_addr", "$proxy_add_x_forwarded_for"])
def nginx(request, live_server, settings, tmp_path):
    settings.PROXY_COUNT = 1
    settings.CSRF_TRUSTED_ORIGINS = ["http://127.0.0.1"]
    port = free_port()
    config = tmp_path / "nginx.conf"
    config.write_text(
        CONFIG.format(
            root=tmp_path, port=port, upstream=live_server.url, forwarded_for=request.param
        )
    )
    nginx_binary = shutil.which("nginx", path="/usr/sbin:/usr/bin")
    process = subprocess.Popen(
        [nginx_binary, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for(port)
    except AssertionError:
        process.kill()
        raise AssertionError(process.communicate()[1].decode()) from None
    yield port
    process.terminate()
    process.wait(timeout=10)


def test_failed_sign_ins_lock_out_the_attackers_address_not_the_victims(nginx, learner, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(nginx, ATTACKER, "nina", f"wrong {attempt}") == 200
    assert sign_in(nginx, ATTACKER, "nina", "wrong again") == 429  # the fifth locks
    assert sign_in(nginx, ATTACKER, "nina", PASSWORD) == 429  # locked from there
    assert sign_in(nginx, VICTIM, "nina", PASSWORD) == 302  # she signs in from her ward
    addresses = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert addresses == {ATTACKER}  # never nginx's 127.0.0.1


def test_a_forwarded_for_header_written_by_the_client_is_not_believed(nginx, learner, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        # The attacker writes the victim's address to frame it, then another to evade.
        sign_in(nginx, ATTACKER, "nina", f"wrong {attempt}", spoofed=VICTIM)
    assert sign_in(nginx, ATTACKER, "nina", PASSWORD, spoofed="127.0.0.99") == 429
    assert sign_in(nginx, VICTIM, "nina", PASSWORD) == 302
    addresses = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert addresses == {ATTACKER}


def test_slow_clients_are_held_by_nginx_not_by_the_portal(nginx, learner):
    """Slowloris: clients that open connections and send their headers a byte at a time.
    nginx waits for a whole request before it asks the portal, so the portal's workers
    (gunicorn's sync workers in production) never wait on them."""
    slow = []
    for _ in range(20):
        connection = socket.create_connection(("127.0.0.1", nginx), timeout=5)
        connection.sendall(b"GET /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: ")
        slow.append(connection)
    try:
        started = time.monotonic()
        assert sign_in(nginx, VICTIM, "nina", PASSWORD) == 302
        assert time.monotonic() - started < 5
    finally:
        for connection in slow:
            connection.close()
