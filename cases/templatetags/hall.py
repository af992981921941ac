"""Template filters of the hall's papers and pages."""

import datetime as dt

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def cn_date(value) -> str:
    """2026年12月2日: the date as a government paper writes it (GB/T 9704: the year in full, no leading zeros)."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return f"{value.year}年{value.month}月{value.day}日"


@register.filter
def cn_month_day(value) -> str:
    """12月2日: a short date on a page (no leading zeros)."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return f"{value.month}月{value.day}日"


@register.filter
def parse_iso_date(value):
    """A date kept as text in a paper's content ("2026-12-09") back as a date."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None
