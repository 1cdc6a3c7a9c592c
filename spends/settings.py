"""Settings for Spends Tracker: one module, every value read from the environment (and an optional `.env`).

Every variable is listed with its default in `.env.example`. Non-trivial parsing lives in `spends/config.py`.
"""

from datetime import timedelta
from pathlib import Path

import environ

from spends import config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VERSION = "0.1.0"

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = config.check_secret_key(env.str("SECRET_KEY", default=config.PLACEHOLDER_SECRET_KEY), debug=DEBUG)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])


def env_path(name: str, default: Path) -> Path:
    """A path setting; relative values are taken from the project folder, not the current directory."""
    value = env.str(name, default="")
    return (BASE_DIR / value) if value else default


# Where the embedded set-up keeps everything a user must not lose: the SQLite file, uploads and backups.
DATA_DIR = env_path("DATA_DIR", BASE_DIR / "data")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "import_export",
    "dbbackup",
    "django_tasks",
    "django_tasks_db",
    "spends",
    "households",
    "catalog",
    "rates",
    "purchases",
    "warranties",
    "analytics",
    "backups",
    "reminders",
    "transfer",
    "demo",
    "moving",
    "attachments",
    "receipts",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "spends.middleware.RequestLogMiddleware",
    "spends.middleware.ApiErrorMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "spends.csp.CSPMiddleware",  # before axes, so its lockout page gets the policy too
    "axes.middleware.AxesMiddleware",  # last (django-axes): answers a locked-out admin sign-in with 429
]

ROOT_URLCONF = "spends.urls"
WSGI_APPLICATION = "spends.wsgi.application"
ASGI_APPLICATION = "spends.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": config.database_config(
        env.str("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
        conn_max_age=env.int("CONN_MAX_AGE", default=0),
        pool=env.bool("DATABASE_POOL", default=False),
        pool_max_size=env.int("DATABASE_POOL_MAX_SIZE", default=10),
        prepared_statements=env.bool("DATABASE_PREPARED_STATEMENTS", default=True),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": config.cache_config(
        env.str("CACHE_URL", default="locmemcache://spends"),
        # Seconds: a Redis that does not connect or answer within these fails fast, and is then skipped for
        # CACHE_RETRY_AFTER seconds; the app works without it meanwhile (spends.cache).
        connect_timeout=env.float("CACHE_CONNECT_TIMEOUT", default=0.5),
        socket_timeout=env.float("CACHE_SOCKET_TIMEOUT", default=1.0),
        retry_after=env.float("CACHE_RETRY_AFTER", default=5.0),
    )
}
# Seconds a token → user lookup is kept in the cache (spends.api.authentication; 0 = off). On by default only with a
# cache every worker shares (Redis): a per-process cache could not learn that another worker revoked a token.
_SHARED_CACHE = not CACHES["default"]["BACKEND"].endswith(("LocMemCache", "DummyCache"))
AUTH_TOKEN_CACHE_SECONDS = env.int("AUTH_TOKEN_CACHE_SECONDS", default=60 if _SHARED_CACHE else 0)
# How long a request's household and role are kept in the cache (households.scoping; 0 = off, the default with a
# per-process cache). Any membership or household change in Django makes every kept one stop counting at once.
SCOPE_CACHE_SECONDS = env.int("SCOPE_CACHE_SECONDS", default=60 if _SHARED_CACHE else 0)
# How long the cache remembers that a household has no notification channel for an event (reminders.quiet; 0 = off,
# the default with a per-process cache, whose marks other processes could not forget).
NOTIFY_QUIET_SECONDS = env.int("NOTIFY_QUIET_SECONDS", default=300 if _SHARED_CACHE else 0)

# Proxies whose X-Forwarded-For is believed (comma-separated IPs or networks, e.g. 172.16.0.0/12); none by default.
# The client address (throttles, sign-in lockout) is REMOTE_ADDR unless it is one of these (spends.api.client_ip).
TRUSTED_PROXIES = [str(n) for n in config.trusted_proxies(tuple(env.list("TRUSTED_PROXIES", default=[])))]

