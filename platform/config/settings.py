"""Settings for every environment, read from the environment (12-factor).

One base; development, tests and production differ only in environment variables:
DATABASE_URL, REDIS_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS, EMAIL_URL-style settings, etc.
"""
import datetime as dt
import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PLATFORM_DIR = BASE_DIR / "platform"
STATE_DIR = Path(os.environ.get("STATE_DIR", BASE_DIR / ".state"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and env_bool("REQUIRE_SECRET_KEY", False):
        raise RuntimeError("SECRET_KEY must be set in production")
    SECRET_KEY = "insecure-development-key-change-me"  # noqa: S105 - only used when none is configured
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# --- tenancy ---------------------------------------------------------------------------------
SHARED_APPS = [
    "django_tenants",
    "tenants.townships",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "common",
    "accounts",
    "audit",
    "notifications",
    "scoring.county",
    "scoring.tips.county",
    "scoring.dues.county",
    "scoring.rewards.county",
    "staffing.county",
    "staffing.recruitment.county",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "audit",
    "tenants.organisation",
    "scoring.catalogue",
    "scoring.ledger",
    "scoring.periods",
    "scoring.oversight",
    "scoring.favouritism",
    "scoring.tips",
    "scoring.meetings",
    "scoring.reports",
    "scoring.dues",
    "scoring.duties",
    "scoring.rewards",
    "staffing.clerks",
    "staffing.recruitment",
    "staffing.appraisal",
]
INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "townships.Township"
TENANT_DOMAIN_MODEL = "townships.Domain"
# Path-based routing: township "abc" lives under /t/abc/, on any host (see README).
TENANT_SUBFOLDER_PREFIX = "t"
PUBLIC_SCHEMA_NAME = "public"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_tenant"
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
TENANT_CREATION_FAKES_MIGRATIONS = False
# New townships' schemas come from tenants/townships/schema.sql (`manage.py schema_script`); this
# many spare schemas are kept made from it, so provisioning is a rename (see schema_script.py).
TOWNSHIP_SPARE_SCHEMAS = int(os.environ.get("TOWNSHIP_SPARE_SCHEMAS", "0"))
# `SET search_path` only when the schema changes, not before every query (safe: see
# tests/common/test_search_path.py for rollbacks, tasks, contexts and reused connections).
TENANT_LIMIT_SET_CALLS = True

MIDDLEWARE = [
    "tenants.townships.middleware.TownshipMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "common.middleware.UserLanguageMiddleware",
    "accounts.middleware.AccessMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "common.context_processors.navigation",
            ],
        },
    },
]
WSGI_APPLICATION = "config.wsgi.application"

# --- data stores -----------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/dangjian")
# Connections are bounded by processes, not by load: in production each gunicorn sync worker
# (WEB_CONCURRENCY, at most 8) and each Celery process holds one connection for DB_CONN_MAX_AGE
# seconds; the threaded development server closes its connections after every request
# (infra/devserver.py sets DB_CONN_MAX_AGE=0), so a load test leaves none idle. Sizes: README.
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")))}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
# django-tenants wraps this backend: Django's PostgreSQL one, grouping by every selected column so
# the same SQL runs on a Citus cluster (infra/citus.md).
ORIGINAL_BACKEND = "common.postgresql"
# On a Citus cluster: make each new township's schema a distributed schema when it is provisioned
# (tenants/townships/citus.py; skipped where the database has no citus extension).
CITUS_DISTRIBUTE_SCHEMAS = env_bool("CITUS_DISTRIBUTE_SCHEMAS", False)
DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get("TEST_DATABASE_NAME", "test_dangjian")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "dj"),
        # Cache keys carry the schema, so one township never reads another's cache.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- auth --------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses a locked account-and-address pair before any password check.
AUTHENTICATION_BACKENDS = ["accounts.backends.LoginAttemptBackend", "accounts.backends.AccountBackend"]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15"))
# Failures of one account (from any addresses) within an hour after which it may only be tried
# from addresses it logged in from before (accounts.backends.login_guard).
LOGIN_ACCOUNT_FAILURE_LIMIT = int(os.environ.get("LOGIN_ACCOUNT_FAILURE_LIMIT", "30"))
# Reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = dt.timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "common.net.client_address"
AXES_USERNAME_CALLABLE = "accounts.backends.axes_username"
AXES_SENSITIVE_PARAMETERS = ["password", "password1", "password2", "new_password1", "new_password2",
                             "old_password"]
