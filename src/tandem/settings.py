"""Django settings for Tandem, read from the environment (see docs/operations.md).

| variable | meaning | default |
|---|---|---|
| TANDEM_DEBUG | development mode | off |
| TANDEM_SECRET_KEY | signing key; required when debug is off | development key in debug |
| TANDEM_ALLOWED_HOSTS | comma-separated host names | localhost,127.0.0.1 |
| TANDEM_DATA_DIR | where the SQLite file and collected static files live | ./var |
| DATABASE_URL | sqlite:///path or postgres://user:pass@host/db | SQLite in the data dir |
| TANDEM_REPLICA_DATABASE_URL | a read replica for reads outside transactions | none |
| TANDEM_REPLICA_PIN_SECONDS | after a write, that browser reads from the primary this long | 5 |
| TANDEM_REPLICA_RETRY_SECONDS | a replica found down is tried again after this long | 10 |
| TANDEM_LOG_LEVEL | DEBUG, INFO, WARNING, ERROR or CRITICAL | INFO |
| TANDEM_TASKS_BACKEND | database, rq (with TANDEM_REDIS_URL) or immediate | database |
| TANDEM_CACHE_URL | Redis for the per-organisation cache (tandem.accounts.orgcache) | in memory |
| TANDEM_OUTBOUND_ALLOWED_HOSTS | private hosts or networks pulls and webhooks may call | none |
| TANDEM_OIDC_CLIENT_ID (and TANDEM_OIDC_*) | single sign-on through OpenID Connect | off |

A variable set to nothing counts as not set (see tandem.conf).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from tandem.conf import env_bool, env_int, env_list, env_path, env_str

PACKAGE_DIR = Path(__file__).resolve().parent
DEVELOPMENT_SECRET_KEY = "tandem-development-only-never-use-in-production"

DEBUG = env_bool("TANDEM_DEBUG", default=False)
SECRET_KEY = env_str("TANDEM_SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured(
        "TANDEM_SECRET_KEY must be set to a long random value when TANDEM_DEBUG is off "
        "(the development key is refused in production)."
    )
if not DEBUG and len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("TANDEM_SECRET_KEY must be at least 32 characters long.")

ALLOWED_HOSTS = env_list("TANDEM_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("TANDEM_CSRF_TRUSTED_ORIGINS", [])
DATA_DIR = env_path("TANDEM_DATA_DIR", Path.cwd() / "var")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "tandem.accounts",
    "tandem.audit",
    "tandem.okrs",
    "tandem.kpis",
    "tandem.web",
    "tandem.bench",
    "tandem.api",
    "tandem.integrations",
    "tandem.jobs",
    "tandem.webhooks",
    "tandem.notifications",
    "tandem.reports",
    "tandem.scim",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # serves its Swagger UI files from here, never from a CDN
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (Accept-Language, or the choice of the sign-in page's menu);
    # a person's own or their organisation's language replaces it once they are known.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "tandem.accounts.security.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tandem.accounts.middleware.OrganizationMiddleware",
    "tandem.accounts.middleware.LanguageMiddleware",
]

ROOT_URLCONF = "tandem.urls"
WSGI_APPLICATION = "tandem.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tandem.web.context_processors.tandem",
            ],
            # {% term "objectives" %}: the organisation's words, everywhere (tandem.terms);
            # {% translate %} and {% blocktranslate %} without loading i18n; dates in the
            # reader's language (|local_date).
            "builtins": [
                "tandem.web.templatetags.terms",
                "tandem.web.templatetags.locale_formats",
                "django.templatetags.i18n",
            ],
        },
    },
]


_SUPPORTED_URLS = "sqlite:////absolute/path.sqlite3 or postgres://user:password@host:5432/name"


def _redacted(url: str) -> str:
    """The URL without its password, fit for an error message or a log."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def _database(url: str) -> dict[str, Any]:
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    except (ValueError, KeyError):  # dj-database-url raises both for bad URLs
        raise ImproperlyConfigured(
            f"DATABASE_URL={_redacted(url)!r} is not a database URL Tandem understands; "
            f"use {_SUPPORTED_URLS}."
        ) from None
    engine = config["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        name = str(config["NAME"])
        if name != ":memory:" and not name.startswith("file:"):
            # SQLite creates the file, not its folder: a fresh install would fail with
            # "unable to open database file".
            Path(name).parent.mkdir(parents=True, exist_ok=True)
        # WAL lets readers run beside the writer; synchronous=FULL keeps every
        # acknowledged commit across a power loss; IMMEDIATE transactions take the
        # write lock up front so two writers queue instead of failing mid-way.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
            ),
        }
    elif engine != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            f"DATABASE_URL={_redacted(url)!r} uses {engine}; Tandem supports SQLite and "
            f"PostgreSQL: use {_SUPPORTED_URLS}."
        )
    elif not config.get("NAME"):
        raise ImproperlyConfigured(
            f"DATABASE_URL={_redacted(url)!r} names no database; use {_SUPPORTED_URLS}."
        )
    config["ATOMIC_REQUESTS"] = False
    return config