# Sign-in lockout (django-axes, spends.lockout): after AXES_FAILURE_LIMIT failed sign-ins from one client address, or
# for one username from anywhere, that address or username is refused for AXES_COOLOFF_MINUTES (admin and API alike).
# Attempts are kept in the database, not the cache (which may be down). `manage.py axes_reset` unlocks everyone.
AUTHENTICATION_BACKENDS = ["spends.lockout.LockoutBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_CLIENT_IP_CALLABLE = "spends.api.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "spends.lockout.lockout_response"
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_DISABLE_ACCESS_LOG = True  # failed attempts only: no table of every sign-in's address growing forever
AXES_VERBOSE = False  # no start-up banner in every manage.py command's output

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# UTC everywhere: timestamps are stored and served in UTC, "today" is the UTC date, and django-dbbackup's
# file names (which its retention sorts by) use TIME_ZONE.
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env_path("STATIC_ROOT", BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"  # never routed: files are served by the app's own download views only
MEDIA_ROOT = env_path("MEDIA_ROOT", DATA_DIR / "media")
BACKUP_DIR = env_path("BACKUP_DIR", DATA_DIR / "backups")
# HMAC key that signs backup archives; unset = derived from SECRET_KEY (rotating SECRET_KEY without listing the old one
# in SECRET_KEY_FALLBACKS makes older archives "foreign": restoring them needs allow_foreign). README "Backups".
BACKUP_SIGNING_KEY = env.str("BACKUP_SIGNING_KEY", default="")
# Seconds POST /api/backup/restore waits for the restore (run by the task runner) before answering 202.
BACKUP_RESTORE_WAIT_SECONDS = env.float("BACKUP_RESTORE_WAIT_SECONDS", default=30)

# Where uploads and backups live (README "Storage"): a folder on this machine (MEDIA_ROOT, BACKUP_DIR) by default, or an
# S3-compatible bucket: s3://[KEY:SECRET@]bucket/prefix?endpoint_url=https://minio:9000&region=…&addressing_style=path.
# Several web nodes need one shared store (S3), not each its own folder.
MEDIA_STORAGE_URL = env.str("MEDIA_STORAGE_URL", default="")
BACKUP_STORAGE_URL = env.str("BACKUP_STORAGE_URL", default="")
# true: attachment downloads redirect (302) to a presigned URL of the S3 object, valid MEDIA_PRESIGNED_SECONDS, instead
# of streaming through the app (S3 storage only; the object store then answers without the app's security headers).
MEDIA_PRESIGNED = env.bool("MEDIA_PRESIGNED", default=False)
MEDIA_PRESIGNED_SECONDS = env.int("MEDIA_PRESIGNED_SECONDS", default=60)

STORAGES = {
    "default": config.storage_config(MEDIA_STORAGE_URL, presigned_seconds=MEDIA_PRESIGNED_SECONDS),  # MEDIA_ROOT
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
    # Backups must never land under MEDIA_ROOT (django-dbbackup's default), which is served.
    "dbbackup": config.storage_config(BACKUP_STORAGE_URL, default_location=BACKUP_DIR),
}

# pg_dump's output spills to disk here past 10 MB (anonymous files): the backup folder's disk, not the system temp one.
DBBACKUP_TMP_DIR = str(BACKUP_DIR / "tmp")

# Background tasks (backups). The immediate backend runs a task in the request's process, so `make dev` needs one
# process; production sets TASKS_BACKEND=django_tasks_db.DatabaseBackend and runs `manage.py db_worker`.
TASKS = {"default": {"BACKEND": env.str("TASKS_BACKEND", default="django_tasks.backends.immediate.ImmediateBackend")}}

# Notification webhooks may be sent to private and loopback addresses (a receiver on your LAN, e.g. Home Assistant).
# Off by default (SSRF): link-local addresses such as 169.254.169.254 are refused even when this is on.
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=False)

# Email (warranty reminders): printed to the console with DEBUG, sent over SMTP otherwise.
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)  # implicit TLS, usually port 465
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)  # seconds; a hung SMTP server must not stall the reminder run
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Spends Tracker <noreply@localhost>")
# The public address of this site, for the links to a purchase's page in reminder emails and calendar events (no
# trailing slash). Unset: the calendar feed uses the address it was fetched from, the reminder run http://localhost:8000.
SITE_URL = env.str("SITE_URL", default="").rstrip("/")

# Password `manage.py seed_data` gives the demo user; `make dev` writes a random one into .env on first set-up.
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="")
# Password of the demo household's read-only member ("viewer"), the same way.
DEMO_VIEWER_PASSWORD = env.str("DEMO_VIEWER_PASSWORD", default="")

