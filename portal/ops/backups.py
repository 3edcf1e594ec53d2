"""Backups of the whole database: pg_dump/pg_restore for PostgreSQL, SQLite's online backup
API for SQLite (a consistent copy even while learners are answering)."""

import os
import shutil
import sqlite3
import subprocess

from django.db import connection

from portal.content_cache import version


class BackupError(Exception):
    pass


def _pg_env():
    settings = connection.settings_dict
    env = {**os.environ, "PGDATABASE": settings["NAME"]}
    for key, name in (
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
    ):
        if settings.get(key):
            env[name] = str(settings[key])
    return env


def _run(command):
    if shutil.which(command[0]) is None:
        raise BackupError(
            f"{command[0]} is not installed (Debian: apt-get install postgresql-client)."
        )
    result = subprocess.run(command, env=_pg_env(), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(result.stderr.strip() or f"{command[0]} failed")


def backup(path):
    if connection.vendor == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(path)])
    else:
        connection.ensure_connection()
        with sqlite3.connect(path) as target:
            connection.connection.backup(target)
        target.close()


def restore(path):
    """Replace the database's content with the backup's. Stop the app servers first."""
    if not os.path.exists(path):
        raise BackupError(f"No backup at {path}.")
    before = version.read()
    if connection.vendor == "postgresql":
        connection.close()
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              "--dbname", connection.settings_dict["NAME"], str(path)])  # fmt: skip
    else:
        connection.ensure_connection()
        with sqlite3.connect(path) as source:
            source.backup(connection.connection)
        source.close()
    # The backup's content version is older than numbers the cache (Redis outlives the app
    # servers) may hold newer content under: move past every number used before.
    version.move_past(before)
