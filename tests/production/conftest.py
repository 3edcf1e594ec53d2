"""Fixtures for the production tests: collected static files, a database of the test's own on
the shared PostgreSQL server, and a throwaway PostgreSQL cluster."""

import os

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from tests.production import harness


@pytest.fixture(scope="session")
def static_root(tmp_path_factory):
    """`collectstatic` once per run, as a deployment does (hashed, compressed names), into a
    temporary folder rather than the working tree's var/static."""
    root = tmp_path_factory.mktemp("static")
    scratch = tmp_path_factory.mktemp("collectstatic-db")
    env = harness.production_env(
        database_url=f"sqlite:///{scratch / 'unused.sqlite3'}", static_root=root
    )
    harness.manage(env, "collectstatic", "--no-input", "-v", "0")
    assert (root / "staticfiles.json").exists()
    return root


def _shared_server_params():
    """How the suite reaches the shared PostgreSQL server (host, port, user from DATABASE_URL)."""
    settings = connection.settings_dict
    return {
        "host": settings["HOST"] or "127.0.0.1",
        "port": int(settings["PORT"] or 5432),
        "user": settings["USER"] or "postgres",
        "password": settings["PASSWORD"] or None,
    }


class SharedServerDatabase:
    def __init__(self, name):
        self.name = name
        self.params = _shared_server_params()

    @property
    def url(self):
        p = self.params
        auth = p["user"] + (f":{p['password']}" if p["password"] else "")
        return f"postgres://{auth}@{p['host']}:{p['port']}/{self.name}"

    def connect(self, database=None, **kwargs):
        return psycopg.connect(
            dbname=database or self.name, connect_timeout=5, **self.params, **kwargs
        )


@pytest.fixture
def shared_server_database():
    """An empty database `portal_prod_<pid>` on the shared server, dropped afterwards. Only a
    database is created and dropped: the server itself is never restarted."""
    database = SharedServerDatabase(f"portal_prod_{os.getpid()}")
    name = sql.Identifier(database.name)
    with database.connect("postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(name))
    yield database
    with database.connect("postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


@pytest.fixture
def throwaway_cluster():
    """A running PostgreSQL cluster in a temporary folder on its own port, with an empty
    database `portal`; stopped and deleted afterwards whatever happens."""
    cluster = harness.Cluster()
    try:
        cluster.init()
        cluster.start()
        with cluster.connect(autocommit=True) as admin:
            admin.execute("CREATE DATABASE portal")
        yield cluster
    finally:
        cluster.destroy()
