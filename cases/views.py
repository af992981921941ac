from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from villages.selectors import town_list

from . import selectors
from .models import Matter


@require_GET
def guide_list(request):
    town = town_list().first()
    return render(
        request,
        "cases/guide_list.html",
        {"town": town, "categories": selectors.guide_by_category(town=town) if town else []},
    )


@require_GET
def guide_detail(request, code):
    try:
        matter = selectors.guide_matter(code=code)
    except Matter.DoesNotExist:
        raise Http404 from None
    return render(request, "cases/guide_detail.html", {"matter": matter})


@login_required
def desk(request):
    if not selectors.cadre_villages(user=request.user).exists():
        raise PermissionDenied
    return render(request, "cases/placeholder.html", {"title": "desk"})


@login_required
def queue(request):
    if not selectors.clerk_departments(user=request.user).exists():
        raise PermissionDenied
    return render(request, "cases/placeholder.html", {"title": "queue"})


@login_required
def appointments(request):
    if not selectors.county_departments(user=request.user).exists():
        raise PermissionDenied
    return render(request, "cases/placeholder.html", {"title": "appointments"})
