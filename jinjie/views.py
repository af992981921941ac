from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cases.selectors import guide_by_category
from villages.selectors import town_list

from .roles import landing_url


@require_GET
def home(request):
    town = town_list().first()
    return render(
        request,
        "jinjie/home.html",
        {"town": town, "categories": guide_by_category(town=town) if town else []},
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
