import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils.formats import date_format

from portal.env import env_bool, env_int, env_origins, parse_database_url, parse_email_url

BASE_DIR = Path(__file__).resolve().parents[2]


def load_settings(**env):
    """Import portal.settings in a fresh interpreter with exactly these variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE"))}
    return subprocess.run(
        [sys.executable, "-c", "import portal.settings"],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = load_settings(DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_it_starts_with_a_development_key_when_debug_is_on():
    assert load_settings(DJANGO_DEBUG="1").returncode == 0


def test_a_malformed_value_stops_start_up_naming_the_variable():
    result = load_settings(DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG" in result.stderr


def test_a_malformed_database_url_stops_start_up_naming_the_variable():
    result = load_settings(DJANGO_DEBUG="1", DATABASE_URL="mysql://db/portal")
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


@pytest.mark.parametrize("raw,expected", [("1", True), ("yes", True), ("off", False), ("", False)])
def test_env_bool_reads_the_usual_words(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG") is expected


def test_env_int_rejects_words_and_values_below_the_minimum(monkeypatch):
    monkeypatch.setenv("N", "ten")
    with pytest.raises(ImproperlyConfigured, match="N must be a whole number"):
        env_int("N", 1)
    monkeypatch.setenv("N", "-1")
    with pytest.raises(ImproperlyConfigured, match="at least 0"):
        env_int("N", 1, minimum=0)


def test_env_origins_rejects_a_host_without_scheme(monkeypatch):
    monkeypatch.setenv("ORIGINS", "https://ok.example.org,portal.example.org")
    with pytest.raises(ImproperlyConfigured, match="ORIGINS"):
        env_origins("ORIGINS")


def test_sqlite_urls_get_wal_a_busy_timeout_and_immediate_transactions(tmp_path):
    database = parse_database_url("DATABASE_URL", f"sqlite:///{tmp_path}/p.db", base_dir=tmp_path)
    assert database["NAME"] == tmp_path / "p.db"
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert database["OPTIONS"]["timeout"] >= 5
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]


def test_postgres_urls_are_split_into_their_parts(tmp_path):
    database = parse_database_url(
        "DATABASE_URL",
        "postgres://web:s%40cret@db.local:6432/portal?sslmode=require",
        base_dir=tmp_path,
    )
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["USER"], database["PASSWORD"]) == ("web", "s@cret")
    assert (database["HOST"], database["PORT"], database["NAME"]) == ("db.local", "6432", "portal")
    assert database["OPTIONS"] == {"sslmode": "require"}


@pytest.mark.parametrize("url", ["postgres://db.local:5432/", "postgres://db:port/x", "sqlite://"])
def test_incomplete_database_urls_are_refused(tmp_path, url):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        parse_database_url("DATABASE_URL", url, base_dir=tmp_path)


def test_email_urls_configure_an_smtp_mailer():
    mailer = parse_email_url("EMAIL_URL", "smtp://bot:pw@mail.local:587?starttls=1")
    assert mailer["OPTIONS"]["host"] == "mail.local"
    assert mailer["OPTIONS"]["port"] == 587
    assert mailer["OPTIONS"]["use_tls"] is True
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        parse_email_url("EMAIL_URL", "http://mail.local")


def test_redis_url_puts_the_cache_in_redis_and_reads_sessions_through_it():
    script = "import portal.settings as s; print(s.CACHES['default']['BACKEND'], s.SESSION_ENGINE)"
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE", "REDIS"))
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env={**env, "DJANGO_DEBUG": "1", "REDIS_URL": "redis://127.0.0.1:6379/3"},
        capture_output=True,
        text=True,
    )
    assert result.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "django.contrib.sessions.backends.cached_db",
    ]
    assert load_settings(DJANGO_DEBUG="1", REDIS_URL="localhost:6379").returncode != 0


def test_dates_read_the_british_way():
    assert date_format(date(2026, 5, 1), "SHORT_DATE_FORMAT") == "01/05/2026"
    assert date_format(datetime(2026, 5, 1, 14, 30), "SHORT_DATETIME_FORMAT") == "01/05/2026 14:30"
    assert date_format(date(2026, 5, 1)) == "1 May 2026"
