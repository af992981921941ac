"""Dates as a Chinese government office writes them (GB/T 9704): 2026年12月2日, 12月2日 — never 12月02日. Django's
own zh_Hans formats, with the month-day one fixed (it pads the month)."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

MONTH_DAY_FORMAT = "n月j日"
