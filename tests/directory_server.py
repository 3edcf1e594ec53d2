"""A real OpenLDAP server (Debian's slapd) for the directory tests: a throwaway directory in
the test's own folder, loaded from slapd/hospital.ldif, on a free local port, configured as
an Active Directory would be searched (sAMAccountName, disabled accounts left out)."""

import contextlib
import shutil
import socket
import subprocess
import time
from pathlib import Path

import ldap
import pytest
from django.contrib.auth.models import Group

from portal.accounts.models import ROLE_GROUP_NAMES

SLAPD = shutil.which("slapd", path="/usr/sbin:/usr/bin")
SLAPD_FILES = Path(__file__).parent / "accounts" / "slapd"
SUFFIX = "dc=hospital,dc=example"
ADMIN_DN, ADMIN_PASSWORD = f"cn=admin,{SUFFIX}", "directory-admin-pw"
READER_DN, READER_PASSWORD = f"cn=portal-reader,ou=Service,{SUFFIX}", "reader-secret-pw"
GROUPS = f"ou=Groups,{SUFFIX}"

CONFIG = """
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
include {schema}
pidfile {root}/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 10485760
suffix "{suffix}"
rootdn "{admin_dn}"
rootpw {admin_password}
directory {root}/data
{tls}
# As a hospital directory would: nobody reads without signing in, nobody reads passwords.
access to attrs=userPassword by anonymous auth by * none
access to * by users read by * none
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Directory:
    def __init__(self, url, process):
        self.url = url
        self.process = process

    def connect(self):
        connection = ldap.initialize(self.url)
        connection.simple_bind_s(ADMIN_DN, ADMIN_PASSWORD)
        return connection

    def remove_from_group(self, group_cn, person_cn):
        self.connect().modify_s(
            f"cn={group_cn},{GROUPS}",
            [(ldap.MOD_DELETE, "member", [f"cn={person_cn},ou=Staff,{SUFFIX}".encode()])],
        )

    def add_to_group(self, group_cn, person_cn):
        self.connect().modify_s(
            f"cn={group_cn},{GROUPS}",
            [(ldap.MOD_ADD, "member", [f"cn={person_cn},ou=Staff,{SUFFIX}".encode()])],
        )

    def replace(self, person_cn, attribute, value):
        self.connect().modify_s(
            f"cn={person_cn},ou=Staff,{SUFFIX}",
            [(ldap.MOD_REPLACE, attribute, [value.encode()])],
        )

    def delete_person(self, person_cn):
        dn = f"cn={person_cn},ou=Staff,{SUFFIX}"
        connection = self.connect()
        for group in ("MBC-Learners", "MBC-Editors", "MBC-Supervisors"):
            with contextlib.suppress(ldap.NO_SUCH_ATTRIBUTE):
                connection.modify_s(
                    f"cn={group},{GROUPS}", [(ldap.MOD_DELETE, "member", [dn.encode()])]
                )
        connection.delete_s(dn)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def make_certificates(folder):
    """A throwaway hospital CA and a server certificate it signed for 127.0.0.1."""
    openssl = shutil.which("openssl")
    if not openssl:
        pytest.skip("openssl is not installed")

    def run(*args):
        subprocess.run([openssl, *args], check=True, capture_output=True, cwd=folder)

    run(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=Example Hospital test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    )
    run(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    )
    (folder / "san.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    run(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "san.cnf",
        "-out",
        "server.pem",
    )
    return folder / "ca.pem"


@pytest.fixture
def slapd(request, tmp_path):
    """slapd on ldap://; for tests marked directory_tls, with a certificate from a test CA,
    also on ldaps:// and offering StartTLS."""
    if not SLAPD:
        pytest.skip("Debian's slapd is not installed (apt-get install slapd ldap-utils)")
    (tmp_path / "data").mkdir()
    tls = ""
    ca_file = None
    if request.node.get_closest_marker("directory_tls"):
        ca_file = make_certificates(tmp_path)
        tls = (
            f"TLSCACertificateFile {ca_file}\n"
            f"TLSCertificateFile {tmp_path / 'server.pem'}\n"
            f"TLSCertificateKeyFile {tmp_path / 'server.key'}\n"
        )
    config = tmp_path / "slapd.conf"
    config.write_text(
        CONFIG.format(
            schema=SLAPD_FILES / "ad-accounts.schema",
            root=tmp_path,
            suffix=SUFFIX,
            admin_dn=ADMIN_DN,
            admin_password=ADMIN_PASSWORD,
            tls=tls,
        )
    )
    subprocess.run(
        [
            shutil.which("slapadd", path="/usr/sbin:/usr/bin"),
            "-q",
            "-f",
            config,
            "-l",
            SLAPD_FILES / "hospital.ldif",
        ],
        check=True,
        capture_output=True,
    )
    port, tls_port = free_port(), free_port()
    url = f"ldap://127.0.0.1:{port}"
    listen = f"{url} ldaps://127.0.0.1:{tls_port}" if ca_file else url
    # -d 0: in the foreground, so the process is the server and stops with the test.
    process = subprocess.Popen(
        [SLAPD, "-f", config, "-h", listen, "-d", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    directory = Directory(url, process)
    directory.ldaps_url = f"ldaps://127.0.0.1:{tls_port}"
    directory.ca_file = ca_file
    deadline = time.monotonic() + 10
    while True:
        try:
            directory.connect()
            break
        except ldap.SERVER_DOWN as error:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"slapd did not start: {process.stderr.read()!r}") from error
            time.sleep(0.05)
    yield directory
    directory.stop()


@pytest.fixture
def directory_environment(slapd):
    """The LDAP_* variables for the test directory, as the README's example sets them."""
    return {
        "LDAP_URL": slapd.url,
        "LDAP_BIND_DN": READER_DN,
        "LDAP_BIND_PASSWORD": READER_PASSWORD,
        "LDAP_USER_SEARCH_BASE": f"ou=Staff,{SUFFIX}",
        "LDAP_GROUP_SEARCH_BASE": GROUPS,
        "LDAP_REQUIRE_GROUP": f"CN=MBC-Learners,{GROUPS}",
        "LDAP_EDITOR_GROUP": f"CN=MBC-Editors,{GROUPS}",
        "LDAP_SUPERVISOR_GROUP": f"CN=MBC-Supervisors,{GROUPS}",
        "LDAP_PROFESSION_ATTRIBUTE": "title",
        "LDAP_TEAM_ATTRIBUTE": "department",
        "LDAP_TIMEOUT_SECONDS": "2",
    }


@pytest.fixture
def configure_directory(settings, monkeypatch):
    """Configure the portal from LDAP_* variables, as it is at start-up."""
    from portal.env import ldap_settings

    def configure(environment):
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        for name, value in ldap_settings().items():
            setattr(settings, name, value)
        settings.AUTHENTICATION_BACKENDS = [
            "axes.backends.AxesStandaloneBackend",
            "portal.accounts.backends.DirectoryBackend",
            "portal.accounts.backends.PasswordBackend",
        ]
        # Transactional tests flush the groups the migrations made.
        for name in ROLE_GROUP_NAMES.values():
            Group.objects.get_or_create(name=name)

    return configure


@pytest.fixture
def directory(slapd, directory_environment, configure_directory):
    """The portal signing in against the test directory."""
    configure_directory(directory_environment)
    return slapd
