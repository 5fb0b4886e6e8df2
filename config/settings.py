"""Kith's settings: every knob is an environment variable, and the defaults run on one machine with nothing
else installed (SQLite, a broker in the filesystem, emails written to a folder). README.md lists them all.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# Where the embedded default keeps its files: the SQLite database, the broker's queue folders, the beat
# schedule, sent emails and the generated secret key.
DATA_DIR = Path(env("KITH_DATA_DIR", str(BASE_DIR / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
# Covering indexes (INCLUDE) exist on PostgreSQL only; on SQLite Django makes the index without the extra
# columns and says so with this warning, which is expected.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# The public address of this Kith, used in email links and to derive hosts and HTTPS settings.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
_site = urlsplit(SITE_URL)
if _site.scheme not in {"http", "https"} or not _site.hostname:
    raise ImproperlyConfigured(f"SITE_URL must be an http(s) address, not {SITE_URL!r}")
HTTPS = _site.scheme == "https"


def _secret_key() -> str:
    """SECRET_KEY from the environment; otherwise one generated once and kept in DATA_DIR, so a newcomer's
    sessions and signed email links survive restarts without anyone inventing a key."""
    if key := env("SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [_site.hostname, "127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [f"{_site.scheme}://{_site.netloc}"])

ALLOW_SIGNUP = env_bool("ALLOW_SIGNUP", True)

INSTALLED_APPS = [
    "accounts",
    "contacts",
    "interactions",
    "followups",
    "dashboards",
    "transfer",
    "api",
    "dav",
    "demo",
    # The admin site, open only to staff whose session passed two-factor login (accounts.admin_site).
    "accounts.admin_site.KithAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Answers a CardDAV client's PROPFIND on `/` (a page's URL would give it the CSRF 403).
    "dav.middleware.SiteRootPropfindMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks request.user.is_verified() for a session that passed two-factor login (accounts.twofactor).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    # Sets the signed device cookie on a login's response, so the next login from this browser is known.
    "accounts.devices.DeviceCookieMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.csp",
                "accounts.context_processors.kith",
            ],
        },
    },
]

# PostgreSQL through psycopg 3 when DATABASE_URL says so; a SQLite file otherwise: DATA_DIR's kith.sqlite3, or
# the file a sqlite:///path DATABASE_URL names (bench/run.py's --database sqlite), with the same settings.
if env("DATABASE_URL") and not env("DATABASE_URL").startswith("sqlite:"):
    DATABASES = {
        "default": dj_database_url.parse(env("DATABASE_URL"), conn_max_age=60, conn_health_checks=True)
    }
    # Kith's queries each read one user's rows and take milliseconds, but at 100,000 interactions the
    # planner's cost estimates pass jit_above_cost, and compiling a query to machine code then took up to
    # 600 ms of a 700 ms dashboard query. Nothing Kith runs is long enough to win that back.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": dj_database_url.parse(env("DATABASE_URL"))["NAME"]
            if env("DATABASE_URL")
            else str(DATA_DIR / "kith.sqlite3"),
            # WAL lets the web process read while the worker writes; IMMEDIATE transactions take the write
            # lock up front, so two writers wait for each other instead of failing with "database is locked".
            # A 32 MB page cache (the default is 2 MB) and temporary sorts in memory, as PostgreSQL's
            # shared_buffers and work_mem do; planner statistics come from accounts.database.
            "OPTIONS": {
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA cache_size=-32000; PRAGMA temp_store=MEMORY;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Cache: Kith keeps nothing in it that web processes must share (rate limits count in database rows,
# accounts.ratelimit); CACHE_URL points it at Redis all the same.
if env("CACHE_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("CACHE_URL")}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
# Kith is written in English and ships no translations. With translation on, every number a template
# printed looked up the active language and its number formats first.
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Hashed, compressed file names once `collectstatic` has run (the Docker image does it at build time);
# before that (make run, tests) WhiteNoise serves the files straight from the finders.
_manifest = (STATIC_ROOT / "staticfiles.json").exists()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_MANIFEST", _manifest)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not _manifest

# Email: SMTP when EMAIL_HOST is set, otherwise every message is written to a file in DATA_DIR/mail.
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Kith <kith@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if env("EMAIL_HOST"):
    _port = int(env("EMAIL_PORT", "587"))
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env("EMAIL_HOST"),
                "port": _port,
                "username": env("EMAIL_HOST_USER"),
                "password": env("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", _port == 587),
                "use_ssl": env_bool("EMAIL_USE_SSL", _port == 465),
                "timeout": 30,
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(DATA_DIR / "mail")},
        }
    }

# Celery. The embedded default is a broker made of folders, so `make run` needs no server; production
# points CELERY_BROKER_URL at Redis. Scheduled work lives in database rows, never in broker ETAs.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://")
_FILESYSTEM_BROKER = CELERY_BROKER_URL == "filesystem://"
if _FILESYSTEM_BROKER:
    # The folders need no host, but kombu warns "No hostname was supplied" on every start when the URL
    # names none; naming the one it would fall back to says the same thing without the warning.
    CELERY_BROKER_URL = "filesystem://localhost//"
    _queue = DATA_DIR / "celery"
    for _sub in ("queue", "processed"):
        (_queue / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue / "queue"),
        "data_folder_out": str(_queue / "queue"),
        "processed_folder": str(_queue / "processed"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Content Security Policy: nothing from other hosts, no inline script or style.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    # The installable app (config/pwa.py): its service worker and manifest come from Kith itself.
    "worker-src": [CSP.SELF],
    "manifest-src": [CSP.SELF],
}

# HTTPS hardening follows the scheme of SITE_URL: an https site gets secure cookies, HSTS and a redirect.
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Behind a reverse proxy that terminates TLS, it must say so for Django to see requests as secure.
if env_bool("TRUST_PROXY_HEADERS", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
# The health endpoint is probed over plain HTTP from inside the container network.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Accounts
# Rate limits: failed logins per username and per client address, and password reset requests per email
# address and per client address, each counted in fixed windows of the given number of seconds.
LOGIN_RATE_LIMIT = int(env("LOGIN_RATE_LIMIT", "10"))
LOGIN_RATE_WINDOW = int(env("LOGIN_RATE_WINDOW", str(15 * 60)))
PASSWORD_RESET_RATE_LIMIT = int(env("PASSWORD_RESET_RATE_LIMIT", "5"))
PASSWORD_RESET_RATE_WINDOW = int(env("PASSWORD_RESET_RATE_WINDOW", str(60 * 60)))
# Behind a reverse proxy (TRUST_PROXY_HEADERS, above) every request comes from the proxy's address, so the
# limiter reads the client's address from the X-Forwarded-For entry that proxy appended.
RATE_LIMIT_TRUST_FORWARDED_FOR = env_bool("TRUST_PROXY_HEADERS", False)
# The API (api.auth): requests per token (or per signed-in user, from the browser) in a window of seconds.
API_RATE_LIMIT = int(env("API_RATE_LIMIT", "600"))
API_RATE_WINDOW = int(env("API_RATE_WINDOW", "60"))
# Confirmation emails people ask for (a new address saved, "send the link again") and test digests, each per
# user and per address in a window of seconds (accounts.confirmations, followups.digests).
ADDRESS_CONFIRMATION_RATE_LIMIT = int(env("ADDRESS_CONFIRMATION_RATE_LIMIT", "3"))
ADDRESS_CONFIRMATION_RATE_WINDOW = int(env("ADDRESS_CONFIRMATION_RATE_WINDOW", str(60 * 60)))
TEST_DIGEST_RATE_LIMIT = int(env("TEST_DIGEST_RATE_LIMIT", "3"))
TEST_DIGEST_RATE_WINDOW = int(env("TEST_DIGEST_RATE_WINDOW", str(60 * 60)))
# Two-factor login (accounts.twofactor): wrong codes allowed per user and per client address in a window of
# seconds. This limit is the only throttle: django-otp's own per-device back-off is off (factor 0), since it
# refuses even the right code for a while after a typo and says nothing about why.
TWO_FACTOR_RATE_LIMIT = int(env("TWO_FACTOR_RATE_LIMIT", "5"))
TWO_FACTOR_RATE_WINDOW = int(env("TWO_FACTOR_RATE_WINDOW", str(15 * 60)))
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# The name authenticator apps show beside the account.
OTP_TOTP_ISSUER = "Kith"

# Follow-ups and digests (followups.digests)
# One beat tick every five minutes finds the users whose local digest time has come and queues their digests.
# The schedule itself lives in database rows (User.next_digest_at, Digest), never in broker ETAs, so a tick
# that expires unrun (a busy or restarted worker) loses nothing: the next one finds the same rows.
CELERY_BEAT_SCHEDULE = {
    "send-due-digests": {
        "task": "interactions.tasks.send_due_digests",
        "schedule": 5 * 60.0,
        "options": {"expires": 4 * 60},
    },
    # Confirmation emails still due: those a lost task left, and the ones migration accounts/0006 asked for.
    "send-due-confirmations": {
        "task": "accounts.tasks.send_due_confirmations",
        "schedule": 5 * 60.0,
        "options": {"expires": 4 * 60},
    },
    # Account deletions a lost task or a dead worker left undone (accounts.deletion).
    "delete-requested-accounts": {
        "task": "accounts.tasks.delete_requested_accounts",
        "schedule": 10 * 60.0,
        "options": {"expires": 8 * 60},
    },
    "forget-stale-imports": {
        "task": "transfer.tasks.forget_stale_imports",
        "schedule": 60 * 60.0,
        "options": {"expires": 30 * 60},
    },
    # Planner statistics (accounts.database): SQLite keeps none unless asked.
    "analyze-database": {
        "task": "accounts.tasks.analyze_database",
        "schedule": 24 * 60 * 60.0,
        "options": {"expires": 12 * 60 * 60},
    },
}
# The filesystem broker keeps its exchange tables (broadcasts such as the worker's control commands) in a
# folder as well, by default `control/` in the working directory; keep it with the queues in DATA_DIR.
if _FILESYSTEM_BROKER:
    CELERY_BROKER_TRANSPORT_OPTIONS["control_folder"] = str(DATA_DIR / "celery" / "control")
