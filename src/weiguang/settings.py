"""Weiguang settings: everything that differs between machines comes from the environment."""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("WEIGUANG_HOME", Path.cwd()))
VAR_DIR = Path(os.environ.get("WEIGUANG_VAR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
# A development key keeps `make run` zero-config; `weiguang check --deploy` flags it, so
# production must set SECRET_KEY (see README, "Deployment").
SECRET_KEY = os.environ.get("SECRET_KEY") or "django-insecure-dev-only-weiguang"
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "weiguang.accounts.apps.OTPAdminConfig",  # the Django admin, behind two-factor sign-in
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",  # serves the API docs' Swagger UI locally instead of from a CDN
    "django_htmx",
    "csp",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",  # authenticator apps (accounts/security.py)
    "django_otp.plugins.otp_static",  # single-use recovery codes
    "weiguang.core",
    "weiguang.regions",
    "weiguang.people",
    "weiguang.accounts",
    "weiguang.outbox",  # every outbound message: inbox, robots, SMS, e-mail (docs/outbox.md)
    "weiguang.partners",
    "weiguang.wishes",
    "weiguang.demands",
    "weiguang.volunteers",
    "weiguang.places",
    "weiguang.events",
    "weiguang.lists",
    "weiguang.matching",
    "weiguang.site",  # the top floor: home page, navigation, demo (docs/architecture.md)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "weiguang.core.middleware.PreferencesMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): the session's second factor
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # staff idle timeout, the two-factor step after login, the sessions a user sees (accounts)
    "weiguang.accounts.middleware.SecurityMiddleware",
    # last: turns a login refused by the lockout into HTTP 429 with Retry-After (core.lockout)
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "weiguang.urls"
WSGI_APPLICATION = "weiguang.wsgi.application"

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
                "csp.context_processors.nonce",
                "weiguang.core.context_processors.site",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------
# SQLite is the embedded default: WAL so readers never block the writer, IMMEDIATE
# transactions so two writers queue on the lock (busy timeout) instead of failing with
# "database is locked" when one upgrades a read transaction.
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'weiguang.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    # A file (the worker and live-server tests share it across threads), one per test run so
    # that two runs in the same checkout never write into each other's database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
    # Covering indexes (`include=`) are a PostgreSQL speed-up for the demand figures; SQLite
    # builds the same index without the extra columns, which is all we want there.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------
# The wish wall is cached and invalidated on every wish transition. The cache must be
# shared by all processes (web, worker, scheduler): Redis when REDIS_URL is set, else a
# file cache under var/ (works with several processes on one machine, no server needed).
# Both outlive the database: every key carries the database's installation token
# (core.cache.make_key), so a new database never sees an old one's pages or counters.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "weiguang.core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_FUNCTION": "weiguang.core.cache.make_key",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 20000},
            "KEY_FUNCTION": "weiguang.core.cache.make_key",
        }
    }
if REDIS_URL and env_bool("SESSIONS_IN_CACHE", True):
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Background tasks -----------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# --- Auth -----------------------------------------------------------------------------
# Wherever a password is chosen (the admin, `weiguang createsuperuser`, a password change):
# not like the user name or the person's name, at least 8 characters, not a common one, not
# digits only (a phone number or a birthday).
# How long the link a new staff account gets by SMS (to set a password) stays valid.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("STAFF_LINK_HOURS", 72)) * 3600

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Django's ModelBackend behind the login lockout (core.lockout, django-axes): an attempt is
# counted, or refused, before its password is checked.
# Accounts' subclass adds login by mobile number (with the password or an SMS code).
AUTHENTICATION_BACKENDS = ["weiguang.accounts.backends.PhoneBackend"]
AXES_HANDLER = "weiguang.core.lockout.LockoutHandler"
# Failures are counted per user name at an address (one person's typos lock only her, not the
# community centre she shares an address with) and per address (many user names tried from
# one address); each has its own limit.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURES_ALLOWED", 10))
LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_FAILURES_PER_ADDRESS", 100))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", 15)))
AXES_RESET_ON_SUCCESS = True  # the user's own failures at that address only (LockoutHandler)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the wait we announce is the wait
# a mobile number counts as the user name of its account: one person, one counter
AXES_USERNAME_CALLABLE = "weiguang.accounts.backends.normalise_username"
AXES_CLIENT_IP_CALLABLE = "weiguang.core.ratelimit.client_ip"
AXES_LOCKOUT_CALLABLE = "weiguang.core.lockout.lockout_response"
AXES_VERBOSE = False

