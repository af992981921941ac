from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cases.selectors import guide_by_category, hall_counts
from departments.selectors import hall_desks
from villages.models import Village
from villages.selectors import hall_shifts, next_market_days, today_market_day, town_list

from .roles import landing_url


@require_GET
def home(request):
    town = town_list().first()
    return render(
        request,
        "jinjie/home.html",
        {
            "town": town,
            "categories": guide_by_category(town=town) if town else [],
            "next_days": next_market_days(town=town) if town else [],
        },
    )


@never_cache
@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse("ok", content_type="text/plain")


@login_required
def landing(request):
    return redirect(landing_url(request.user))


@login_required
def no_role(request):
    return render(request, "jinjie/no_role.html")


@require_GET
def hall_board(request):
    """The hall's TV: today's desks and queues, readable from five metres, no personal data."""
    town = town_list().first()
    if town is None:
        raise Http404
    today = timezone.localdate()
    market_day = today_market_day(town=town, today=today)
    context = {"town": town, "today": today, "market_day": market_day, "now": timezone.localtime()}
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
            }
        )
    else:
        context["next_days"] = next_market_days(town=town, today=today)
    template = "jinjie/_hall_board.html" if request.headers.get("HX-Request") else "jinjie/hall.html"
    return render(request, template, context)
