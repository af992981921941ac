"""Settings for the 村事镇办 service hall.

Configuration comes only from the environment (DESIGN.md, "Contracts"):
DATABASE_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS, TIME_ZONE, USE_TZ.
"""

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
    "jinjie.apps.JinjieConfig",
    "villages",
    "departments",
    "cases",
]

MIDDLEWARE = [
    # Outermost, so every response carries them, redirects and early refusals included (see "Security headers").
    "csp.middleware.CSPMiddleware",
    "jinjie.middleware.PermissionsPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers on SQLite wait for each other instead of failing: take the write lock at BEGIN.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
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

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "landing"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = env_bool("USE_TZ", True)

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
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

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_TAGS = {40: "danger"}

# How many reverse proxies of our own sit in front of the app (nginx: 1). Only their X-Forwarded-For entries count.
NUM_PROXIES = int(os.environ.get("NUM_PROXIES", "0"))

# The tracking throttle counts wrong guesses here; one shared place so several app servers agree.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "jinjie_cache",
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 10  # one market day at the desk
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
