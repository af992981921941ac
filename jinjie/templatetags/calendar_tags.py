"""The holiday calendar on the town office's pages: the warning when next year's calendar is missing, and the
holidays that market days fall on (issue 11 point 7). Here in the project app, which may read both villages and cases.
"""

from django import template
from django.db.models import F, Q
from django.utils import timezone

from cases.holidays import calendar_missing, missing_message
from cases.models import Holiday

register = template.Library()


@register.inclusion_tag("admin/_calendar_warning.html")
def calendar_warning():
    """{% calendar_warning %}: a warning box, from 1 November on, while next year's national days are not imported."""
    year = calendar_missing(timezone.localdate())
    return {"year": year, "message": missing_message(year) if year else ""}


@register.simple_tag
def holidays_on(days) -> dict:
    """{% holidays_on days as holidays %}: {date: name (may be blank)} of the holidays (days off, not 调休) among
    the dates of `days` (market days of one town, or dates), by that town's calendar, in one query however many days
    the page lists."""
    dates = {getattr(day, "date", day) for day in days}
    if not dates:
        return {}
    # The shared calendar with the town's own days on top (market days of one town; dates alone: shared only).
    towns = {getattr(day, "town_id", None) for day in days} - {None}
    rows = Holiday.objects.filter(date__in=dates).filter(Q(town__isnull=True) | Q(town__in=towns))
    chosen: dict = {}
    for date, kind, name in rows.order_by(F("town").asc(nulls_first=True)).values_list("date", "kind", "name"):
        chosen[date] = (kind, name)
    return {date: name for date, (kind, name) in chosen.items() if kind == Holiday.Kind.HOLIDAY}


@register.filter
def holiday_name(date, holidays: dict) -> str:
    """{{ day.date|holiday_name:holidays }}: the holiday's name on that date, or "" (holidays from holidays_on)."""
    return holidays.get(date, "") if holidays else ""
