"""JXC settings, read from the environment (django-environ).

With nothing set, JXC runs on a SQLite file and Celery's filesystem transport under ./data/,
so a newcomer needs only Python. Production and the test suite set DATABASE_URL and
CELERY_BROKER_URL (PostgreSQL, Redis).
"""

from decimal import Decimal
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(environ.Env().str("JXC_DATA_DIR", default=str(BASE_DIR / "data")))

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost"]),
    CSRF_TRUSTED_ORIGINS=(list, []),
    SESSION_IDLE_TIMEOUT_MINUTES=(int, 30),
    SECURE_SSL_REDIRECT=(bool, False),
    SECURE_HSTS_SECONDS=(int, 0),
    JXC_SECURE_COOKIES=(bool, False),
)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env("DEBUG")


def _local_secret_key() -> str:
    """A random key kept in the git-ignored data folder, so an install with nothing configured
    is neither broken nor sharing a key with every other install."""
    from django.core.management.utils import get_random_secret_key

    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(get_random_secret_key())
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="") or _local_secret_key()
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_tables2",
    "crispy_forms",
    "crispy_bootstrap5",
    "import_export",
    "simple_history",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "django_htmx",
    "django_celery_beat",
    "accounts",
    "inventory",
    "purchasing",
    "sales",
    "settlement",
    "reports",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages, so the "logged out after inactivity" note reaches the login page.
    "accounts.middleware.IdleSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # AxesMiddleware last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
                "reports.context_processors.alert_bell",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'jxc.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: wait for locks, write-ahead log, take the write lock early.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
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

# django-axes: lock a username from one address (not the whole office behind one NAT),
# and let the lock cool off instead of waiting for an administrator.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)

# Shared warehouse terminals: a session ends after this many idle minutes.
SESSION_IDLE_TIMEOUT = env("SESSION_IDLE_TIMEOUT_MINUTES") * 60
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_ENGINE = "django.contrib.sessions.backends.db"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# Off: with it on, every integer a template prints is grouped — ids too, so a hidden order id of
# 1234 went out as "1,234" and links, forms and data attributes broke past id 999. Amounts are
# grouped by accounts.formatting (force_grouping), counts with |intcomma where they are shown.
USE_THOUSAND_SEPARATOR = False
FORMAT_MODULE_PATH = ["config.formats"]
CURRENCY = "CNY"

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Production (docker, gunicorn) runs collectstatic and sets STATIC_MANIFEST=true for
        # hashed, compressed, cache-forever files; elsewhere whitenoise serves from the finders.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("STATIC_MANIFEST", default=False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not env.bool("STATIC_MANIFEST", default=False)
if WHITENOISE_USE_FINDERS:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing root

# Uploads: Django's own caps; imports add their own size/zip/row checks before parsing.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
JXC_IMPORT_MAX_BYTES = env.int("JXC_IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
JXC_IMPORT_MAX_UNCOMPRESSED_BYTES = env.int("JXC_IMPORT_MAX_UNCOMPRESSED_BYTES", default=50 * 1024 * 1024)
JXC_IMPORT_MAX_ZIP_ENTRIES = env.int("JXC_IMPORT_MAX_ZIP_ENTRIES", default=200)
JXC_IMPORT_MAX_ZIP_RATIO = env.int("JXC_IMPORT_MAX_ZIP_RATIO", default=100)
JXC_IMPORT_MAX_ROWS = env.int("JXC_IMPORT_MAX_ROWS", default=10_000)

# Stocktake (盘点): a line whose variance exceeds either threshold needs a manager's approval.
# Defaults for new counts; each count keeps its own.
STOCKTAKE_QTY_THRESHOLD = Decimal(env.str("STOCKTAKE_QTY_THRESHOLD", default="10"))
STOCKTAKE_VALUE_THRESHOLD = Decimal(env.str("STOCKTAKE_VALUE_THRESHOLD", default="500.00"))

# The company printed on documents sent out (purchase orders, delivery notes).
JXC_COMPANY_NAME = env.str("JXC_COMPANY_NAME", default="")
JXC_COMPANY_ADDRESS = env.str("JXC_COMPANY_ADDRESS", default="")

# Purchasing: orders whose total (tax included, CNY) exceeds this wait for a manager's approval;
# a receipt may bring at most this percentage more than ordered (per line, accepted quantity).
PURCHASE_APPROVAL_THRESHOLD = Decimal(env.str("PURCHASE_APPROVAL_THRESHOLD", default="10000.00"))
PURCHASE_OVER_RECEIPT_TOLERANCE = Decimal(env.str("PURCHASE_OVER_RECEIPT_TOLERANCE", default="5"))
PURCHASE_DEFAULT_TAX_RATE = Decimal(env.str("PURCHASE_DEFAULT_TAX_RATE", default="13"))

# The posting service runs as one database function on PostgreSQL (inventory/services/posting_pg.py);
# off, it runs through the ORM there too, as it always does on SQLite.
INVENTORY_POSTING_FASTPATH = env.bool("INVENTORY_POSTING_FASTPATH", default=True)

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"

# Celery: Redis in production and tests; with no broker configured, the filesystem transport
# under ./data so `make run` needs nothing but Python.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _queue = DATA_DIR / "celery" / "queue"
    _processed = DATA_DIR / "celery" / "processed"
    for _folder in (_queue, _processed):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "processed_folder": str(_processed),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="jxc@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security: on by environment for production behind TLS; `check --deploy` is clean with them set.
SECURE_SSL_REDIRECT = env("SECURE_SSL_REDIRECT")
SECURE_HSTS_SECONDS = env("SECURE_HSTS_SECONDS")
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_PROXY", default=False) else None
)
# Behind a proxy, how many proxies append to X-Forwarded-For (nginx alone: 1; a load balancer in
# front of nginx: 2). django-axes locks a username on the address the outermost one saw.
JXC_PROXY_COUNT = env.int("JXC_PROXY_COUNT", default=1 if SECURE_PROXY_SSL_HEADER else 0)
AXES_CLIENT_IP_CALLABLE = "config.security.client_ip"
SESSION_COOKIE_SECURE = env("JXC_SECURE_COOKIES")
CSRF_COOKIE_SECURE = env("JXC_SECURE_COOKIES")
SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF cookie: htmx sends the token from the page (base.html, hx-headers).
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Everything JXC loads is its own (vendored assets, no CDN), so nothing may come from elsewhere,
# frame it, or receive its forms. Inline handlers (confirm(), window.print()), style attributes
# and htmx's `hx-vals="js:…"` still need 'unsafe-inline' and 'unsafe-eval'. Empty: no header.
JXC_CONTENT_SECURITY_POLICY = env.str(
    "JXC_CONTENT_SECURITY_POLICY",
    default="default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Excel exports (reports.exports): the daily cleanup deletes files older than the retention; an
# export waiting or running longer than the timeout is taken as lost (its worker died) and failed.
EXPORT_RETENTION_DAYS = env.int("EXPORT_RETENTION_DAYS", default=7)
EXPORT_MAX_ROWS = env.int("EXPORT_MAX_ROWS", default=1_000_000)  # Excel's own limit is 1,048,576
EXPORT_TIMEOUT_MINUTES = env.int("EXPORT_TIMEOUT_MINUTES", default=30)

# Stock alerts: "expiring soon" means within this many days when the scheduled task does not say
# (its PeriodicTask kwargs do: {"expiry_days": 30}). E-mail: EMAIL_URL and DEFAULT_FROM_EMAIL above.
ALERT_EXPIRY_DAYS = env.int("ALERT_EXPIRY_DAYS", default=30)
