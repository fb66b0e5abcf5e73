"""Settings shared by every environment; everything that differs comes from the environment."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "auditlog",
    "csp",
    # django-ninja as an app so its Swagger UI is served from our static files (no CDN; CSP-safe).
    "ninja",
    # Background work: e-mail with retries and the scheduled daily jobs (SPEC 4, issue 12).
    "django_q",
    "viaviden.core",
    "viaviden.reference",
    "viaviden.organisations",
    "viaviden.companies",
    "viaviden.candidates",
    "viaviden.events",
    "viaviden.vaekstpilot",
    "viaviden.cohorts",
    "viaviden.cases",
    "viaviden.matches",
    "viaviden.reports",
    "viaviden.demo",
    "viaviden.api",
]

MIDDLEWARE = [
    # The request id, and the client's address behind TRUSTED_PROXIES (one layer; issue 16).
    "viaviden.core.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files from the application server itself: compressed, with hashed names (collectstatic).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's LocaleMiddleware with DanishFirstMiddleware's rule (Accept-Language only for the API) in one layer.
    "viaviden.core.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Django's, with the message storage made only when a request adds or reads a message (issue 16).
    "viaviden.core.middleware.MessageMiddleware",
    # Idle (2 h, sliding) and absolute (10 h) session lifetime for logged-in users (issue 13).
    "viaviden.core.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-csp's, with the unchanged policy built once per process (issue 16).
    "viaviden.core.middleware.CSPMiddleware",
    # django-auditlog's, with its receiver connected once per process (issue 16).
    "viaviden.core.middleware.AuditlogMiddleware",
    # Control characters, malformed multipart and oversized bodies answered 400/413 before any view (issue 13).
    "viaviden.core.middleware.InputHygieneMiddleware",
    # Last, as django-axes asks: it turns lock-outs into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
# Public pages cached for anonymous visitors (core.pagecache): what base.html shows from the data on every page.
PAGE_CACHE_SITE_VERSION = "viaviden.matches.context_processors.synthetic_version_columns"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "viaviden" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "viaviden.core.context_processors.platform",
                "viaviden.matches.context_processors.synthetic_flag",
            ],
        },
    },
]

# The database is chosen by DATABASE_URL, the same for `run`, tests and commands.
DEFAULT_DATABASE_URL = f"sqlite:///{BASE_DIR / 'var' / 'viaviden.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL, conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Django's cursors bind on the client and are never prepared; this lets the server-binding cursor of
    # core.sql.prepared_cursor (a few hot queries, issue 16) prepare what a connection runs more than 5 times.
    DATABASES["default"]["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), "prepare_threshold": 5}
# On PostgreSQL, a process keeps API tokens' users, the match list's counts and needs' job profiles until a
# trigger's NOTIFY says their tables changed (core.change_notices, issue 16). Set 0 behind a pooler in transaction
# mode, which keeps no LISTEN.
CHANGE_NOTICES = os.environ.get("CHANGE_NOTICES", "1") == "1"
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL + a busy timeout let the dev server and a command share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "organisations.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Rate-limited login (django-axes): 5 failures lock for 15 minutes, counted per username and address
# together, per address across usernames (one password tried against many accounts) and per username
# across addresses (one account tried from many) (issue 13).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address", "username"]
# The client's address (core.middleware.client_ip): REMOTE_ADDR, unless the platform runs behind
# TRUSTED_PROXY_COUNT reverse proxies that append to X-Forwarded-For (production: 1, see production.py);
# then the address that many entries from the right, so a header the client forged cannot pick one.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "viaviden.core.middleware.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Failed attempts are stored with their POST data; never keep the one-time code (password is masked by default).
AXES_SENSITIVE_PARAMETERS = ["otp_token"]

OTP_TOTP_ISSUER = "Vækst Via Viden"

LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Dansk")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "viaviden" / "locale"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
# Dates in templates use SHORT_DATE_FORMAT / SHORT_DATETIME_FORMAT, so they follow the active language.
FORMAT_MODULE_PATH = ["viaviden.core.formats"]
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "viaviden" / "static"]
STATIC_ROOT = BASE_DIR / "var" / "static"

SESSION_COOKIE_HTTPONLY = True
# Staff sessions end after 2 hours without a request (sliding) and 10 hours after login at the latest
# (core.middleware.SessionTimeoutMiddleware); the cookie itself lives no longer than that (issue 13).
SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", str(2 * 60 * 60)))
SESSION_ABSOLUTE_TIMEOUT = int(os.environ.get("SESSION_ABSOLUTE_TIMEOUT", str(10 * 60 * 60)))
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content security policy (django-csp): only our own scripts and styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# The platform's address, for links in e-mails (no trailing slash), e.g. https://vaekstviaviden.dk.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@vaekstviaviden.dk")

# Pseudonymous person keys are HMACs with this pepper, so the key cannot be reversed by
# anyone holding only the database. Change it and all keys change (plan a re-key).
PERSON_KEY_PEPPER = os.environ.get("PERSON_KEY_PEPPER", "")

AUDITLOG_INCLUDE_ALL_MODELS = False

# Candidate profiles unused this many days are anonymised (`manage.py candidate_retention`), after a warning
# e-mail CANDIDATE_RETENTION_WARNING_DAYS before (SPEC 3.9).
CANDIDATE_RETENTION_DAYS = int(os.environ.get("CANDIDATE_RETENTION_DAYS", "730"))
CANDIDATE_RETENTION_WARNING_DAYS = int(os.environ.get("CANDIDATE_RETENTION_WARNING_DAYS", "30"))
# The suggestions look for candidates changed in other processes at most this often (seconds; 0: before every
# ranking). viaviden/candidates/matching_index.py, point 4.
MATCHING_INDEX_SYNC_SECONDS = float(os.environ.get("MATCHING_INDEX_SYNC_SECONDS", "1"))
AUDITLOG_MASK_CALLABLE = "viaviden.core.audit.mask_fully"

# --- Production stack: static files, shared cache, task queue, e-mail, logs (issue 12) ---------------------
from config.settings.environment import cache_settings, email_settings, queue_settings  # noqa: E402

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "viaviden.core.storage.StaticStorage"},
}
# Only the hashed copies are kept (and compressed): half the work for collectstatic, nothing unversioned served.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
MEDIA_URL = "media/"

# Redis (REDIS_URL) when set, so rate limits and cached aggregates are shared by every worker and host;
# otherwise a per-process cache, enough for the embedded single-process `run.sh`.
REDIS_URL = os.environ.get("REDIS_URL", "")
# Addresses of the reverse proxies whose X-Forwarded-For is believed (e.g. "127.0.0.1" for nginx on the host).
TRUSTED_PROXIES = [a.strip() for a in os.environ.get("TRUSTED_PROXIES", "").split(",") if a.strip()]
CACHES = cache_settings(REDIS_URL)
# django-q2: the Redis broker in production, the database (ORM) broker otherwise (run.sh needs no Redis).
Q_CLUSTER = queue_settings(REDIS_URL)
# How often and how long apart a failed e-mail is tried again (viaviden.core.mail).
EMAIL_MAX_ATTEMPTS = int(os.environ.get("EMAIL_MAX_ATTEMPTS", "5"))
EMAIL_RETRY_SECONDS = int(os.environ.get("EMAIL_RETRY_SECONDS", "60"))

# E-mail: EMAIL_URL (smtp://user:password@host:587?tls=1, smtps://…, console://) or EMAIL_HOST, EMAIL_PORT,
# EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, EMAIL_USE_SSL; none of them: the console.
globals().update(email_settings(os.environ))

# One JSON object per line, with the request id (X-Request-ID from the proxy, or a new one).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "viaviden.core.observability.RequestIdFilter"}},
    "formatters": {"json": {"()": "viaviden.core.observability.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        # 403 and 404 are warnings of one line each; INFO for the queue's own chatter only when asked.
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django-q": {"handlers": ["console"], "level": os.environ.get("QUEUE_LOG_LEVEL", "WARNING"),
                     "propagate": False},
        "viaviden": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO"), "propagate": False},
    },
}
