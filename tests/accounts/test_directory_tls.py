"""Sign-in reaches the directory over TLS (ldaps:// or StartTLS) and checks its certificate
against the hospital CA in LDAP_CA_FILE: a directory whose certificate that CA did not sign
is not trusted with anyone's password."""

import pytest
from django.urls import reverse

from tests.directory_server import make_certificates

pytestmark = [pytest.mark.django_db, pytest.mark.directory_tls]


def signs_in(client):
    client.post(reverse("login"), {"username": "award", "password": "ana-directory-pw"})
    return client.get(reverse("home")).wsgi_request.user.is_authenticated


def test_ldaps_with_the_hospital_ca_signs_in(
    client, slapd, directory_environment, configure_directory
):
    configure_directory(
        {**directory_environment, "LDAP_URL": slapd.ldaps_url, "LDAP_CA_FILE": str(slapd.ca_file)}
    )
    assert signs_in(client)


def test_start_tls_with_the_hospital_ca_signs_in(
    client, slapd, directory_environment, configure_directory
):
    configure_directory(
        {**directory_environment, "LDAP_START_TLS": "1", "LDAP_CA_FILE": str(slapd.ca_file)}
    )
    assert signs_in(client)


def test_a_certificate_another_ca_signed_is_refused(
    client, slapd, directory_environment, configure_directory, tmp_path_factory
):
    other_ca = tmp_path_factory.mktemp("other-ca")
    configure_directory(
        {
            **directory_environment,
            "LDAP_URL": slapd.ldaps_url,
            "LDAP_CA_FILE": str(make_certificates(other_ca)),
        }
    )
    assert not signs_in(client)
