"""The pages people open again and again — the desk, the queue, the one-stop view, a villager's tracking page, the
hall board's calls — kept for as long as nothing they show has changed (issue 13 point 6).

A copy is kept under the versions of the towns the page can show (villages.page_versions: every committed change of
a town moves its version) and today's date (the due lights change at midnight), besides the address, the user, the
language and htmx's partial request. So a change anywhere in those towns — a case, a step, a roster, the catalogue,
a membership — makes the next request render afresh; nothing is served that a fresh render would show differently,
except within the moment between a commit and its version's move. SECONDS only bounds how long an unused copy takes
memory.

A form's CSRF token is not kept: the copy holds a placeholder where the token was, and each answer from it gets the
asker's own token (and, for a first visit, the cookie it belongs to), as a fresh render would.

Whose towns (PAGES): a staff page, the towns the user works in; the tracking page, the case's own town; the board's
calls, the hall's town.

Kept only: a 200 for a GET; nothing pending in the flash messages (they show once); no cookie set by the view; not
marked `never_kept` by the view (the one-stop view is when it shows a full ID number, which is logged each time it
is shown). Each process keeps its own copies in the configured cache; the versions are in the database, so every
process sees every change.
"""

import hashlib
import re

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db.models import Q
from django.http import HttpResponse
from django.middleware.csrf import CSRF_TOKEN_LENGTH, get_token
from django.utils import timezone

from cases.access import roles_for
from cases.models import Case
from departments.models import Department
from villages.models import Town, Village
from villages.page_versions import versions

SECONDS = 600
KEY_PREFIX = "kept-page"
# What {% csrf_token %} writes (django.template.defaulttags.CsrfTokenNode), and what the copy holds instead.
TOKEN_FIELD = re.compile(rb'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]{%d}(")' % CSRF_TOKEN_LENGTH)
PLACEHOLDER = b"\x00csrf\x00"


def _works_in(user) -> Q:
    """The towns whose changes a staff page may show: the user's villages', desks', offices' and, for a county
    officer, every town of the department's county; a superuser's, every town. Semi-joins, never a join that
    multiplies the towns' rows; only the parts the user has (most people have one role)."""
    if user.is_superuser:
        return Q()
    roles = roles_for(user)
    where = Q(pk__in=roles.office_town_ids | roles.supervisor_town_ids)
    if roles.village_ids:
        where |= Q(pk__in=Village.objects.filter(pk__in=roles.village_ids).values("town"))
    if roles.clerk_department_ids:
        where |= Q(pk__in=Department.objects.filter(pk__in=roles.clerk_department_ids).values("town"))
    if roles.county_department_ids:
        departments = Department.objects.filter(pk__in=roles.county_department_ids)
        where |= Q(pk__in=departments.values("town")) | Q(county__in=departments.filter(town=None).values("county"))
    return where


def user_towns(request, kwargs):
    """A staff page: the user's towns. None (nothing kept) for a visitor not signed in."""
    if not request.user.is_authenticated:
        return None
    return Town.objects.filter(_works_in(request.user))


def case_page_towns(request, kwargs):
    """The one-stop view: the user's towns and the case's own (a county officer reads a referral of any town)."""
    if not request.user.is_authenticated:
        return None
    case = Case.objects.filter(number=kwargs.get("number", "")).values("town")
    return Town.objects.filter(_works_in(request.user) | Q(pk__in=case))


def case_town(request, kwargs):
    """The tracking page shows one case: its town's changes."""
    return Town.objects.filter(pk__in=Case.objects.filter(token=kwargs.get("token", "")).values("town"))


def named_town(request, kwargs):
    """A town's own public page (/<town code>/…)."""
    return Town.objects.filter(code=kwargs.get("town_code", ""))


def every_town(request, kwargs):
    """A page of the single-town addresses, which show the first town (any town's change counts)."""
    return Town.objects.all()


# view name → the towns whose changes it may show
PAGES = {
    "cases:desk": user_towns,
    "cases:queue": user_towns,
    "cases:detail": case_page_towns,
    "cases:public_token": case_town,
    # The hall board's calls, polled every second or two by every TV of the hall.
    "town:board_calls": named_town,
    "tickets:board_calls": every_town,
}


def cache_key(request, towns) -> str | None:
    """None when the page shows no town (nothing would ever move its key)."""
    town_versions = versions(towns)
    if not town_versions:
        return None
    parts = [
        request.resolver_match.view_name,
        request.get_full_path(),
        str(request.user.pk or ""),
        getattr(request, "LANGUAGE_CODE", ""),
        request.headers.get("HX-Request", ""),
        timezone.localdate().isoformat(),
        repr(town_versions),
    ]
    return f"{KEY_PREFIX}:{hashlib.sha256(chr(31).join(parts).encode()).hexdigest()}"


def _keepable(request, response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not getattr(response, "never_kept", False)
        and not len(get_messages(request))
    )


def _answer(kept, request) -> HttpResponse:
    content, content_type = kept
    if PLACEHOLDER in content:
        content = content.replace(PLACEHOLDER, get_token(request).encode())
    return HttpResponse(content, content_type=content_type)


class KeptPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        key = getattr(request, "_kept_page", None)
        if key is not None and _keepable(request, response):
            content = TOKEN_FIELD.sub(rb"\1" + PLACEHOLDER + rb"\2", response.content)
            cache.set(key, (content, response["Content-Type"]), SECONDS)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        scope = PAGES.get(match.view_name) if match else None
        if scope is None or request.method != "GET" or len(get_messages(request)):
            return None
        towns = scope(request, view_kwargs)
        if towns is None:
            return None
        key = cache_key(request, towns)
        if key is None:
            return None
        kept = cache.get(key)
        if kept is not None:
            return _answer(kept, request)
        request._kept_page = key
        return None
