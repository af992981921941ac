"""The staff pages people open again and again — the desk, the queue, the one-stop view — kept per user for as long
as nothing they show has changed (issue 13 point 6).

A copy is kept under the versions of the towns the user works in (villages.page_versions: every committed change of
a town moves its version) and today's date (the due lights change at midnight), besides the address, the user, the
browser's CSRF secret (the page's forms carry a token for it), the language and htmx's partial request. So a change
anywhere in the user's towns — a case, a step, a roster, the catalogue, a membership — makes the next request render
afresh; nothing is ever served that a fresh render would show differently, except within the moment between a
commit and its version's move. SECONDS only bounds how long an unused copy takes memory.

Kept only: a 200 for a GET by a signed-in user with a CSRF cookie; nothing pending in the flash messages (they show
once); no cookie set by the response; not marked no-store by the view (the one-stop view does when it shows a full
ID number, which is logged each time it is shown). Each process keeps its own copies in the configured cache; the
versions are in the database, so every process sees every change.
"""

import hashlib

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db.models import Q
from django.http import HttpResponse
from django.utils import timezone

from cases.access import roles_for
from departments.models import Department
from villages.models import Town
from villages.page_versions import versions

STAFF_PAGES = {"cases:desk", "cases:queue", "cases:detail"}
SECONDS = 600
KEY_PREFIX = "staff-page"


def user_towns(user):
    """The towns whose changes the user's pages may show: their villages', desks', offices' and, for a county
    officer, every town of the department's county."""
    roles = roles_for(user)
    departments = roles.clerk_department_ids | roles.county_department_ids
    county_wide = Department.objects.filter(pk__in=departments, town=None).values("county")
    return Town.objects.filter(
        Q(pk__in=roles.office_town_ids | roles.supervisor_town_ids)
        | Q(pk__in=Department.objects.filter(pk__in=departments).values("town"))
        | Q(villages__in=roles.village_ids)
        | Q(county__in=county_wide)
    ).distinct()


def cache_key(request) -> str | None:
    secret = request.META.get("CSRF_COOKIE")
    if not secret:
        return None  # no CSRF cookie yet: the page would set one
    parts = [
        request.resolver_match.view_name,
        request.get_full_path(),
        str(request.user.pk),
        secret,
        getattr(request, "LANGUAGE_CODE", ""),
        request.headers.get("HX-Request", ""),
        timezone.localdate().isoformat(),
        repr(versions(user_towns(request.user))),
    ]
    return f"{KEY_PREFIX}:{hashlib.sha256(chr(31).join(parts).encode()).hexdigest()}"


def _keepable(response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "no-store" not in response.get("Cache-Control", "")
    )


class StaffPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        key = getattr(request, "_staff_page_key", None)
        if key is not None and _keepable(response) and not len(get_messages(request)):
            cache.set(key, (response.content, response["Content-Type"]), SECONDS)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.view_name not in STAFF_PAGES or request.method != "GET":
            return None
        if not request.user.is_authenticated or len(get_messages(request)):
            return None
        key = cache_key(request)
        if key is None:
            return None
        kept = cache.get(key)
        if kept is not None:
            content, content_type = kept
            return HttpResponse(content, content_type=content_type)
        request._staff_page_key = key
        return None
