"""The operator's security log: one line per login, logout, lockout, refusal, throttle and full-ID reveal.

Each line is `event key=value …` on the "jinjie.security" logger, with the user, the client address (as the
throttles see it, behind our own proxies) and the case number where there is one. Never a full ID number or a
phone number: those are what the log is protecting.

It lives in `villages`, the lowest app, so that every app writes the same lines and sees the same client address;
the login signals and the refusal middleware that use it are in `jinjie/security.py`.
"""

import ipaddress
import logging

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's IP address, or None when there is no valid one. X-Forwarded-For is believed only as far as our
    own proxies (NUM_PROXIES) wrote it: anything further left is what the client claims, and a client could rotate
    it to escape a limit."""
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.NUM_PROXIES
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def client_address(request) -> str:
    """The client as the throttles and the log count it ("unknown" without a valid address)."""
    return client_ip(request) or "unknown"


log = logging.getLogger("jinjie.security")


def clean_value(value) -> str:
    text = str(value if value is not None else "-")
    # One event, one line: a value cannot start a forged line of its own.
    return "".join(ch if ch.isprintable() else "?" for ch in text).replace(" ", "_") or "-"


def _user_label(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return "-"
    return user.get_username()


def log_event(request, event: str, *, user=None, level: int = logging.INFO, **fields) -> None:
    user = user if user is not None else getattr(request, "user", None)
    parts = [event, f"user={clean_value(_user_label(user))}", f"client={clean_value(client_address(request))}"]
    parts += [f"{key}={clean_value(value)}" for key, value in fields.items()]
    log.log(level, " ".join(parts))


def log_refusal(request, *, kind: str, detail: str = "", case: str = "") -> None:
    log_event(request, "refusal", level=logging.WARNING, kind=kind, detail=detail, case=case or "-", path=request.path)


def log_full_id(request, *, case: str, where: str) -> None:
    log_event(request, "full_id_shown", case=case, where=where)