DEFAULT_CURRENCY = config.check_currency(env.str("DEFAULT_CURRENCY", default="USD"))
MAX_UPLOAD_SIZE = env.int("MAX_UPLOAD_SIZE", default=25 * 1024 * 1024)  # attachments
IMPORT_MAX_UPLOAD_SIZE = env.int("IMPORT_MAX_UPLOAD_SIZE", default=20 * 1024 * 1024)  # CSV/JSON import files
# Receipt suggestions (README "Receipts"): the Tesseract binary (absent: images answer 503), the OCR child process's
# time limit in seconds (then 422) and its address-space cap in MB.
RECEIPTS_TESSERACT_CMD = env.str("RECEIPTS_TESSERACT_CMD", default="tesseract")
RECEIPTS_OCR_TIMEOUT = env.float("RECEIPTS_OCR_TIMEOUT", default=20.0)
RECEIPTS_OCR_MEMORY_MB = env.int("RECEIPTS_OCR_MEMORY_MB", default=1024)
# Request bodies above this (other than file uploads) are refused with 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)

# Only users who may add an object may import into it (django-import-export lets any changelist viewer otherwise).
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

APPEND_SLASH = False  # the API answers with and without a trailing slash itself; a redirect would break POSTs

CORS_ALLOWED_ORIGINS = config.cors_origins(env.list("CORS_ALLOWED_ORIGINS", default=[]), debug=DEBUG)
CORS_URLS_REGEX = r"^/api/.*$"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the browser client reads csrftoken to send X-CSRFToken

# Security for deployments on the internet. Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER=true
# (the proxy must set X-Forwarded-Proto) and keep the HTTPS switches on; for plain-HTTP local use turn them off.
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^api/health/?$"]  # the container health check speaks plain HTTP
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp) on every page: scripts only from our own files, never inline or eval (the web
# dashboard runs Alpine's CSP build). The admin and ReDoc also allow inline *styles* (spends/csp.py, spends/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# The caller's household and role for the scoped base viewset (spends.api.scope): plumbing names it, never imports it.
API_SCOPE_RESOLVER = "households.scoping.scope_for"
# Days a household invite code works (once) after it is created.
HOUSEHOLD_INVITE_DAYS = env.int("HOUSEHOLD_INVITE_DAYS", default=7)

REST_FRAMEWORK = {
    # Token first: with Session first, anonymous requests get 403 instead of 401 (LIBRARY-NOTES).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "spends.api.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "spends.api.pagination.SkipLimitPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # The browsable API only for signed-in users; everyone else gets JSON.
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "spends.api.negotiation.BrowsableForSignedInNegotiation",
    "DEFAULT_PARSER_CLASSES": [
        "spends.api.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "spends.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "spends.api.schema.ContractAutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "auth": env.str("AUTH_THROTTLE_RATE", default="10/minute"),  # sign-ins per client address
        "auth_username": env.str("AUTH_USERNAME_THROTTLE_RATE", default="10/minute"),  # per username, any address
        "auth_me": env.str("AUTH_ME_THROTTLE_RATE", default="120/minute"),
        "calendar": env.str("CALENDAR_THROTTLE_RATE", default="60/minute"),
        "receipts": env.str("RECEIPTS_THROTTLE_RATE", default="30/minute"),  # receipt suggestions per user (OCR)
    },
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%SZ",
    "DATE_FORMAT": "iso-8601",  # zero-pads years < 1000, unlike strftime on Linux
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Spends Tracker API",
    "DESCRIPTION": "Purchases, warranties, receipts and spending analytics. The contract is API.md; "
    "every error has the body {detail, code, errors?}.",
    "VERSION": VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/",
    "ENUM_NAME_OVERRIDES": {
        "PurchaseStatusEnum": "purchases.choices.PurchaseStatus",
        "WarrantyTypeEnum": "warranties.choices.WarrantyType",
        "WarrantyWriteStatusEnum": "warranties.choices.WarrantyStatus",
        "WarrantyEffectiveStatusEnum": "warranties.choices.EffectiveStatus",
        "HealthCheckEnum": "spends.api.serializers.HEALTH_CHECK_CHOICES",  # database and cache: ok | error
        "BackupStatusEnum": "backups.choices.BackupStatus",
        "HouseholdRoleEnum": "households.choices.Role",
        "KindEnum": "backups.choices.BackupKind",  # a backup's kind keeps its name beside the channels' kind
        "ChannelKindEnum": "reminders.choices.ChannelKind",
        "ChannelEventEnum": "reminders.choices.Event",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "spends.api.schema.strip_optional_slash",
    ],
}

# One line per request (spends.requests) and per error, with the request id, to stdout.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "spends.logging.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Our middleware logs each request once; Django's own 4xx/5xx lines would repeat them.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
    },
}

SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:  # error reporting is off unless configured
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        release=f"spends-tracker@{VERSION}",
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,
    )