# Addresses (or networks, CIDR) of the load balancers and reverse proxies in front of the web
# processes. Only a request from one of them has its X-Forwarded-For believed: rate limits and
# the login lockout then count the client it names, not the balancer (core.ratelimit).
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("TRUSTED_PROXIES", "").split(",") if p.strip()]
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _e:
        raise ValueError(f"TRUSTED_PROXIES: {_proxy!r} is not an IP address or network") from _e

LOGIN_URL = "login"
# Two-factor sign-in (accounts/security.py, django-otp): street admins must, other staff may.
# Staff sessions end after this many minutes without a request; residents keep Django's usual
# two weeks (SESSION_COOKIE_AGE).
STAFF_SESSION_IDLE_MINUTES = int(os.environ.get("STAFF_SESSION_IDLE_MINUTES", 30))
OTP_TOTP_ISSUER = os.environ.get("SITE_NAME", "微光")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows an authenticator's secret
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# --- Accounts: text messages and verification codes ------------------------------------
# SMS go through accounts.sms (docs/sms.md). "console" writes number and text to the server's
# log (development: `make run` sets WEIGUANG_DEV); "http" posts them to SMS_HTTP_URL.
SMS_BACKEND = os.environ.get("SMS_BACKEND") or ("console" if env_bool("WEIGUANG_DEV") or DEBUG else "http")
SMS_HTTP_URL = os.environ.get("SMS_HTTP_URL", "")
SMS_HTTP_TOKEN = os.environ.get("SMS_HTTP_TOKEN", "")
SMS_HTTP_TIMEOUT = float(os.environ.get("SMS_HTTP_TIMEOUT", 10))
SMS_SIGN = os.environ.get("SMS_SIGN", "微光")  # the signature providers put in front: 【微光】
SMS_MAX_ATTEMPTS = int(os.environ.get("SMS_MAX_ATTEMPTS", 10))

# The outbox (docs/outbox.md): how long a sender holds a claimed message (a dead sender's
# claim lapses then), attempts and back-off, the HTTP timeout of chat robots, and the site's
# address for links in robot messages, texts and mail.
OUTBOX_LEASE_SECONDS = int(os.environ.get("OUTBOX_LEASE_SECONDS", 60))
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", 10))
OUTBOX_BACKOFF_MAX = int(os.environ.get("OUTBOX_BACKOFF_MAX", 3600))
OUTBOX_HTTP_TIMEOUT = float(os.environ.get("OUTBOX_HTTP_TIMEOUT", 10))
OUTBOX_SITE_URL = os.environ.get("OUTBOX_SITE_URL", "")
OUTBOX_MAIL_DOMAIN = os.environ.get("OUTBOX_MAIL_DOMAIN", "weiguang.local")
# Mail (the outbox's e-mail channel) through Django's mail: the console under `make run`.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend"
    if env_bool("WEIGUANG_DEV") or DEBUG
    else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", 10))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "微光 <noreply@weiguang.local>")


def _limits(name: str, default: str) -> tuple[tuple[int, int], ...]:
    """ "1/60,5/3600,10/86400" -> ((1, 60), (5, 3600), (10, 86400)): so many codes per seconds."""
    try:
        return tuple(
            (int(n), int(s))
            for n, s in (item.split("/") for item in os.environ.get(name, default).split(","))
        )
    except ValueError as e:
        raise ValueError(f"{name}: write it as count/seconds, e.g. {default}") from e


