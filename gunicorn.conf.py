"""gunicorn settings for `make serve` and production (see README, "Deploying")."""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# Sync workers: each request is short and database-bound; two per core plus one.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
timeout = 30
graceful_timeout = 30
keepalive = 5
# Restart workers now and then, so a slow leak can never take a server down.
max_requests = 10000
max_requests_jitter = 1000
accesslog = "-"
errorlog = "-"
# One control socket per server: gunicorn's default (~/.gunicorn/gunicorn.ctl) is shared by
# every gunicorn of the same user on the machine, so a second server would take it over.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True
# The TLS proxy in front sets X-Forwarded-*; trust it only from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
