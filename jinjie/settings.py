"""Settings for the 村事镇办 service hall.

Configuration comes only from the environment (DESIGN.md, "Contracts"):
DATABASE_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS, TIME_ZONE, USE_TZ.
"""

import datetime as dt
import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
# No default secret in production: without SECRET_KEY and DEBUG off the server refuses to start (jinjie/wsgi.py)
# and `check --deploy` fails. Tooling that signs nothing (makemigrations, migrate, check) still runs, on a
# throwaway key that changes every process.
SECRET_KEY_MISSING = not SECRET_KEY and not DEBUG
if not SECRET_KEY:
    SECRET_KEY = (
        "insecure-development-only-key-do-not-use-in-production" if DEBUG else f"unset-{secrets.token_urlsafe(50)}"
    )

# --- Keys that sign the case history (issue 8, point 5) ------------------------------------------------------------
# HISTORY_KEYS="2026a:<base64 secret>,2025b:<older secret>": every case event and daily digest is signed (HMAC-SHA256)
# with the first key; the others only verify what they signed before a rotation. Kept in the environment, never in
# the database (README, "办理记录防篡改 / History keys"; parsed and checked in cases/history_keys.py). Unset: a
# development key "dev" derived from SECRET_KEY; `check --deploy` reports jinjie.E002 when DEBUG is off.
HISTORY_KEYS = env_list("HISTORY_KEYS", "")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "jinjie.apps.JinjieAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "jinjie.apps.AxesConfig",
    "jinjie.apps.JinjieConfig",
    "villages",
    "departments",
    "cases",
    "stats",
    "tickets",
    "django_tasks",
    "django_tasks_db",
    "notices",
]

MIDDLEWARE = [
    # Outermost, so every response carries them, redirects and early refusals included (see "Security headers").
    "csp.middleware.CSPMiddleware",
    "jinjie.middleware.PermissionsPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "jinjie.middleware.InvalidInputMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "jinjie.middleware.IdleLogoutMiddleware",
    "jinjie.middleware.NoStoreForStaffMiddleware",
    "jinjie.security.RefusalLogMiddleware",
    # After every other middleware's view hook (CSRF, sessions, locale): the desk, the queue, the one-stop view and
    # the tracking page from a copy kept while nothing they show has changed; public pages from a short-lived cache.
    "jinjie.kept_pages.KeptPageMiddleware",
    "jinjie.public_cache.PublicPageCacheMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jinjie.urls"

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
                "jinjie.context_processors.roles",
            ],
        },
    },
]

WSGI_APPLICATION = "jinjie.wsgi.application"


def _database(url: str) -> dict:
    database = dj_database_url.parse(
        url, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")), conn_health_checks=True
    )
    if database["ENGINE"] == "django.db.backends.postgresql":
        # No JIT compilation: the report's filtered counts cost well over jit_above_cost, and compiling them takes
        # seconds (measured: 2.3 s of JIT for a 0.5 s month query at 1,000,000 cases) that a page never wins back.
        database.setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # Concurrent writers on SQLite wait for each other instead of failing: take the write lock at BEGIN.
        database.setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
    return database


