"""The Node `oidc-provider` package run as a throwaway OpenID provider for the tests.

`npm ci` installs it once into a cache directory keyed by the lock file (the checkout stays
clean); each test starts `node provider.js PORT` on a free port and stops it afterwards.
"""

import hashlib
import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.accounts.test_nginx_in_front import free_port, wait_for

HERE = Path(__file__).parent
FILES = ("package.json", "package-lock.json", "provider.js")
CLIENT_ID = "teaching-portal"
CLIENT_SECRET = "test-only-client-secret"
NODE = shutil.which("node")
NPM = shutil.which("npm")


def installed_provider():
    if not (NODE and NPM):
        pytest.skip("node and npm are needed for the OpenID provider tests")
    digest = hashlib.sha256(b"".join((HERE / name).read_bytes() for name in FILES)).hexdigest()[
        :16
    ]
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    target = cache / "portal-oidc-provider" / digest
    if not (target / "node_modules").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        for name in FILES:
            shutil.copy(HERE / name, target / name)
        subprocess.run(
            [NPM, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=target,
            check=True,
            timeout=300,
        )
    return target


@contextmanager
def running_provider(redirect_uri, *, issuer=None, amr="", log_dir, accounts=None):
    """Yields the provider's base URL (also its issuer, unless another issuer is given).
    `accounts` is a JSON file of claims by login name (see provider.js), which the provider
    reads again at each sign-in."""
    target = installed_provider()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "OIDC_TEST_ISSUER": issuer or base,
        "OIDC_TEST_CLIENT_ID": CLIENT_ID,
        "OIDC_TEST_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_TEST_REDIRECT_URI": redirect_uri,
        "OIDC_TEST_AMR": amr,
        "OIDC_TEST_ACCOUNTS": str(accounts or ""),
    }
    log = (log_dir / "oidc-provider.log").open("w")
    process = subprocess.Popen(
        [NODE, "provider.js", str(port)], cwd=target, env=env, stdout=log, stderr=log
    )
    try:
        wait_for(port)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def portal_environment(monkeypatch, base, *, issuer=None):
    """The OIDC_* variables a hospital would set, pointing at the test provider."""
    for name, value in {
        "OIDC_ISSUER": issuer or base,
        "OIDC_ALLOW_LOCAL_HTTP": "1",
        "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{base}/auth",
        "OIDC_OP_TOKEN_ENDPOINT": f"{base}/token",
        "OIDC_OP_JWKS_ENDPOINT": f"{base}/jwks",
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_PROVIDER_NAME": "St Mary's",
    }.items():
        monkeypatch.setenv(name, value)