DATABASES = {
    "default": _database(env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'tandem.sqlite3'}"))
}
# A read replica of the primary (docs/operations.md, "Scaling out"): reads made outside
# a transaction go to it, everything else to the primary.
if env_str("TANDEM_REPLICA_DATABASE_URL", ""):
    DATABASES["replica"] = _database(env_str("TANDEM_REPLICA_DATABASE_URL", ""))
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        # A replica that does not answer is given up on quickly (reads then go to the
        # primary), not after the operating system's minutes-long TCP timeout.
        DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    DATABASE_ROUTERS = ["tandem.dbrouter.PrimaryReplicaRouter"]
    MIDDLEWARE.insert(0, "tandem.dbrouter.ReplicaMiddleware")
# After a write, the browser reads from the primary for this long (read-your-writes);
# a replica found down is tried again after this long.
TANDEM_REPLICA_PIN_SECONDS = env_int("TANDEM_REPLICA_PIN_SECONDS", 5, minimum=1)
TANDEM_REPLICA_RETRY_SECONDS = env_int("TANDEM_REPLICA_RETRY_SECONDS", 10, minimum=1)

# What is per organisation and rarely changes (tandem.accounts.orgcache): in each
# process's memory by default, or shared in Redis with TANDEM_CACHE_URL. Entries are
# filed under a token read from the database, so both stay right across processes.
_cache_url = env_str("TANDEM_CACHE_URL", "")
if _cache_url and not _cache_url.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(
        f"TANDEM_CACHE_URL={_cache_url!r} is not a Redis URL; use redis://host:port/db."
    )