DATABASES = {"default": _database(os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")}
if os.environ.get("DATABASE_REPLICA_URL"):
    # A hot-standby replica for the statistics' reads (stats.replica); in tests it is the default database.
    DATABASES["replica"] = {**_database(os.environ["DATABASE_REPLICA_URL"]), "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["stats.replica.ReportReplicaRouter"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Covering indexes (INCLUDE) are a PostgreSQL speed-up; SQLite builds them as plain indexes, which is fine.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "jinjie.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Logins and sessions on the hall's shared PCs (issue 8) ---------------------------------------------------------
# django-axes counts failed logins in the database (no extra service): after AXES_FAILURE_LIMIT failures for one
# account, or from one client address, the login is refused for AXES_COOLOFF_MINUTES; the town office unlocks in the
# admin ("登录锁定"). Every login, failed or not, is kept (AccessLog / AccessFailureLog) for the office and supervisor.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one alone locks: per account and per client
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_CLIENT_IP_CALLABLE = "villages.security.client_ip"  # the same proxy-aware address as every other throttle
AXES_LOCKOUT_CALLABLE = "jinjie.views.login_locked_out"
AXES_VERBOSE = False  # our own security log writes one line per login and lockout (jinjie/security.py)

# Shared PCs: a session ends after SESSION_IDLE_MINUTES without a page being opened (a warning a minute before
# offers 继续), when the browser closes, and at the latest after one market day.
SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_MINUTES", "15")) * 60
SESSION_IDLE_WARNING_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = 60 * 60 * 10

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "landing"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "zh-hans"
FORMAT_MODULE_PATH = ["jinjie.formats"]  # 12月2日, not 12月02日 (jinjie/formats/zh_Hans/formats.py)
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = env_bool("USE_TZ", True)

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "var" / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# A file missing from the collectstatic manifest is served under its plain name instead of failing the page with a
# 500; without any manifest the server refuses to start and says to run collectstatic (jinjie/wsgi.py).
WHITENOISE_MANIFEST_STRICT = False

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_TAGS = {40: "danger"}

# How many reverse proxies of our own sit in front of the app (nginx: 1). Only their X-Forwarded-For entries count.
NUM_PROXIES = int(os.environ.get("NUM_PROXIES", "0"))

# Nothing shared lives in the cache: login failures (django-axes) and tracking guesses (cases.GuessCounter) are
# counted in database tables that `migrate` creates, so no extra command or service can be forgotten. The cache is
# only a per-process convenience.
# Per process: the public pages' short-lived copies and the kept staff pages (jinjie/kept_pages.py, 10–35 KB each; a
# thousand of them is at most some 35 MB per worker).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "jinjie",
        "OPTIONS": {"MAX_ENTRIES": 1000},
    }
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Security headers and error pages (issue 8, point 4) ------------------------------------------------------------
# Content-Security-Policy (django-csp, csp.middleware.CSPMiddleware): scripts, styles, fonts and requests only from
# our own origin, and no inline <script>, on…= handler, <style> or style="" anywhere — the hall's own pages and the
# Django admin alike ('unsafe-inline' is nowhere; behaviour lives in static/hall/*.js, looks in static/hall/*.css;
# tests/jinjie/test_headers.py scans every template for inline code). img-src allows data: for Bootstrap's and
# hall.css's SVG icons; the receipt's QR code is inline <svg> markup, which needs nothing. No plug-ins, no <base>,
# forms post only to us, no page may be framed (frame-ancestors, with X_FRAME_OPTIONS = "DENY" for old browsers).
# With DEBUG on, django-csp leaves Django's technical 404/500 pages (inline styles) without the header.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Powerful browser features no page of the hall uses (jinjie.middleware.PermissionsPolicyMiddleware).
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
# A form posted from a page whose CSRF token has gone stale: the Chinese "页面已过期" page instead of Django's.
CSRF_FAILURE_VIEW = "jinjie.views.csrf_failure"

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # A hall LAN without TLS needs SECURE_COOKIES=0 (and SECURE_SSL_REDIRECT=0); check --deploy then warns.
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# --- Text messages to villagers and the worker that sends them (notices; README "短信通知与发送队列") -------------
# A change of a case that concerns the villager writes a notification row in the transition's own transaction; the
# worker (`manage.py notices_worker`: django-tasks with its database backend) sends it through SMS_BACKEND, never in
# the quiet hours, retrying with backoff. Like EMAIL_BACKEND: the console backend (the default) only logs.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
SMS_BACKEND = os.environ.get("SMS_BACKEND", "notices.backends.console.ConsoleBackend")
# The pre-approved 签名 and one template per message kind, as registered with the provider:
# SMS_TEMPLATES="received:SMS_4710001,materials:SMS_4710002,…" (Aliyun TemplateCode, or Tencent TemplateId).
SMS_SIGN_NAME = os.environ.get("SMS_SIGN_NAME", "进结镇政务服务中心")
SMS_TEMPLATES = dict(item.split(":", 1) for item in env_list("SMS_TEMPLATES", "") if ":" in item)
SMS_ALIYUN = {
    "ACCESS_KEY_ID": os.environ.get("SMS_ALIYUN_ACCESS_KEY_ID", ""),
    "ACCESS_KEY_SECRET": os.environ.get("SMS_ALIYUN_ACCESS_KEY_SECRET", ""),
    "ENDPOINT": os.environ.get("SMS_ALIYUN_ENDPOINT", "dysmsapi.aliyuncs.com"),
    "PROTOCOL": os.environ.get("SMS_ALIYUN_PROTOCOL", "https"),
}
SMS_TENCENT = {
    "SECRET_ID": os.environ.get("SMS_TENCENT_SECRET_ID", ""),
    "SECRET_KEY": os.environ.get("SMS_TENCENT_SECRET_KEY", ""),
    "SDK_APP_ID": os.environ.get("SMS_TENCENT_SDK_APP_ID", ""),
    "REGION": os.environ.get("SMS_TENCENT_REGION", "ap-guangzhou"),
    "ENDPOINT": os.environ.get("SMS_TENCENT_ENDPOINT", "sms.tencentcloudapi.com"),
    "PROTOCOL": os.environ.get("SMS_TENCENT_PROTOCOL", "https"),
}
SMS_TIMEOUT_SECONDS = int(os.environ.get("SMS_TIMEOUT_SECONDS", "10"))
# The hall's public address, for the links in a message (/t/<token>/).
PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# Nothing is sent from 21:00 to 08:00 in the villagers' time zone; what falls due then is kept until 08:00.
NOTICES_TIME_ZONE = os.environ.get("NOTICES_TIME_ZONE", "Asia/Shanghai")
NOTICES_QUIET_FROM = dt.time.fromisoformat(os.environ.get("NOTICES_QUIET_FROM", "21:00"))
NOTICES_QUIET_UNTIL = dt.time.fromisoformat(os.environ.get("NOTICES_QUIET_UNTIL", "08:00"))
NOTICES_MAX_ATTEMPTS = int(os.environ.get("NOTICES_MAX_ATTEMPTS", "5"))
NOTICES_RETRY_SECONDS = int(os.environ.get("NOTICES_RETRY_SECONDS", "60"))  # then 2, 4, 8 … times that, at most 1 h
NOTICES_LEASE_SECONDS = int(os.environ.get("NOTICES_LEASE_SECONDS", "120"))  # how long a claimed batch is ours
NOTICES_BATCH = int(os.environ.get("NOTICES_BATCH", "50"))
NOTICES_TICK_SECONDS = float(os.environ.get("NOTICES_TICK_SECONDS", "10"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Logins, lockouts, refusals, throttles, full-ID reveals (jinjie/security.py): one line each, no ID or phone.
    "loggers": {
        "jinjie.security": {"level": os.environ.get("SECURITY_LOG_LEVEL", "INFO")},
        # axes writes its own line per login with the user and address starred out; ours says it once, usefully.
        "axes": {"level": "WARNING"},
    },
}
