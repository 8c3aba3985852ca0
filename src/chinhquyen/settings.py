"""Django settings for chinhquyen, read from environment variables.

Every variable is documented in docs/configuration.md. Defaults are safe for production:
DEBUG is off unless asked for, a secret key is required unless DEBUG is on, and the
database is an embedded SQLite file unless ``DATABASE_URL`` names a PostgreSQL server.
"""

from __future__ import annotations

import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("CHINHQUYEN_DEBUG")
# The test runner sets this itself, so a bare `pytest` works without extra variables.
TESTING = env_bool("CHINHQUYEN_TESTING") or "pytest" in sys.modules
DATA_DIR = Path(os.environ.get("CHINHQUYEN_DATA_DIR", BASE_DIR / "var")).resolve()


def _secret_key() -> str:
    key = os.environ.get("CHINHQUYEN_SECRET_KEY", "")
    if key:
        return key
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "CHINHQUYEN_SECRET_KEY is required when CHINHQUYEN_DEBUG is off "
            "(see docs/configuration.md)."
        )
    # Development: a key generated once and kept in the data directory.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = DATA_DIR / "dev-secret-key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("CHINHQUYEN_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CHINHQUYEN_CSRF_TRUSTED_ORIGINS")

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
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    # foundation
    "chinhquyen.core",
    "chinhquyen.organizations",
    "chinhquyen.accounts",
    "chinhquyen.audit",
    "chinhquyen.events",
    "chinhquyen.calendars",
    "chinhquyen.catalog",
    "chinhquyen.dossiers",
    "chinhquyen.notifications",
    # faces
    "chinhquyen.api",
    "chinhquyen.web.portal",
    "chinhquyen.web.workspace",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "chinhquyen.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "chinhquyen.accounts.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "chinhquyen.core.middleware.RequestContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "chinhquyen.urls"
WSGI_APPLICATION = "chinhquyen.wsgi.application"
ASGI_APPLICATION = "chinhquyen.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "chinhquyen.core.context_processors.platform",
            ],
        },
    },
]

