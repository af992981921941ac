"""The public service guide (办事指南): the catalogue of matters and each matter's page, per town."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from villages.public_towns import PublicTown, public_town
from villages.selectors import next_market_days

from . import guide, selectors
from .models import Matter


@require_GET
def guide_list(request, town_code=None):
    where = public_town(town_code)
    town = where.town
    return render(
        request,
        "cases/guide_list.html",
        {
            "town": town,
            "links": where.links(),
            "other_towns": where.towns,
            "categories": selectors.guide_by_category(town=town) if town else [],
        },
    )


@require_GET
def guide_detail(request, code, town_code=None):
    where = public_town(town_code)
    town = where.town
    if where.several and not where.prefixed:
        # /guide/<code>/ without a town: codes are unique per town, so the code alone may name several towns'
        # matters. One: that one (as the address meant before towns were first-class); several: choose the town.
        towns = [m.town for m in Matter.objects.filter(code=code, is_active=True).select_related("town")]
        if len(towns) > 1:
            context = {"towns": towns, "page": "town:guide_detail", "code": code}
            return render(request, "villages/town_chooser.html", context)
        town = towns[0] if towns else None
        where = PublicTown(town=town, prefixed=True)
    if town is None:
        raise Http404
    try:
        matter = selectors.guide_matter(town=town, code=code)
    except Matter.DoesNotExist:
        raise Http404 from None
    market_days = [day.date for day in next_market_days(town=matter.town, limit=4)]
    return render(
        request,
        "cases/guide_detail.html",
        {"matter": matter, "links": where.links(), "guide": guide.describe(matter, market_days=market_days)},
    )
