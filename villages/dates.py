"""The date as a government paper writes it: 2026年12月2日 (GB/T 9704: the year in full, no leading zeros).

In the lowest app, so that every app's messages, pages and papers write dates by this one rule (cases' `cn_date`
template filter, the county's visit rounds)."""

import datetime as dt

from django.utils import timezone


def cn_date(value: dt.date | dt.datetime | None) -> str:
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return f"{value.year}年{value.month}月{value.day}日"
