"""Request guards for the hall's shared PCs and untrusted network."""

import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseBadRequest, QueryDict
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import gettext as _

security_log = logging.getLogger("jinjie.security")

LAST_SEEN = "hall_last_seen"
LAST_SEEN_GRANULARITY = 30  # seconds
# Sent by static/hall/session.js when it only asks how long the session has left: that is not the user at the PC.
BACKGROUND_HEADER = "X-Hall-Background"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(query: QueryDict) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in query.lists())


class InvalidInputMiddleware:
    """A NUL byte in the path or a parameter is never a real request: answer 400 with the Chinese page before any
    view hands it to the database (PostgreSQL refuses NUL in text and would turn it into a 500)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._invalid(request):
            from .security import log_refusal

            log_refusal(request, kind="invalid_input", detail="nul_byte")
            return HttpResponseBadRequest(render_to_string("400.html", request=request))
        return self.get_response(request)

    @staticmethod
    def _invalid(request) -> bool:
        if "\x00" in request.path or _has_nul(request.GET):
            return True
        return request.method == "POST" and request.content_type in FORM_TYPES and _has_nul(request.POST)


def is_background(request) -> bool:
    return request.headers.get(BACKGROUND_HEADER) == "1"


class IdleLogoutMiddleware:
    """A staff session ends after SESSION_IDLE_SECONDS without a page being opened: the next person at a shared
    desk PC finds the login page, not the cadre's cases. Background requests (the idle timer asking how long is
    left) do not count as activity."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN)
            if last_seen is not None and now - int(last_seen) >= settings.SESSION_IDLE_SECONDS:
                from .security import log_event

                log_event(request, "logout", reason="idle", user=user)
                logout(request)
                if is_background(request):
                    return self.get_response(request)
                messages.info(request, _("You were logged out after a time without activity. Please log in again."))
                return redirect_to_login(request.get_full_path())
            # Noted to the half minute: a page view need not also be a session write every time.
            granularity = min(LAST_SEEN_GRANULARITY, settings.SESSION_IDLE_SECONDS // 10)
            if not is_background(request) and (last_seen is None or now - int(last_seen) >= granularity):
                request.session[LAST_SEEN] = now
        return self.get_response(request)


class NoStoreForStaffMiddleware:
    """Pages for a signed-in user are never kept by the browser: after logout the back button shows nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated or getattr(request, "hall_private", False):
            add_never_cache_headers(response)
            patch_vary_headers(response, ["Cookie"])
        return response


class PermissionsPolicyMiddleware:
    """Permissions-Policy on every response (Django has no setting for it): the hall's pages need no camera,
    microphone, location, payment or USB, so no page — nor anything injected into one — may ask for them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


def is_missing_table(exception) -> bool:
    """The database error of a table `migrate` has not created yet (SQLite and PostgreSQL wording)."""
    text = str(exception).lower()
    return "no such table" in text or ("relation" in text and "does not exist" in text)