CACHES: dict[str, dict[str, Any]] = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
        if _cache_url
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tandem",
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Django's password check, refused while an address or a network is locked out after
# repeated failures (see tandem.accounts.security).
AUTHENTICATION_BACKENDS = ["tandem.accounts.security.RateLimitedBackend"]
TANDEM_LOGIN_MAX_FAILURES = env_int("TANDEM_LOGIN_MAX_FAILURES", 5, minimum=1)
TANDEM_LOGIN_MAX_FAILURES_PER_IP = env_int("TANDEM_LOGIN_MAX_FAILURES_PER_IP", 50, minimum=1)
TANDEM_LOGIN_LOCKOUT_SECONDS = env_int("TANDEM_LOGIN_LOCKOUT_SECONDS", 15 * 60, minimum=60)
TANDEM_TRUST_X_FORWARDED_FOR = env_bool("TANDEM_TRUST_X_FORWARDED_FOR", default=False)
# Hosts (names, addresses or networks) that KPI pulls and webhooks may call although they
# are not public addresses, e.g. an internal reporting server (see tandem.integrations.outbound).
TANDEM_OUTBOUND_ALLOWED_HOSTS = env_list("TANDEM_OUTBOUND_ALLOWED_HOSTS", [])
# Single sign-on through OpenID Connect (tandem.accounts.oidc, docs/operations.md): off
# unless a client id is set. Endpoints not given are read from the issuer's discovery
# document at the first sign-in, never at start-up.
TANDEM_OIDC_CLIENT_ID = env_str("TANDEM_OIDC_CLIENT_ID", "")
if TANDEM_OIDC_CLIENT_ID:
    TANDEM_OIDC_CLIENT_SECRET = env_str("TANDEM_OIDC_CLIENT_SECRET")
    TANDEM_OIDC_ISSUER = env_str("TANDEM_OIDC_ISSUER", "").rstrip("/")
    TANDEM_OIDC_AUTHORIZATION_ENDPOINT = env_str("TANDEM_OIDC_AUTHORIZATION_ENDPOINT", "")
    TANDEM_OIDC_TOKEN_ENDPOINT = env_str("TANDEM_OIDC_TOKEN_ENDPOINT", "")
    TANDEM_OIDC_USERINFO_ENDPOINT = env_str("TANDEM_OIDC_USERINFO_ENDPOINT", "")
    TANDEM_OIDC_JWKS_ENDPOINT = env_str("TANDEM_OIDC_JWKS_ENDPOINT", "")
    _endpoints = (
        TANDEM_OIDC_AUTHORIZATION_ENDPOINT,
        TANDEM_OIDC_TOKEN_ENDPOINT,
        TANDEM_OIDC_USERINFO_ENDPOINT,
        TANDEM_OIDC_JWKS_ENDPOINT,
    )
    if not TANDEM_OIDC_ISSUER and not all(_endpoints):
        raise ImproperlyConfigured(
            "Single sign-on needs TANDEM_OIDC_ISSUER, or all four of TANDEM_OIDC_"
            "AUTHORIZATION_ENDPOINT, _TOKEN_ENDPOINT, _USERINFO_ENDPOINT and _JWKS_ENDPOINT."
        )
    TANDEM_OIDC_SCOPES = env_str("TANDEM_OIDC_SCOPES", "openid email profile")
    if "openid" not in TANDEM_OIDC_SCOPES.split():
        raise ImproperlyConfigured(f"TANDEM_OIDC_SCOPES={TANDEM_OIDC_SCOPES!r} lacks openid.")
    TANDEM_OIDC_SIGN_ALGORITHM = env_str("TANDEM_OIDC_SIGN_ALGORITHM", "RS256")
    if TANDEM_OIDC_SIGN_ALGORITHM.lower() == "none":
        raise ImproperlyConfigured("TANDEM_OIDC_SIGN_ALGORITHM=none would accept unsigned tokens.")
    TANDEM_OIDC_BUTTON_LABEL = env_str("TANDEM_OIDC_BUTTON_LABEL", "single sign-on")
    TANDEM_OIDC_CREATE_USERS = env_bool("TANDEM_OIDC_CREATE_USERS", default=False)
    TANDEM_OIDC_REQUIRE_VERIFIED_EMAIL = env_bool("TANDEM_OIDC_REQUIRE_VERIFIED_EMAIL", True)
    TANDEM_OIDC_CA_BUNDLE = env_str("TANDEM_OIDC_CA_BUNDLE", "")
    AUTHENTICATION_BACKENDS.insert(0, "tandem.accounts.oidc.OIDCBackend")
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# A password-reset link works for an hour after its e-mail is sent (Django: 3 days).
PASSWORD_RESET_TIMEOUT = 3600

