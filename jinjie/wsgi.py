import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinjie.settings")

application = get_wsgi_application()

if settings.SECRET_KEY_MISSING:
    # Serving with a throwaway key would log everyone out on every restart and sign with a secret nobody chose.
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

if not settings.DEBUG and not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
    # Every page links its styles and scripts through collectstatic's manifest: without it each page would fail.
    raise ImproperlyConfigured(
        f"Static files have not been collected into {settings.STATIC_ROOT}: run `manage.py collectstatic --noinput`."
    )
