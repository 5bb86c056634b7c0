"""Settings shared by every environment. Deployment-specific values come from the environment."""
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Everything the app writes (SQLite file, attachments, DuckDB files, generated keys) lives under one data directory,
# outside the code and outside any web root.
DATA_DIR = Path(os.environ.get("QINGSHAN_DATA_DIR", BASE_DIR / "var")).resolve()
# Whatever the app writes (SQLite and its WAL, DuckDB, Parquet, attachments, keys) is for its own account only:
# files 0600, folders 0700, whichever code path creates them.
os.umask(0o077)


def _private_dir(path: Path) -> Path:
    """Create `path` (0700), and take group/other access away from it if it already existed."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077 and path.stat().st_uid == os.getuid():
        path.chmod(0o700)
    return path


_private_dir(DATA_DIR)


def _secret_from_env_or_file(env_name: str, file_name: str, make) -> str:
    """Read a secret from the environment, else from a file in DATA_DIR created on first use (dev and demo only)."""
    value = os.environ.get(env_name)
    if value:
        return value
    path = DATA_DIR / file_name
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


SECRET_KEY = _secret_from_env_or_file("QINGSHAN_SECRET_KEY", "secret_key", lambda: secrets.token_urlsafe(50))
# Keys for personal data at rest (comma-separated Fernet keys, newest first, so keys can be rotated).
FIELD_ENCRYPTION_KEYS = _secret_from_env_or_file("QINGSHAN_FIELD_KEYS", "field_keys", _fernet_key).split(",")
# Key of the audit chain's HMAC: kept out of the database so that whoever can edit rows cannot re-forge the chain.
AUDIT_HMAC_KEY = _secret_from_env_or_file("QINGSHAN_AUDIT_KEY", "audit_key", lambda: secrets.token_hex(32))
# Ed25519 key (hex) that signs transfer packages to other regions' deployments (their administrators register its
# public half: `manage.py transfer_key`), and this deployment's code in those packages.
TRANSFER_SIGNING_KEY = _secret_from_env_or_file("QINGSHAN_TRANSFER_KEY", "transfer_key", lambda: secrets.token_hex(32))
TRANSFER_REGION_CODE = os.environ.get("QINGSHAN_REGION_CODE", "3399")

DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("QINGSHAN_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "qingshan.core.vendor_apps.AxesConfig",  # django-axes, named in Chinese
    "csp",
    "django_tasks",
    "qingshan.core.vendor_apps.TasksDatabaseConfig",  # django_tasks_db, named in Chinese
    "qingshan.core",
    "qingshan.orgs",
    "qingshan.workdays",
    "qingshan.audit",
    "qingshan.access",
    "qingshan.problems",
    "qingshan.supervision",
    "qingshan.datasets",
    "qingshan.datacheck",
    "qingshan.instruments",
    "qingshan.rectification",
    "qingshan.clues",
    "qingshan.intake",
    "qingshan.collaboration",
    "qingshan.reminders",
    "qingshan.ledgers",
    "qingshan.dashboards",
    "qingshan.api",
    "qingshan.demo",
    "qingshan.backup",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "qingshan.core.middleware.RequestIdMiddleware",
    "qingshan.core.metrics.MetricsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "qingshan.reminders.middleware.ReadOnOpenMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "qingshan" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "qingshan.access.context_processors.navigation",
                "qingshan.reminders.context_processors.unread_reminders",
            ],
        },
    },
]

# SQLite is the embedded default; set DATABASE_URL (postgres://...) for PostgreSQL in production.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'qingshan.sqlite3'}",
        conn_max_age=int(os.environ.get("QINGSHAN_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while the sweep or an import writes; IMMEDIATE avoids upgrade deadlocks.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A web request's queries are short: PostgreSQL's JIT compiled the visibility subqueries of a unit's or a
    # stationed group's pages for seconds (1,000,000 problems: 2.45 s of compiling in a 2.59 s unread count;
    # bench/RESULTS_pages.md).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "orgs.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "inbox"
LOGOUT_REDIRECT_URL = "login"

# ---- Brute force: django-axes locks an account, and separately an address, after N failed logins (each lockout is
# audited by qingshan.orgs.lockouts); a successful login clears the account's count.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("QINGSHAN_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("QINGSHAN_LOGIN_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "qingshan.orgs.lockouts.lockout_response"
AXES_CLIENT_IP_CALLABLE = "qingshan.core.clientip.client_ip"
AXES_VERBOSE = False
# Behind a reverse proxy: how many trusted proxies append to X-Forwarded-For (0: use the connection's address).
QINGSHAN_PROXY_COUNT = int(os.environ.get("QINGSHAN_PROXY_COUNT", "0"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = os.environ.get("QINGSHAN_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"  # filled by collectstatic in production
STATIC_ROOT.mkdir(exist_ok=True)
# Serve static files from the app directories in development and tests (no collectstatic needed there).
WHITENOISE_USE_FINDERS = True
STATICFILES_DIRS = [BASE_DIR / "qingshan" / "static"]
STORAGES = {
    # Attachments are private: stored under DATA_DIR and served only by a view that checks access.
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(DATA_DIR / "private"), "base_url": None}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_PERMISSIONS = 0o600
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Content-Security-Policy: every asset is served by the app itself, no inline script or style anywhere (layout
# lives in static/css, behaviour in static/js). Only the ReDoc page relaxes styles (see qingshan/api/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the meta tag, not the cookie
CSRF_FAILURE_VIEW = "qingshan.core.views.csrf_failure"

# The empty choice of the list filters' selects (qingshan.core.forms.EMPTY_LABEL for the forms).
FILTERS_EMPTY_CHOICE_LABEL = "请选择"
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # `Authorization: Token <key>`, the key stored only as a digest, with expiry and last use (qingshan.api).
        "qingshan.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON nested too deeply is refused before Python's parser recurses (a 500 otherwise); forms and files as usual.
    "DEFAULT_PARSER_CLASSES": ["qingshan.api.parsers.JSONParser", "rest_framework.parsers.FormParser",
                               "rest_framework.parsers.MultiPartParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "qingshan.api.errors.exception_handler",
    # Per client: anonymous callers by address, signed-in users and tokens by user (answer 429 in Chinese).
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle",
                                 "rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": os.environ.get("QINGSHAN_API_ANON_RATE", "30/minute"),
                               "user": os.environ.get("QINGSHAN_API_USER_RATE", "600/minute")},
    "NUM_PROXIES": int(os.environ.get("QINGSHAN_PROXY_COUNT", "0")),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "青山 API",
    "DESCRIPTION": "青山生态环境监督平台的系统对接接口。所有接口与网页使用同一套权限规则。",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Attachments: allowed types and size (local practice, adjustable per deployment).
ATTACHMENT_MAX_BYTES = int(os.environ.get("QINGSHAN_ATTACHMENT_MAX_BYTES", str(20 * 1024 * 1024)))
ATTACHMENT_ALLOWED_EXTENSIONS = {
    "pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx", "txt", "ofd", "zip", "mp4",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "qingshan.core.logging.RequestIdFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("QINGSHAN_LOG_LEVEL", "WARNING")},
}
# /metrics answers loopback requests that no proxy forwarded, and anyone sending `Authorization: Bearer <token>`.
METRICS_TOKEN = os.environ.get("QINGSHAN_METRICS_TOKEN", "")

# SQLite cannot enforce "one time-limit rule per (source, category, urgency)" with NULLs; PostgreSQL does, and the
# admin form validates uniqueness on both.
SILENCED_SYSTEM_CHECKS = ["models.W047"]

# ---- Reminders (domain §8). Mail goes through Django's mail backend; robots' webhook URLs are set per organisation.
DEFAULT_FROM_EMAIL = os.environ.get("QINGSHAN_FROM_EMAIL", "青山平台 <noreply@qingshan.local>")
EMAIL_HOST = os.environ.get("QINGSHAN_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("QINGSHAN_EMAIL_PORT", "25"))
# Seconds between two passes of `manage.py sweep --loop`.
REMINDER_SWEEP_INTERVAL = int(os.environ.get("QINGSHAN_SWEEP_INTERVAL", "60"))
# Seconds a webhook call may take before it counts as failed (and is retried with back-off).
REMINDER_WEBHOOK_TIMEOUT = float(os.environ.get("QINGSHAN_WEBHOOK_TIMEOUT", "5"))

# ---- Notices to real-name reporters (受理告知, 结果告知), sent by the worker under a neutral sender name that never
# names the commission. "record_only" (the default, the demo's) marks them sent without sending; "sms_gateway" POSTs
# to an intranet SMS gateway with a bearer token.
CLUE_NOTICE_CHANNEL = os.environ.get("QINGSHAN_CLUE_NOTICE_CHANNEL", "record_only")
CLUE_NOTICE_GATEWAY_URL = os.environ.get("QINGSHAN_CLUE_NOTICE_GATEWAY_URL", "")
CLUE_NOTICE_GATEWAY_TOKEN = os.environ.get("QINGSHAN_CLUE_NOTICE_GATEWAY_TOKEN", "")
CLUE_NOTICE_SENDER = os.environ.get("QINGSHAN_CLUE_NOTICE_SENDER", "青山市政务服务")
CLUE_NOTICE_PHONE = os.environ.get("QINGSHAN_CLUE_NOTICE_PHONE", "12345")  # the neutral number a reporter may call
CLUE_NOTICE_MAX_ATTEMPTS = int(os.environ.get("QINGSHAN_CLUE_NOTICE_MAX_ATTEMPTS", "3"))
CLUE_NOTICE_RETRY_SECONDS = int(os.environ.get("QINGSHAN_CLUE_NOTICE_RETRY_SECONDS", "300"))

# ---- Data sets and comparison models (domain §9): an embedded DuckDB file under the data directory by default.
DATASETS_DIR = _private_dir(Path(os.environ.get("QINGSHAN_DATASETS_DIR", DATA_DIR / "datasets")).resolve())
# Which engine runs the comparison models: duckdb (default), spark or postgresql.
DATACHECK_ENGINE = os.environ.get("QINGSHAN_DATACHECK_ENGINE", "duckdb")
SPARK_MASTER = os.environ.get("QINGSHAN_SPARK_MASTER", "local[2]")
# PostgreSQL database the models run in when DATACHECK_ENGINE=postgresql (defaults to the app's own database).
DATACHECK_POSTGRES_URL = os.environ.get("QINGSHAN_DATACHECK_POSTGRES_URL", "")

# One API under /api/: the first version's /datasets/api/ and /datacheck/api/ paths still answer, undocumented.
SPECTACULAR_SETTINGS["PREPROCESSING_HOOKS"] = ["qingshan.api.schema.only_api_paths"]
SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"] = ["drf_spectacular.hooks.postprocess_schema_enums",
                                               "qingshan.api.schema.only_chinese_descriptions"]

# ---- Audit: signed checkpoints of the chain head outside the database (truncating or wiping the log is detected).
AUDIT_ANCHOR_PATH = Path(os.environ.get("QINGSHAN_AUDIT_ANCHOR", DATA_DIR / "audit-anchor")).resolve()
# Minimum seconds between two checkpoints written by one process after commits (0: after every commit that appends).
AUDIT_ANCHOR_INTERVAL = float(os.environ.get("QINGSHAN_AUDIT_ANCHOR_INTERVAL", "0"))

# ---- Spreadsheet imports: what reading one uploaded .xlsx may cost before it is refused (qingshan/core/spreadsheets).
SPREADSHEET_LIMITS = {
    "max_uncompressed_bytes": int(os.environ.get("QINGSHAN_SPREADSHEET_MAX_MB", "50")) * 1024 * 1024,
    "max_ratio": int(os.environ.get("QINGSHAN_SPREADSHEET_MAX_RATIO", "200")),
    "max_rows": int(os.environ.get("QINGSHAN_SPREADSHEET_MAX_ROWS", "1000000")),
    "max_columns": int(os.environ.get("QINGSHAN_SPREADSHEET_MAX_COLUMNS", "200")),
    "max_cells": int(os.environ.get("QINGSHAN_SPREADSHEET_MAX_CELLS", "20000000")),
    "max_seconds": float(os.environ.get("QINGSHAN_SPREADSHEET_MAX_SECONDS", "180")),
}

# ---- Background jobs: Django's tasks API (django-tasks) on its database backend, run by `manage.py run_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A worker writes a heartbeat this often; a running job whose worker has been silent for JOB_STALE_SECONDS is
# interrupted (the worker was killed) and is marked failed by the next worker start or periodic check.
JOB_HEARTBEAT_SECONDS = float(os.environ.get("QINGSHAN_JOB_HEARTBEAT_SECONDS", "10"))
JOB_STALE_SECONDS = float(os.environ.get("QINGSHAN_JOB_STALE_SECONDS", "60"))
# Files a queued job reads later (uploaded spreadsheets), deleted when the job ends.
JOB_FILES_DIR = _private_dir(Path(os.environ.get("QINGSHAN_JOB_FILES_DIR", DATA_DIR / "jobs")).resolve())
# Days a finished ledger export's file is kept for its asker; then the periodic sweep deletes it (已过期).
LEDGER_EXPORT_RETENTION_DAYS = int(os.environ.get("QINGSHAN_LEDGER_EXPORT_RETENTION_DAYS", "7"))
# Files of the jobs registered in <app>/retention.py (core/retention.py): deleted this many days after the job ended.
JOB_FILE_RETENTION_DAYS = int(os.environ.get("QINGSHAN_JOB_FILE_RETENTION_DAYS", "7"))
# Seconds the worker waits between two looks at an empty queue.
JOB_POLL_SECONDS = float(os.environ.get("QINGSHAN_JOB_POLL_SECONDS", "1"))
# What one model run may use in DuckDB: a wall-clock limit (the query is interrupted) and a memory limit.
MODEL_TIMEOUT_SECONDS = float(os.environ.get("QINGSHAN_MODEL_TIMEOUT_SECONDS", "600"))
DUCKDB_MEMORY_LIMIT = os.environ.get("QINGSHAN_DUCKDB_MEMORY_LIMIT", "2GB")

# Machine intake (qingshan/intake): the signed alert webhook's limits and the repeat window.
INTAKE_MAX_BODY_BYTES = int(os.environ.get("QINGSHAN_INTAKE_MAX_BODY_BYTES", 64 * 1024))
INTAKE_TIMESTAMP_WINDOW_SECONDS = 300
INTAKE_DEDUP_WINDOW_HOURS = int(os.environ.get("QINGSHAN_INTAKE_DEDUP_WINDOW_HOURS", 24))
INTAKE_DEDUP_ENABLED = os.environ.get("QINGSHAN_INTAKE_DEDUP", "on") != "off"  # off: every alert is a new problem
# Text deduplication of new problems (qingshan/intake/similarity.py): the score at which a pair is proposed as a
# duplicate, and the distance within which two reports are at the same place.
INTAKE_DEDUP_THRESHOLD = float(os.environ.get("QINGSHAN_INTAKE_DEDUP_THRESHOLD", 0.4))
INTAKE_DEDUP_DISTANCE_M = float(os.environ.get("QINGSHAN_INTAKE_DEDUP_DISTANCE_M", 300))
