"""Sunlight settings: everything comes from the environment (or `.env`) through lib.env."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from sunlight.lib.env import database_from_url, env_bool, env_int, env_list, env_str, load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env")

SECRET_KEY = env_str("SECRET_KEY")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Addresses of reverse proxies (nginx) whose X-Real-IP header names the real client.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
# Off only for the local demo over plain http; production serves HTTPS only.
HTTPS = env_bool("HTTPS", True)
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATA_DIR = BASE_DIR / "data"
DEMO_MODE = env_bool("DEMO_MODE", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "sunlight.places",
    "sunlight.accounts",
    "sunlight.audit",
    "sunlight.catalogue",
    "sunlight.ledger",
    "sunlight.disclosure",
    "sunlight.cases",
    "sunlight.web",
]

MIDDLEWARE = [
    "sunlight.lib.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "sunlight.lib.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "sunlight.accounts.middleware.ApiTokenMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "sunlight.accounts.middleware.SessionTimeoutMiddleware",
    "sunlight.accounts.middleware.TwoFactorRequiredMiddleware",
    "sunlight.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "sunlight.web.middleware.TextSizeMiddleware",
    "sunlight.accounts.middleware.IdempotencyMiddleware",
    "sunlight.lib.middleware.DomainErrorMiddleware",
    # Last, so that a lockout is answered before any view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sunlight.urls"
WSGI_APPLICATION = "sunlight.wsgi.application"

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
                "django.template.context_processors.i18n",
                "sunlight.web.context_processors.site",
            ],
        },
    },
]

DATABASES = {"default": database_from_url(env_str("DATABASE_URL", ""), sqlite_default=VAR_DIR / "sunlight.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "sunlight.accounts.backends.UsernameOrMobileBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:workbench"
LOGOUT_REDIRECT_URL = "web:home"

# Password policy. Citizens: length + common-password deny-list (ASVS 6.2). Staff: additionally
# 12+ characters, 3 of 4 character classes and no place names (MLPS 2.0 assessors' figures).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "sunlight.accounts.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "sunlight.accounts.passwords.StaffPasswordValidator"},
]
STAFF_PASSWORD_MIN_LENGTH = env_int("STAFF_PASSWORD_MIN_LENGTH", 12)

# Lockout: 5 failures per (username, IP) lock that pair for 30 minutes (django-axes).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "sunlight.accounts.views.lockout_response"
AXES_USERNAME_FORM_FIELD = "username"
# A mobile number counts as its account's username: 5 failures in all, whichever name is typed.
AXES_USERNAME_CALLABLE = "sunlight.accounts.backends.lockout_username"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False

# Sessions: staff are logged out after 30 idle minutes, everyone after 12 hours at most.
STAFF_IDLE_TIMEOUT_SECONDS = env_int("STAFF_IDLE_TIMEOUT_SECONDS", 30 * 60)
VILLAGER_IDLE_TIMEOUT_SECONDS = env_int("VILLAGER_IDLE_TIMEOUT_SECONDS", 7 * 24 * 3600)
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 12 * 3600)
SESSION_COOKIE_AGE = VILLAGER_IDLE_TIMEOUT_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
PASSWORD_RESET_TIMEOUT = 3600

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Two-factor: mandatory for township and county roles (and system administrators).
OTP_TOTP_ISSUER = "阳光村务 Sunlight"

# Idempotency keys are kept this long, then pruned by a background task.
IDEMPOTENCY_KEY_TTL_HOURS = env_int("IDEMPOTENCY_KEY_TTL_HOURS", 24)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# collectstatic writes here; the end-to-end tests point it at a temporary directory.
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every start without it
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Where people are told of due and overdue steps: an in-app notification always, then each of
# these backends (dotted paths, comma-separated). SMS and WeChat backends implement the same
# interface (sunlight/accounts/notify.py); the console backend only logs.
NOTIFICATION_BACKENDS = env_list("NOTIFICATION_BACKENDS", ["sunlight.accounts.notify.ConsoleBackend"])
# A step is "due soon" this many working days before its deadline.
CASE_DUE_SOON_WORKDAYS = env_int("CASE_DUE_SOON_WORKDAYS", 2)

# The county the home page shows; the demo county is Tongguan (潼关县).
DEFAULT_COUNTY_CODE = env_str("DEFAULT_COUNTY_CODE", "610522")

# Transparency log (sunlight/ledger): each county's log is named <prefix><county code>, which is
# also the signing key's name. Signing keys live in files here, outside the database (0700/0600).
LEDGER_ORIGIN_PREFIX = env_str("LEDGER_ORIGIN_PREFIX", "sunlight.local/ledger/")
LEDGER_KEY_DIR = Path(env_str("LEDGER_KEY_DIR", str(VAR_DIR / "ledger-keys")))

# Upload limits (bytes). nginx's client_max_body_size (deploy/nginx.conf) must be at least the
# largest, or big files are refused by nginx with its own English page before Django sees them.
DISCLOSURE_MAX_ATTACHMENT_BYTES = env_int("DISCLOSURE_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
CATALOGUE_MAX_UPLOAD_BYTES = env_int("CATALOGUE_MAX_UPLOAD_BYTES", 5 * 1024 * 1024)
# A disclosure period is "due soon" (公开时间表：即将到期) this many calendar days before its due date.
DISCLOSURE_DUE_SOON_DAYS = env_int("DISCLOSURE_DUE_SOON_DAYS", 7)
if min(DISCLOSURE_MAX_ATTACHMENT_BYTES, CATALOGUE_MAX_UPLOAD_BYTES) < 1 or DISCLOSURE_DUE_SOON_DAYS < 0:
    raise ImproperlyConfigured(
        "DISCLOSURE_MAX_ATTACHMENT_BYTES and CATALOGUE_MAX_UPLOAD_BYTES must be positive, "
        "DISCLOSURE_DUE_SOON_DAYS must not be negative"
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
