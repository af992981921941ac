"""The public service guide (办事指南): the catalogue of matters and each matter's page."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from villages.selectors import next_market_days, town_list

from . import guide, selectors
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
    market_days = [day.date for day in next_market_days(town=matter.town, limit=4)]
    return render(
        request,
        "cases/guide_detail.html",
        {"matter": matter, "guide": guide.describe(matter, market_days=market_days)},
    )
