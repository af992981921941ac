from django import template
from django.utils import timezone

from villages.models import MarketDay

from ..desks import Desk
from ..presenters import issuable_cases
from ..selectors import desk_panel

register = template.Library()


def panel_context(desk: Desk) -> dict:
    day = timezone.localdate()
    if not MarketDay.objects.filter(town_id=desk.town_id, date=day, is_cancelled=False).exists():
        return {"desk": desk, "market_day": False}
    context = desk_panel(desk=desk, day=day)
    context["market_day"] = True
    context["issuable"] = list(issuable_cases(village_id=desk.pk, day=day)) if desk.is_village else []
    return context


@register.inclusion_tag("tickets/_panel.html", takes_context=True)
def ticket_panel(context, kind: str, obj):
    """The calling panel of a village's desk or a department's window (cases:desk, cases:queue)."""
    desk = Desk.of_village(obj) if kind == "village" else Desk.of_department(obj)
    result = panel_context(desk)
    result["csrf_token"] = context.get("csrf_token")
    return result