AXES_VERBOSE = False
# We answer lockouts ourselves (login form message, API 403), so axes' middleware is not used.
SILENCED_SYSTEM_CHECKS = ["axes.W002"]
SESSION_COOKIE_HTTPONLY = True
# Production (DEBUG off) is served over TLS: cookies are Secure unless SECURE_COOKIES=0 says otherwise.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
# API tokens expire this many days after they were issued (a new login issues a new one).
API_TOKEN_TTL_DAYS = int(os.environ.get("API_TOKEN_TTL_DAYS", "30"))
# Forgotten passwords (accounts.recovery): an e-mailed link (Django's PasswordResetTokenGenerator)
# lives PASSWORD_RESET_TIMEOUT seconds; an SMS code PASSWORD_RESET_CODE_MINUTES and at most
# PASSWORD_RESET_CODE_ATTEMPTS wrong tries. Requests are limited per address and per account.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", "3600"))
PASSWORD_RESET_CODE_MINUTES = int(os.environ.get("PASSWORD_RESET_CODE_MINUTES", "15"))
PASSWORD_RESET_CODE_ATTEMPTS = int(os.environ.get("PASSWORD_RESET_CODE_ATTEMPTS", "5"))
PASSWORD_RESET_ADDRESS_LIMIT = int(os.environ.get("PASSWORD_RESET_ADDRESS_LIMIT", "10"))  # per hour
PASSWORD_RESET_ACCOUNT_LIMIT = int(os.environ.get("PASSWORD_RESET_ACCOUNT_LIMIT", "3"))  # messages per hour
# The address of the product as people reach it, for links in e-mails ("https://dj.example.org");
# empty: the address of the request that asked for the e-mail.
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")

# --- i18n / time -------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PLATFORM_DIR / "common" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
DEFAULT_TOWNSHIP_TIME_ZONE = "Asia/Shanghai"

# --- static / media ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", STATE_DIR / "media"))
MEDIA_URL = "/media/"
STORAGES = {
    # Files are kept per township: django-tenants prefixes the path with the schema name.
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# --- REST API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: an API call without valid credentials gets 401 with a `WWW-Authenticate: Token`
    # challenge (DRF takes the challenge from the first class; session auth has none, giving 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "common.api.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "common.api.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "common.api.exception_handler",
    # Throttles key on common.net.client_address; DRF's own lookup must not trust X-Forwarded-For.
    "NUM_PROXIES": 0,
    "DEFAULT_THROTTLE_RATES": {"login": os.environ.get("LOGIN_THROTTLE_RATE", "10/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "农村党员积分管理 API",
    "DESCRIPTION": "Townships, organisation, members and audit. Township resources live under /t/<code>/api/v1/.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs are for signed-in users in production (open while developing).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny" if DEBUG
                          else "rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "common.api_schema.add_error_responses",
    ],
    # Swagger UI and ReDoc served from our static files (drf-spectacular-sidecar), not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "BranchKindEnum": "tenants.organisation.models.Branch.Kind",
        "MemberKindEnum": "tenants.organisation.models.Member.Kind",
        "TipStatusEnum": "scoring.tips.base.TipStatus",
        "TipChannelEnum": "scoring.tips.base.Channel",
        "TipRecordChannelEnum": "scoring.tips.base.RECORD_CHANNELS",
        "SanctionKindEnum": "scoring.tips.models.Sanction.Kind",
        "MeetingKindEnum": "scoring.choices.MeetingKind",
        "MeetingAttendanceEnum": "scoring.meetings.models.Attendance",
        "RemoteHowEnum": "scoring.meetings.models.RemoteConfirmation.How",
        "RemoteStatusEnum": "scoring.meetings.models.RemoteConfirmation.Status",
        "MeetingDecisionEnum": [("accept", "accept"), ("reject", "reject")],
        "DecisionEnum": "scoring.ledger.models.Review.Decision",
        "MeetingBoardStateEnum": [("done", "done"), ("due", "due"), ("overdue", "overdue")],
    },
}

# --- Celery ------------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task whose worker died unacknowledged is redelivered after this many seconds (Redis transport):
# longer than any task runs. Tests that kill a worker shorten it for their own worker.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    "unacked_restore_interval": int(os.environ.get("CELERY_UNACKED_RESTORE_INTERVAL", "10")),
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_RESULT_EXPIRES = 3600
CELERY_BEAT_SCHEDULE_FILENAME = str(STATE_DIR / "celerybeat-schedule")

# --- e-mail ------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@localhost")

# --- security headers for production -------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): only our own origin; no plugins, no framing, forms post
# only to us; no inline script at all (page behaviours live in common/app.js, the API docs use
# drf-spectacular's split Swagger view). Inline styles stay allowed (small per-page style blocks).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Import-time settings for roster import.
ROSTER_IMPORT_MAX_ROWS = int(os.environ.get("ROSTER_IMPORT_MAX_ROWS", "20000"))
ROSTER_IMPORT_MAX_BYTES = int(os.environ.get("ROSTER_IMPORT_MAX_BYTES", str(10 * 1024 * 1024)))

# `manage.py seed_demo` runs each app's demo step in this order (the composition root owns it;
# see common.demo). Each step is idempotent.
DEMO_STEPS = [
    "tenants.townships.demo.organisation_step",
    "scoring.demo.demo_step",
    "scoring.oversight.demo.demo_step",
    "scoring.tips.demo.demo_step",
    "scoring.rewards.demo.demo_step",
    "scoring.rewards.county.demo.demo_step",
    "scoring.favouritism.demo.demo_step",
    "scoring.meetings.demo.demo_step",
    "scoring.reports.demo.demo_step",
    "scoring.dues.demo.demo_step",
    "scoring.duties.demo.demo_step",
    "staffing.clerks.demo.demo_step",
    "staffing.appraisal.demo.demo_step",
    "staffing.recruitment.demo.demo_step",
    "staffing.recruitment.county.demo.demo_step",
    "staffing.county.demo.demo_step",
]
