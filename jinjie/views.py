import sys

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET, require_http_methods

from cases.selectors import guide_by_category, hall_counts
from departments.selectors import hall_desks
from tickets.presenters import board_entry
from tickets.selectors import board_calls
from villages.models import Village
from villages.public_towns import public_town
from villages.selectors import hall_shifts, next_market_days, today_market_day

from .middleware import LAST_SEEN, is_missing_table, security_log
from .roles import landing_url


@require_GET
def home(request, town_code=None):
    """The public home: the town's, or — several towns and none in the address — the county's towns to choose."""
    where = public_town(town_code)
    if where.several and not where.prefixed:
        return _choose_town(request, where)
    town = where.town
    return render(
        request,
        "jinjie/home.html",
        {
            "town": town,
            "links": where.links(),
            "other_towns": where.towns,
            "categories": guide_by_category(town=town) if town else [],
            "next_days": next_market_days(town=town) if town else [],
        },
    )


def _choose_town(request, where):
    return render(request, "jinjie/county_home.html", {"towns": where.towns, "county": where.towns[0].county})


@never_cache
@require_GET
def healthz(request):
    # The migrations table, not just SELECT 1: a database `migrate` never set up is not healthy (503, server_error).
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM django_migrations LIMIT 1")
        cursor.fetchone()
    return HttpResponse("ok", content_type="text/plain")


@login_required
def landing(request):
    return redirect(landing_url(request.user))


@login_required
def no_role(request):
    return render(request, "jinjie/no_role.html")


@require_GET
def hall_board(request, town_code=None):
    """The hall's TV: today's desks and queues, readable from five metres, no personal data. Each town its own."""
    where = public_town(town_code)
    if where.several and not where.prefixed:
        # A county's server: which hall's board is for the town to choose, never the first town's by default.
        return _choose_town(request, where)
    town = where.town
    if town is None:
        raise Http404
    today = timezone.localdate()
    market_day = today_market_day(town=town, today=today)
    context = {
        "town": town,
        "today": today,
        "market_day": market_day,
        "now": timezone.localtime(),
        "board_url": where.links()["hall"],
        "calls_url": reverse("town:board_calls", kwargs={"town_code": town.code})
        if where.prefixed
        else reverse("tickets:board_calls"),
    }
    if market_day is not None:
        shifts = {s.village_id: s for s in hall_shifts(market_day=market_day)}
        counts = hall_counts(town=town, day=today)
        context.update(
            {
                "desks": [
                    {"village": v, "shift": shifts.get(v.pk)}
                    for v in Village.objects.filter(town=town).order_by("desk_order")
                ],
                "departments": [
                    {"department": d, "waiting": counts["waiting"].get(d.pk, 0)} for d in hall_desks(town=town)
                ],
                "received_today": counts["received"],
                "completed_today": counts["completed"],
                # The latest calls (tickets): the page starts with them, static/tickets/hall_calls.js keeps them fresh.
                "calls": [board_entry(call) for call in board_calls(town=town, day=today)],
            }
        )
    else:
        context["next_days"] = next_market_days(town=town, today=today)
    template = "jinjie/_hall_board.html" if request.headers.get("HX-Request") else "jinjie/hall.html"
    return render(request, template, context)


@never_cache
@require_GET
def hall_calls(request, town_code):
    """A town's hall board calls (/<town code>/hall/calls.json), as tickets' /hall/calls.json for the one town."""
    town = public_town(town_code).town
    calls = board_calls(town=town, day=timezone.localdate())
    return JsonResponse({"calls": [board_entry(call) for call in calls]})


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes calls this when an account or a client address has failed too often."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form = AuthenticationForm(request, data=request.POST or None)
    form.errors.clear()
    form.add_error(
        None,
        _(
            "Too many failed logins for this account or from this computer. Logging in is locked for %(minutes)s"
            " minutes. Try again later, or ask the town office to unlock it."
        )
        % {"minutes": minutes},
    )
    return render(request, "registration/login.html", {"form": form, "locked": True}, status=429)


@never_cache
@require_http_methods(["GET", "POST"])
def session_status(request):
    """How long the session has left before the idle logout. GET (sent as a background request) only asks;
    POST is the "继续" button and counts as activity (the idle middleware has already noted it)."""
    if not request.user.is_authenticated:
        return JsonResponse({"remaining": 0})
    if request.method == "POST":
        request.session[LAST_SEEN] = int(timezone.now().timestamp())  # 继续: the user is at the PC, whatever the clock
    last_seen = request.session.get(LAST_SEEN, int(timezone.now().timestamp()))
    remaining = max(settings.SESSION_IDLE_SECONDS - (int(timezone.now().timestamp()) - int(last_seen)), 0)
    return JsonResponse({"remaining": remaining, "timeout": settings.SESSION_IDLE_SECONDS})


# --- Error pages (issue 8, point 4): in Chinese, under the same headers and Content-Security-Policy as every page. ---
# 403, 404 and the CSRF failure keep the site's navigation (base.html); 400 and 500 are self-contained and rendered
# without the request's context: the request, the session or the database may be exactly what failed.


def bad_request(request, exception):
    return HttpResponseBadRequest(loader.render_to_string("400.html"))


@requires_csrf_token
def permission_denied(request, exception):
    return render(request, "403.html", status=403)


@requires_csrf_token
def page_not_found(request, exception):
    return render(request, "404.html", status=404)


def server_error(request):
    # Django calls this while handling the exception, so it is still at hand: a database that `migrate` has not set
    # up yet (a new install, an old backup restored) gets a page saying what to run instead of a bare 500.
    error = sys.exc_info()[1]
    if isinstance(error, DatabaseError) and is_missing_table(error):
        from .checks import unapplied_migrations

        try:
            pending = unapplied_migrations()
        except DatabaseError:
            pending = []
        security_log.error("setup missing_migrations=%s path=%s", len(pending), request.path)
        context = {"pending": pending[:5], "count": len(pending)}
        return HttpResponse(loader.render_to_string("setup_missing.html", context), status=503)
    return HttpResponseServerError(loader.render_to_string("500.html"))


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: mostly a form left open past its session, or the login page kept open overnight.

    Rendering base.html issues a fresh CSRF cookie, so going back and refreshing is enough to try again.
    """
    return render(request, "403_csrf.html", status=403)