# --- Databases -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
    if _db["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must name a PostgreSQL database (postgres://…).")
    _db.setdefault("OPTIONS", {})
    _db["OPTIONS"]["pool"] = {
        "min_size": int(os.environ.get("CHINHQUYEN_DB_POOL_MIN", "2")),
        "max_size": int(os.environ.get("CHINHQUYEN_DB_POOL_MAX", "8")),
        "timeout": 10,
    }
    # Django's cursors bind parameters on the client and never prepare. A threshold (instead of
    # Django's ``None``, which disables preparing on the connection) lets the hottest reads ask
    # for a prepared statement explicitly (core.fastsql.fetch_prepared); nothing is prepared
    # unless asked. Turn it off behind a pooler in transaction mode that does not keep prepared
    # statements (pgbouncer before 1.21).
    if os.environ.get("CHINHQUYEN_DB_PREPARED", "1") != "0":
        _db["OPTIONS"]["prepare_threshold"] = 2**31 - 1
    DATABASES = {"default": _db}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("CHINHQUYEN_SQLITE_PATH", str(DATA_DIR / "chinhquyen.sqlite3")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 5,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON; "
                    "PRAGMA cache_size=-20000; PRAGMA temp_store=MEMORY"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and security ---------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "chinhquyen.accounts.backends.PhoneOrEmailBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2

# Lockout after repeated failures (django-axes): 5 failures lock that login name for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("CHINHQUYEN_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("CHINHQUYEN_LOGIN_COOLOFF_MINUTES", "15")))
# By login name only: citizens often share one public address (an office, a carrier's NAT), so
# locking by address would lock out whole offices. Per-address rate limits belong to the proxy.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("CHINHQUYEN_PROXY_COUNT", "0")) or None

OTP_TOTP_ISSUER = os.environ.get("CHINHQUYEN_OTP_ISSUER", "chinhquyen")

# --- ACCOUNTS: registration limits and single sign-on (docs/accounts.md) -- begin -------------
# Per client address, on top of the per-phone/e-mail limits kept in the database.
ACCOUNTS_REGISTER_RATE = os.environ.get("CHINHQUYEN_REGISTER_RATE", "20/h")
ACCOUNTS_CODE_RATE = os.environ.get("CHINHQUYEN_VERIFICATION_RATE", "30/h")
# Registrations never confirmed, and spent verification codes, are deleted after these delays.
ACCOUNTS_UNVERIFIED_RETENTION = timedelta(
    days=float(os.environ.get("CHINHQUYEN_UNVERIFIED_RETENTION_DAYS", "7"))
)
ACCOUNTS_CODE_RETENTION = timedelta(
    hours=float(os.environ.get("CHINHQUYEN_VERIFICATION_CODE_RETENTION_HOURS", "24"))
)
# National electronic identity (VNeID-style OpenID Connect): off unless these are set.
OIDC_RP_CLIENT_ID = os.environ.get("CHINHQUYEN_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("CHINHQUYEN_OIDC_CLIENT_SECRET", "")
OIDC_OP_ISSUER = os.environ.get("CHINHQUYEN_OIDC_ISSUER", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("CHINHQUYEN_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("CHINHQUYEN_OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("CHINHQUYEN_OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("CHINHQUYEN_OIDC_JWKS_ENDPOINT", "") or None
OIDC_RP_SCOPES = os.environ.get("CHINHQUYEN_OIDC_SCOPES", "openid profile")
OIDC_RP_SIGN_ALGO = os.environ.get("CHINHQUYEN_OIDC_SIGN_ALGO", "RS256")
OIDC_IDENTITY_NUMBER_CLAIM = os.environ.get("CHINHQUYEN_OIDC_IDENTITY_CLAIM", "identity_number")
OIDC_USE_PKCE = env_bool("CHINHQUYEN_OIDC_USE_PKCE", default=True)
OIDC_TIMEOUT = 15
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:sso_callback"
OIDC_ENABLED = bool(
    OIDC_RP_CLIENT_ID
    and OIDC_OP_AUTHORIZATION_ENDPOINT
    and OIDC_OP_TOKEN_ENDPOINT
    and OIDC_OP_USER_ENDPOINT
)
# Inert unless OIDC_ENABLED; listed always so a session started by single sign-on stays valid.
AUTHENTICATION_BACKENDS.append("chinhquyen.accounts.oidc.NationalIdentityBackend")
# --- ACCOUNTS -- end ---------------------------------------------------------------------------

SECURE = env_bool("CHINHQUYEN_SECURE", default=not DEBUG and not TESTING)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 8
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if SECURE:
    SECURE_HSTS_SECONDS = int(os.environ.get("CHINHQUYEN_HSTS_SECONDS", "31536000"))
    SECURE_SSL_REDIRECT = env_bool("CHINHQUYEN_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "font-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

# --- Internationalisation ----------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- Static and media files --------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").exists() else []
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("CHINHQUYEN_MEDIA_ROOT", DATA_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
if WHITENOISE_USE_FINDERS:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# --- E-mail ------------------------------------------------------------------------------------
EMAIL_HOST = os.environ.get("CHINHQUYEN_EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("CHINHQUYEN_EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("CHINHQUYEN_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("CHINHQUYEN_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("CHINHQUYEN_EMAIL_TLS")
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get(
    "CHINHQUYEN_EMAIL_FROM", "Cổng dịch vụ công <no-reply@localhost>"
)

# --- Background tasks (django-tasks, database backend) -----------------------------------------
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "outbox"],
    }
}
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("CHINHQUYEN_OUTBOX_MAX_ATTEMPTS", "8"))
# Retention (events.housekeeping): delivered outbox events are deleted after this many days;
# notification rows lose destination and text after theirs. 0 keeps everything.
OUTBOX_RETENTION_DAYS = int(os.environ.get("CHINHQUYEN_OUTBOX_RETENTION_DAYS", "30"))
NOTIFICATION_RETENTION_DAYS = int(os.environ.get("CHINHQUYEN_NOTIFICATION_RETENTION_DAYS", "365"))
# Online applications never submitted are deleted, with their uploaded files, when nobody has
# touched them for this many days (0 keeps them).
DRAFT_RETENTION_DAYS = int(os.environ.get("CHINHQUYEN_DRAFT_RETENTION_DAYS", "90"))

# --- Caches: the counters of the per-address rate limits (django-ratelimit) ---------------------
# "ratelimit": small counter files under the data directory, shared by every worker process and
# incremented atomically (chinhquyen.core.ratelimit_cache). In tests both aliases are one memory
# cache (same LOCATION), so clearing the default cache also resets the counters.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "cq"},
    "ratelimit": (
        {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "cq"}
        if TESTING
        else {
            "BACKEND": "chinhquyen.core.ratelimit_cache.CounterFileCache",
            "LOCATION": os.environ.get("CHINHQUYEN_RATELIMIT_DIR", str(DATA_DIR / "ratelimit")),
        }
    ),
}
RATELIMIT_USE_CACHE = "ratelimit"
# Public dossier lookup (/tra-cuu/ and POST /api/v1/dossiers/lookup): attempts per client address.
DOSSIER_LOOKUP_RATE = os.environ.get("CHINHQUYEN_LOOKUP_RATE", "20/m")

# --- NOTIFICATIONS (SMS, e-mail, Zalo; see docs/notifications.md) -- begin ---------------------
# A channel whose backend is "" is not configured: its notifications are recorded as skipped.
# Unset backends default to the provider when its URL is set, else to "console" under DEBUG.
_SMS_URL = os.environ.get("CHINHQUYEN_SMS_URL", "")
_ZALO_TOKEN = os.environ.get("CHINHQUYEN_ZALO_ACCESS_TOKEN", "")
NOTIFICATIONS = {
    "PUBLIC_URL": os.environ.get("CHINHQUYEN_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
    "SMS_BACKEND": os.environ.get(
        "CHINHQUYEN_SMS_BACKEND", "http" if _SMS_URL else ("console" if DEBUG else "")
    ),
    "SMS_URL": _SMS_URL,
    "SMS_API_KEY": os.environ.get("CHINHQUYEN_SMS_API_KEY", ""),
    "SMS_BRANDNAME": os.environ.get("CHINHQUYEN_SMS_BRANDNAME", ""),
    "SMS_UNICODE": env_bool("CHINHQUYEN_SMS_UNICODE"),  # off: diacritics are stripped
    "SMS_TIMEOUT": float(os.environ.get("CHINHQUYEN_SMS_TIMEOUT", "10")),
    "ZALO_BACKEND": os.environ.get(
        "CHINHQUYEN_ZALO_BACKEND", "http" if _ZALO_TOKEN else ("console" if DEBUG else "")
    ),
    "ZALO_URL": os.environ.get(
        "CHINHQUYEN_ZALO_URL", "https://business.openapi.zalo.me/message/template"
    ),
    "ZALO_ACCESS_TOKEN": _ZALO_TOKEN,
    "ZALO_TIMEOUT": float(os.environ.get("CHINHQUYEN_ZALO_TIMEOUT", "10")),
    "EMAIL_ENABLED": env_bool("CHINHQUYEN_NOTIFY_EMAIL", default=True),
}
# --- NOTIFICATIONS -- end ----------------------------------------------------------------------

# --- The platform ------------------------------------------------------------------------------
PLATFORM_NAME = os.environ.get("CHINHQUYEN_PLATFORM_NAME", "Cổng Dịch vụ công")
PROVINCE_CODE = os.environ.get("CHINHQUYEN_PROVINCE_CODE", "40")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CHINHQUYEN_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