LANGUAGE_CODE = "en"
# The languages Tandem's pages are translated into (src/tandem/locale, docs/development.md).
LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# The absolute limit, counted from the sign-in (tandem.accounts.security checks it on
# the server; the cookie's own expiry slides with activity).
SESSION_COOKIE_AGE = env_int("TANDEM_SESSION_AGE_SECONDS", 14 * 24 * 3600, minimum=300)
TANDEM_SESSION_IDLE_SECONDS = env_int("TANDEM_SESSION_IDLE_SECONDS", 8 * 3600, minimum=60)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if env_bool("TANDEM_HTTPS", default=False):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("TANDEM_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("TANDEM_HSTS_SECONDS", 0, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("TANDEM_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("TANDEM_HSTS_PRELOAD", default=True)

# Background work (tandem.jobs): tasks are rows in the database, run by ``tandem worker``.
# ``immediate`` runs each task inside the request that enqueued it: only for trying
# Tandem out without a worker.
# ``rq`` keeps the queue in Redis (TANDEM_REDIS_URL) instead, for installations whose
# workers' polling would load the primary (tandem.jobs.rqbackend).
_TASKS_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "rq": "tandem.jobs.rqbackend.RQBackend",
}
_tasks_backend = env_str("TANDEM_TASKS_BACKEND", "database")
if _tasks_backend not in _TASKS_BACKENDS:
    raise ImproperlyConfigured(
        f"TANDEM_TASKS_BACKEND={_tasks_backend!r} is not a task backend; use "
        + " or ".join(sorted(_TASKS_BACKENDS))
        + "."
    )
TASKS = {
    "default": {
        "BACKEND": _TASKS_BACKENDS[_tasks_backend],
        "QUEUES": ["default", "webhooks", "pulls", "mail"],
    }
}
if _tasks_backend == "rq":
    TANDEM_REDIS_URL = env_str("TANDEM_REDIS_URL", "")
    if not TANDEM_REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            "TANDEM_TASKS_BACKEND=rq needs TANDEM_REDIS_URL, e.g. redis://127.0.0.1:6379/0 "
            f"(got {TANDEM_REDIS_URL!r})."
        )
    INSTALLED_APPS.append("django_rq")
    # A job running longer than this is stopped and marked failed (reports are the
    # longest, in seconds).
    RQ_QUEUES = {
        name: {"URL": TANDEM_REDIS_URL, "DEFAULT_TIMEOUT": 600}
        for name in TASKS["default"]["QUEUES"]
    }

# Outgoing e-mail (invitations, password resets, reminders and digests). Without a host,
# messages are written to the console log, which is enough for a trial.
TANDEM_BASE_URL = env_str("TANDEM_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
EMAIL_HOST = env_str("TANDEM_EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("TANDEM_EMAIL_PORT", 25, minimum=1)
    EMAIL_HOST_USER = env_str("TANDEM_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = env_str("TANDEM_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("TANDEM_EMAIL_STARTTLS", default=False)
    EMAIL_USE_SSL = env_bool("TANDEM_EMAIL_SSL", default=False)
    EMAIL_TIMEOUT = env_int("TANDEM_EMAIL_TIMEOUT_SECONDS", 20, minimum=1)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("TANDEM_EMAIL_FROM", "Tandem <tandem@localhost>")

# How long the worker's daily clean-up keeps the records of finished background work
# (tandem.jobs.pruning): the task rows, the webhook delivery log, the reminders ledger.
# The ledger is what stops a reminder going out twice in a week, so it keeps at least
# the current and the previous week whatever the setting says.
TANDEM_KEEP_FINISHED_TASKS_DAYS = env_int("TANDEM_KEEP_FINISHED_TASKS_DAYS", 30, minimum=1)
TANDEM_KEEP_WEBHOOK_DELIVERIES_DAYS = env_int("TANDEM_KEEP_WEBHOOK_DELIVERIES_DAYS", 90, minimum=1)
TANDEM_KEEP_NOTIFICATIONS_DAYS = env_int("TANDEM_KEEP_NOTIFICATIONS_DAYS", 90, minimum=14)

LOG_LEVEL = env_str("TANDEM_LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"TANDEM_LOG_LEVEL={LOG_LEVEL!r} is not a log level; use DEBUG, INFO, WARNING, "
        "ERROR or CRITICAL."
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
