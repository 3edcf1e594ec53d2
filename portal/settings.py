"""Settings for the MBC teaching portal.

One file for every environment: each value that differs between a laptop and a hospital
server comes from an environment variable (see the configuration table in README.md).
"""

from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from portal.env import (
    env_bool,
    env_int,
    env_list,
    env_origins,
    env_password_signin,
    env_str,
    ldap_settings,
    parse_database_url,
    parse_email_url,
)
from portal.env_oidc import oidc_settings

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DJANGO_DEBUG", default=False)

# A development key is acceptable only while DEBUG is on; production must bring its own.
DEVELOPMENT_SECRET_KEY = "development-only-not-secret-6b1c4f0e"
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or (DEVELOPMENT_SECRET_KEY if DEBUG else "")
if not DEBUG and (len(SECRET_KEY) < 50 or SECRET_KEY == DEVELOPMENT_SECRET_KEY):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters when "
        'DJANGO_DEBUG is off. Generate one with: python -c "import secrets; '
        'print(secrets.token_urlsafe(50))"'
    )

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_origins("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "portal.accounts",
    "education",
    "quizzes",
    "portal.content_transfer",
    "portal.content_cache",
    "portal.progress",
    "portal.evaluations",
    "portal.ops",
    "portal.notifications",
    "portal.apps.PortalAdminConfig",  # django.contrib.admin with the portal's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "axes",
    "simple_history",
    "nested_admin",
    "django_otp",
    "django_otp.plugins.otp_totp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.accounts.middleware.SessionTimeoutMiddleware",
    "portal.accounts.middleware.PasswordChangeRequiredMiddleware",
    "portal.accounts.middleware.NoStoreForSignedInMiddleware",
    "portal.accounts.two_factor.StaffSecondFactorMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes goes last so it sees the outcome of the authentication attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.accounts.context_processors.staff_menu",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"
DATABASES = {"default": parse_database_url("DATABASE_URL", DATABASE_URL, base_dir=BASE_DIR)}
# Opening a connection costs more than most of our pages (PostgreSQL: a new backend;
# SQLite: the file and its pragmas); keep them, and check a kept one before use so a
# restarted database costs one failed check, not errors.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # A runaway query is stopped instead of holding a worker and its locks. JIT compilation
    # costs the team report's export more than it ever saves on a query of a few hundred
    # milliseconds (bench/README.md).
    timeout_ms = env_int("DATABASE_STATEMENT_TIMEOUT_MS", 30_000, minimum=0)
    DATABASES["default"]["OPTIONS"].setdefault(
        "options", f"-c statement_timeout={timeout_ms} -c jit=off"
    )
else:
    DATABASES["default"]["NAME"].parent.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# The directory (when LDAP_URL is set) and local passwords, both behind django-axes so the
# lockout counts failures whichever backend refused them.
LDAP_SETTINGS = ldap_settings()
globals().update(LDAP_SETTINGS)
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    *(["portal.accounts.backends.DirectoryBackend"] if LDAP_SETTINGS else []),
    "portal.accounts.backends.PasswordBackend",
]
# OpenID Connect (when OIDC_ISSUER is set): the "Sign in with <provider>" button.
OIDC_SETTINGS = oidc_settings()
globals().update(OIDC_SETTINGS)
if OIDC_SETTINGS:
    AUTHENTICATION_BACKENDS.insert(-1, "portal.accounts.oidc.OIDCBackend")
# "superusers-only" keeps local passwords for IT's break-glass account alone, once everyone
# else signs in with the directory.
PASSWORD_SIGNIN = env_password_signin("DJANGO_PASSWORD_SIGNIN")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # And those of 12 characters or more found in public breach lists, shipped with the
    # portal (portal/accounts/passwords/README.md): it has no internet to ask a service.
    {
        "NAME": "django.contrib.auth.password_validation.CommonPasswordValidator",
        "OPTIONS": {
            "password_list_path": BASE_DIR / "portal/accounts/passwords/breached-12-plus.txt.gz"
        },
    },
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# Staff and supervisors confirm a TOTP code before the admin and the reports.
REQUIRE_STAFF_2FA = env_bool("DJANGO_REQUIRE_STAFF_2FA", default=False)
OTP_TOTP_ISSUER = "MBC teaching portal"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3

