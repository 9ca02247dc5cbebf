"""Settings, read from environment variables (README lists every one).

DEBUG defaults to on for a developer's checkout; production sets DEBUG=0 and must then
give SECRET_KEY, or the project refuses to start.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from partnerprogram.config.mail import mailers_from_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_str(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}.")


def env_int(name, default, minimum=None, maximum=None):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise ImproperlyConfigured(f"{name} must be between {minimum} and {maximum}, not {number}.")
    return number


def env_list(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off the project refuses to start without one: "
            "set SECRET_KEY to a long random string."
        )
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "partnerprogram.apps.ProgramAdminConfig",  # django.contrib.admin, with the program's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_tables2",
    "simple_history",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "partnerprogram",
    "partnerprogram.accounts",
    "certifications",
    "tiers",
    # Before django_tasks_db: its db_worker command is ours, which first takes back the
    # messages a killed worker left half sent.
    "partnerprogram.reminders",
    "partnerprogram.transfer",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "partnerprogram.web.middleware.PrivateResponsesMiddleware",
    "partnerprogram.web.middleware.OneStateDayMiddleware",
    # Last, as django-axes asks: it answers a locked-out login.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First, as django-axes asks: it refuses a login from a locked-out user and address.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "partnerprogram.config.urls"

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
            ],
            "libraries": {
                "tables_extra": "partnerprogram.web.tables_extra",
                "forms_extra": "partnerprogram.web.forms_extra",
            },
        },
    },
]

WSGI_APPLICATION = "partnerprogram.config.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        # A connection per request costs PostgreSQL a new backend each time: kept for a
        # minute, checked before reuse.
        conn_max_age=env_int("CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets pages read while a long import writes; IMMEDIATE avoids "database is locked"
    # when two writers upgrade their locks at once.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
FORMAT_MODULE_PATH = ["partnerprogram.config.formats"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # The manifest needs collectstatic; a developer's checkout and the tests serve files as is.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_HTTPS_PROXY", False) else None
)
# HTTPS in production: redirect plain HTTP, and tell browsers to use HTTPS only for this
# long (start small; a year, 31536000, once it works; see Django's deployment checklist).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
DJANGO_TABLES2_TEMPLATE = "django_tables2/program.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table table-sm table-hover align-middle"}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"forbidden_in_one_line": {"()": "partnerprogram.config.logs.ForbiddenInOneLine"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["forbidden_in_one_line"]}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # django-axes tells of every login at INFO; lockouts are warnings.
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- The KPI settings of PRODUCT.md -------------------------------------------------------
# Cumulative certification rate at or above which a figure is Exemplary / in Good standing.
KPI_EXEMPLARY_PERCENT = env_int("KPI_EXEMPLARY_PERCENT", 90, minimum=1, maximum=100)
KPI_GOOD_STANDING_PERCENT = env_int("KPI_GOOD_STANDING_PERCENT", 70, minimum=0, maximum=100)
if KPI_GOOD_STANDING_PERCENT >= KPI_EXEMPLARY_PERCENT:
    raise ImproperlyConfigured("KPI_GOOD_STANDING_PERCENT must be below KPI_EXEMPLARY_PERCENT.")
# Name of the certification level the program steers by; empty means the lowest-ranked level.
KPI_TARGET_LEVEL = env_str("KPI_TARGET_LEVEL", "")
# Calendar month (1-12) in which the fiscal year starts.
FISCAL_YEAR_START_MONTH = env_int("FISCAL_YEAR_START_MONTH", 1, minimum=1, maximum=12)
# A partner is at risk when the certification keeping it above threshold expires this soon.
AT_RISK_WINDOW_DAYS = env_int("AT_RISK_WINDOW_DAYS", 90, minimum=1)
# A partner is stagnant when its latest tier change is at least this many months old.
STAGNATION_MONTHS = env_int("STAGNATION_MONTHS", 12, minimum=1)

# --- What an upload to the admin's program import may hold -----------------------------------
# Unpacked size and lines: a zip bomb or a program too large for the admin is refused with a
# message (the import_program command has no such bounds). The background worker runs it, so
# no request waits on it and there is no bound in time.
IMPORT_MAX_UNPACKED_MB = env_int("IMPORT_MAX_UNPACKED_MB", 200, minimum=1)
IMPORT_MAX_LINES = env_int("IMPORT_MAX_LINES", 2_000_000, minimum=1)

# --- Background work and mail ------------------------------------------------------------------
# Tasks are rows in the project's own database; `manage.py db_worker` runs them (README).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# EMAIL_URL (partnerprogram/config/mail.py). Unset, a developer's checkout prints every
# message (make run's output) and production hands it to the host's own mail server.
MAILERS = mailers_from_url(env_str("EMAIL_URL", "" if DEBUG else "smtp://localhost:25"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Partner Program <partners@localhost>")
# The address of the site as its users reach it: the links in every message start with it.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"SITE_URL must start with http:// or https://, not {SITE_URL!r}.")
# The program's name, in the subject and heading of every message.
PROGRAM_NAME = env_str("PROGRAM_NAME", "Partner Program")
# A message that fails is tried again this many times, after RETRY_SECONDS, then twice and
# four times as long.
REMINDER_RETRIES = env_int("REMINDER_RETRIES", 3, minimum=0, maximum=10)
REMINDER_RETRY_SECONDS = env_int("REMINDER_RETRY_SECONDS", 60, minimum=0)
# A message a worker began to send this long ago without finishing was cut off (its worker
# killed): the next worker to start sends it again. Far above the SMTP timeout.
REMINDER_CLAIM_TIMEOUT_SECONDS = env_int("REMINDER_CLAIM_TIMEOUT_SECONDS", 600, minimum=0)

# --- Login throttling (django-axes) -----------------------------------------------------------
# After AXES_FAILURE_LIMIT wrong passwords for one username from one address, that username
# may not log in from that address for AXES_COOLOFF_MINUTES. Lockouts are in the admin
# ("Access attempts"); `manage.py axes_reset_username NAME` (or axes_reset) lifts them.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = 1 if env_bool("BEHIND_HTTPS_PROXY", False) else None

# --- The JSON API (Django REST framework, drf-spectacular) -----------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "partnerprogram.accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["partnerprogram.accounts.authentication.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": env_str("API_THROTTLE_RATE", "600/minute")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "partnerprogram.web.api.handle_exception",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Partner Program API",
    "DESCRIPTION": (
        "The KPI figures of the partner program for BI tools: the same numbers as the pages. "
        "Authenticate with an API token made on your profile page: "
        "`Authorization: Bearer <token>`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema is read like the endpoints: with a session or a token.
    "SERVE_AUTHENTICATION": REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SECURITY": [{"bearer": []}],
    "APPEND_COMPONENTS": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
}