# Verification codes a mobile number may be sent (one a minute, five an hour, ten a day, as
# SMS providers allow), and a client address may ask for (a community centre helps many).
SMS_CODE_LIMITS_PER_PHONE = _limits("SMS_CODE_LIMITS_PER_PHONE", "1/60,5/3600,10/86400")
SMS_CODE_LIMITS_PER_ADDRESS = _limits("SMS_CODE_LIMITS_PER_ADDRESS", "5/60,30/3600,100/86400")
# Where a new account goes after sign-up (a URL name or a path): the residence step.
SIGNUP_NEXT_URL = "residence"

# --- I18n -----------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "wg_lang"

# --- Static and uploads ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
NODE_MODULES = Path(os.environ.get("WEIGUANG_NODE_MODULES", PROJECT_DIR / "node_modules"))
# Front-end libraries from npm (package.json): htmx on every page, the QR scanner (@zxing/browser,
# its standalone UMD build) only on the event desk's scanner page.
_VENDOR = [
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/zxing", NODE_MODULES / "@zxing" / "browser" / "umd"),
]
STATICFILES_DIRS = [(prefix, path) for prefix, path in _VENDOR if path.exists()]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env_bool("STATIC_MANIFEST", False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", 5 * 1024 * 1024))
# A photo's pixels (width x height) are capped before it is decoded: 40 MP holds any phone's
# picture; a 12000 x 12000 "decompression bomb" is refused with a clear error.
MAX_UPLOAD_PIXELS = int(os.environ.get("MAX_UPLOAD_PIXELS", 40_000_000))
# Stored photos are scaled down to at most this many pixels wide and high.
UPLOAD_MAX_SIDE = int(os.environ.get("UPLOAD_MAX_SIDE", 4096))
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024

# --- Security (production) ------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response (django-csp): scripts only from our own static
# files, or inline with the request's nonce ({{ CSP_NONCE }}); no inline event handlers, no
# eval (htmx runs with allowEval off). Styles allow inline attributes (style="..."), which
# cannot run code. Uploaded media get a stricter policy of their own (core/media.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "worker-src": [SELF],  # the service worker (/sw.js, core/offline_views.py)
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
if not DEBUG and env_bool("HTTPS", False):
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Weiguang -------------------------------------------------------------------------
WEIGUANG = {
    "SITE_NAME": os.environ.get("SITE_NAME", "微光"),
    "WALL_PAGE_SIZE": 12,
    "WALL_CACHE_SECONDS": int(os.environ.get("WALL_CACHE_SECONDS", 3600)),
    "DEFAULT_CLAIM_DAYS": 7,
    "MAX_CLAIM_DAYS": 60,
    "DUPLICATE_WINDOW_DAYS": 30,
    "PUBLIC_SUBMISSIONS_PER_HOUR": int(os.environ.get("PUBLIC_SUBMISSIONS_PER_HOUR", 20)),
    # demands: online submissions per user (or per address when anonymous) in an hour, and the
    # days after a reply when an unevaluated demand closes by itself
    "DEMAND_PUBLIC_PER_HOUR": int(os.environ.get("DEMAND_PUBLIC_PER_HOUR", 5)),
    "DEMAND_AUTO_CLOSE_DAYS": int(os.environ.get("DEMAND_AUTO_CLOSE_DAYS", 7)),
    # volunteers: verified hours for one to five stars, and honour hours one person may get a year
    "VOLUNTEER_STAR_HOURS": [
        int(h) for h in os.environ.get("VOLUNTEER_STAR_HOURS", "100,300,600,1000,1500").split(",")
    ],
    "HONOUR_HOURS_PER_YEAR": int(os.environ.get("HONOUR_HOURS_PER_YEAR", 20)),
    # events: minutes a place offered from the waiting list is kept (an event may say otherwise)
    "EVENT_OFFER_MINUTES": int(os.environ.get("EVENT_OFFER_MINUTES", 30)),
}