# Five failures lock the (username, client address) pair for 15 minutes: keying on the
# pair means one attacker behind the hospital's NAT cannot lock every colleague out.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Reverse proxies in front of the portal (nginx: 1); the client's address is read behind
# them (portal/accounts/client_address.py).
PROXY_COUNT = env_int("DJANGO_PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "portal.accounts.client_address.client_address"
AXES_WHITELIST_CALLABLE = "portal.accounts.backends.failure_not_counted"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["portal.formats"]
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT") or VAR_DIR / "static")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "portal.storage.StaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "mbc-portal@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
MAILERS = {
    "default": parse_email_url("EMAIL_URL", env_str("EMAIL_URL", "console://")),
    # Mail written in bulk during a request goes here, and out with send_queued_mail.
    "queue": {"BACKEND": "portal.ops.mail.QueueBackend"},
}
if MAILERS["default"]["BACKEND"].endswith("smtp.EmailBackend"):
    # A refused message is queued and retried (manage.py send_queued_mail), never a 500.
    MAILERS["smtp"] = MAILERS["default"]
    MAILERS["default"] = {
        "BACKEND": "portal.ops.mail.QueueOnFailureBackend",
        "OPTIONS": {"inner": "smtp"},
    }

# Security. Everything below is on in every environment except what plain-HTTP
# development on 127.0.0.1 cannot do (secure cookies, HSTS, HTTPS redirect).
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers and monitors probe the app servers directly over plain HTTP: the health
# checks answer them rather than redirecting to https (they carry no personal data).
SECURE_REDIRECT_EXEMPT = [r"^healthz(/live)?$"]
if env_bool("DJANGO_BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("DJANGO_HSTS_SECONDS", 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# The preload directive only matters once the domain is submitted to browser vendors.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A sign-in ends after this long whatever happens (absolute timeout) ...
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_AGE_SECONDS", 60 * 60 * 12, minimum=60)
# ... or after this long without a request (idle timeout), for shared ward computers.
SESSION_IDLE_SECONDS = env_int("DJANGO_SESSION_IDLE_SECONDS", 30 * 60, minimum=60)

# Sessions are in the database. With Redis, the cache lives there and every app server shares
# it, and sessions are read through it (cached_db): a Redis restart signs nobody out. Without
# it, each process keeps a small local cache.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("REDIS_URL must look like redis://127.0.0.1:6379/0.")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    # Room for a menu entry per person and the rendered lesson articles (Django's default of
    # 300 entries would let a busy ward's menus push the articles out).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# What every learner sees alike is cached under the content version (portal/content_cache):
# each process (or, with Redis, every app server at once) reads the version again after this
# many seconds, so a change shows everywhere within it; 0 reads it on every request.
CONTENT_VERSION_SECONDS = env_int("DJANGO_CONTENT_VERSION_SECONDS", 1, minimum=0)
# The longest anything is kept under one version (a reviewer's renamed display name, which
# does not move the version, shows within this).
CONTENT_CACHE_SECONDS = env_int("DJANGO_CONTENT_CACHE_SECONDS", 3600, minimum=1)
# Item analysis flags a question only from this many (first) attempts at it.
# Mandatory training that expires (Course.valid_for_months): renewal opens, and supervisors
# see "expires soon", this many days before a completion expires.
RENEWAL_WINDOW_DAYS = env_int("DJANGO_RENEWAL_WINDOW_DAYS", 30, minimum=1)
# Course evaluations are shown to editors from this many per course version, so that no answer
# or comment can be traced to one learner.
EVALUATION_MIN_RESPONSES = env_int("DJANGO_EVALUATION_MIN_RESPONSES", 3, minimum=1)
ITEM_FLAG_MIN_ATTEMPTS = env_int("DJANGO_ITEM_FLAG_MIN_ATTEMPTS", 30, minimum=2)

# No inline script or style anywhere: pages load only the portal's own files.
# data: images are allowed because Bootstrap draws its form and menu icons as data: SVGs.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    # Violations are logged (portal.views.csp_report), so a blocked script shows up.
    "report-uri": "/csp-report/",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
}
