"""Login, logout and lockout lines for the security log (villages/security.py), and the middleware that logs
refused requests."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import Http404

from villages.security import clean_value, client_address, log, log_event, log_refusal

__all__ = ["log_event", "log_refusal"]


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    if request is not None:
        log_event(request, "login", user=user, result="ok")


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if request is not None:
        log_event(request, "logout", user=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    if request is not None:
        log.warning(
            "login result=failed username=%s client=%s",
            clean_value(credentials.get("username")),
            client_address(request),
        )


def _locked_out(sender, request, username=None, ip_address=None, **kwargs):
    log.warning("lockout username=%s client=%s", clean_value(username), clean_value(ip_address))


class RefusalLogMiddleware:
    """403s and, for signed-in staff, 404s are refusals: a hand-typed URL of someone else's case shows up here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            log_refusal(request, kind="forbidden", detail=type(exception).__name__)
        elif isinstance(exception, Http404) and getattr(request, "user", None) and request.user.is_authenticated:
            log_refusal(request, kind="not_found")
        return None


def connect() -> None:
    from axes.signals import user_locked_out

    user_locked_out.connect(_locked_out, dispatch_uid="jinjie.security.lockout")
