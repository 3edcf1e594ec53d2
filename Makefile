# Two commands for a fresh machine: `make run` and `make test`. See README.md.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The first Python >= 3.12 on the PATH (pyenv honours .python-version: 3.13).
PYTHON ?= $(shell for p in python3 python3.13 python3.12; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	&& { echo $$p; break; }; done)
DEV_ENV := DJANGO_DEBUG=1

.PHONY: ldap-headers run serve test test-browser bench lint format install migrate demo check-deploy backup restore clean

$(BIN)/python:
	@if [ -z "$(PYTHON)" ]; then \
		echo "Python 3.12 or newer is needed and none was found on the PATH."; \
		echo "Install it (e.g. 'apt-get install python3' on Debian 13, or 'pyenv install 3.13') and run make again."; \
		exit 1; fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# python-ldap (directory sign-in) has no wheels: pip compiles it against OpenLDAP's and SASL's
# headers. On Debian as root they are installed here, so a fresh machine still needs only
# `make run`; elsewhere the message names what to install.
LDAP_HEADERS := /usr/include/ldap.h /usr/include/sasl/sasl.h
ldap-headers:
	@for header in $(LDAP_HEADERS); do [ -f $$header ] || missing=1; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "Installing libldap2-dev and libsasl2-dev (python-ldap is compiled against them)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libldap2-dev libsasl2-dev; \
		else \
			echo "python-ldap needs OpenLDAP's and SASL's headers: apt-get install libldap2-dev libsasl2-dev"; \
			echo "(or your system's openldap-devel and cyrus-sasl-devel), then run make again."; \
			exit 1; \
		fi; \
	fi

# Reinstall only when a requirements file changed, so a second `make run` is fast.
$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python ldap-headers
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed

migrate: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --no-input

demo: migrate
	$(DEV_ENV) $(BIN)/python manage.py load_curriculum
	$(DEV_ENV) $(BIN)/python manage.py create_demo_accounts

run: demo
	@echo "Serving on http://127.0.0.1:$(PORT)  (Ctrl+C to stop)"
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The browser tests (tests/browser, marker "browser") need Debian's Chromium; without it they
# are left out, and the last line says so.
test: install
	@if command -v chromium >/dev/null 2>&1; then \
		$(BIN)/python -m pytest $(PYTEST_ARGS); \
	else \
		status=0; $(BIN)/python -m pytest -m "not browser" $(PYTEST_ARGS) || status=$$?; \
		echo "NOTE: the browser tests were SKIPPED: Chromium is not installed (apt-get install chromium)."; \
		exit $$status; \
	fi

# Only the browser tests (Playwright driving Debian's Chromium); screenshots in var/screenshots/.
test-browser: install
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Chromium is not installed, so the browser tests cannot run: apt-get install chromium"; \
		exit 1; }
	$(BIN)/python -m pytest tests/browser -m browser $(PYTEST_ARGS)

# The benchmark (bench/README.md): gunicorn under wrk on SQLite and PostgreSQL, about
# 10 minutes at size S. BENCH_ARGS passes options, e.g. BENCH_ARGS="--size M".
bench: install
	@command -v wrk >/dev/null 2>&1 || { echo "The benchmark needs wrk: apt-get install -y wrk postgresql-client"; exit 1; }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	$(BIN)/python bench/run.py $(or $(BENCH_ARGS),--size S)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# What a production configuration must pass; uses a throwaway key.
check-deploy: install
	DJANGO_SECRET_KEY=$$($(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))") \
	DJANGO_ALLOWED_HOSTS=portal.example.org EMAIL_URL=smtp://mail.example.org:587 \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

# Production: settings come from the environment (README, "Deploying"); nothing here is
# development-only. Static files are collected with hashed names for whitenoise.
serve: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	$(BIN)/gunicorn portal.wsgi -c gunicorn.conf.py

# A consistent copy of the database in var/backups/ (pg_dump, or SQLite's backup API).
backup: install
	$(BIN)/python manage.py backup_database

# make restore FILE=var/backups/portal-....dump  (stop the app servers first)
restore: install
	@test -n "$(FILE)" || { echo "Say which backup: make restore FILE=var/backups/..."; exit 1; }
	$(BIN)/python manage.py restore_database "$(FILE)"

clean:
	rm -rf $(VENV) var
