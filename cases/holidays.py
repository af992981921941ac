"""Keeping the holiday calendar current: the national days from chinesecalendar, regional and hand-entered days left
alone, and the warning when next year's calendar is missing (issue 11 point 7)."""

import datetime as dt
from dataclasses import dataclass

import chinese_calendar
from django.core import checks
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Holiday

# chinesecalendar names the days in English; the calendar shows them as the State Council's notice does.
CHINESE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}

# From this day of the year on, next year's calendar is due: the State Council publishes it in October or November.
WARN_FROM = (11, 1)


class CalendarUnknown(Exception):
    """chinesecalendar has no arrangement for the year (yet)."""

    code = "unknown_year"

    def __init__(self, year: int):
        self.year = year
        super().__init__(
            _(
                "The holiday library chinesecalendar does not know the arrangement for %(year)s yet: import it once "
                "the library is updated, or enter the days one by one in the administration."
            )
            % {"year": year}
        )


@dataclass(frozen=True)
class ImportResult:
    year: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    kept: int = 0  # regional or hand-entered days on a date the library also lists: left as the town office set them

    def __str__(self) -> str:
        return _(
            "%(year)s: %(created)s day(s) added, %(updated)s updated, %(unchanged)s unchanged, %(removed)s removed; "
            "%(kept)s regional or hand-entered day(s) kept as they were."
        ) % {
            "year": self.year,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "kept": self.kept,
        }


def national_days(year: int) -> dict[dt.date, tuple[str, str]]:
    """The days of `year` that change the Monday-to-Friday rule: weekday holidays and weekend make-up working days
    (调休), as {date: (kind, Chinese name)}. Raises CalendarUnknown when the library does not know the year."""
    day = dt.date(year, 1, 1)
    days: dict[dt.date, tuple[str, str]] = {}
    while day.year == year:
        try:
            is_holiday, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            raise CalendarUnknown(year) from None
        weekend = day.weekday() >= 5
        if is_holiday and not weekend and name:
            days[day] = (Holiday.Kind.HOLIDAY, CHINESE_NAMES.get(name, name))
        elif not is_holiday and weekend and name:
            days[day] = (Holiday.Kind.WORKDAY, CHINESE_NAMES.get(name, name))
        day += dt.timedelta(days=1)
    return days


def import_national_year(year: int) -> ImportResult:
    """Make the national days of `year` in the calendar what chinesecalendar says, in one transaction: add the missing
    ones, correct changed ones, remove imported ones the library no longer lists. Only the shared calendar (town
    empty) is touched: a town's own days stand over it for that town. A regional or hand-entered shared day is never
    changed or removed either: on its date that decision stands. Running it twice changes nothing."""
    wanted = national_days(year)
    created = updated = unchanged = removed = kept = 0
    with transaction.atomic():
        existing = {
            holiday.date: holiday
            for holiday in Holiday.objects.select_for_update()
            .filter(date__year=year, town__isnull=True)
            .order_by("date")
        }
        for date, (kind, name) in wanted.items():
            holiday = existing.get(date)
            if holiday is None:
                Holiday.objects.create(date=date, kind=kind, name=name, source=Holiday.Source.NATIONAL)
                created += 1
            elif holiday.source != Holiday.Source.NATIONAL:
                kept += 1
            elif (holiday.kind, holiday.name) == (kind, name):
                unchanged += 1
            else:
                holiday.kind, holiday.name = kind, name
                holiday.save(update_fields=["kind", "name"])
                updated += 1
        stale = [
            holiday.pk
            for date, holiday in existing.items()
            if holiday.source == Holiday.Source.NATIONAL and date not in wanted
        ]
        if stale:
            removed = Holiday.objects.filter(pk__in=stale).delete()[0]
    return ImportResult(year=year, created=created, updated=updated, unchanged=unchanged, removed=removed, kept=kept)


def calendar_missing(today: dt.date) -> int | None:
    """From 1 November on: next year, when no national day of next year has been imported yet; otherwise None."""
    if (today.month, today.day) < WARN_FROM:
        return None
    year = today.year + 1
    if Holiday.objects.filter(date__year=year, source=Holiday.Source.NATIONAL).exists():
        return None
    return year


def missing_message(year: int) -> str:
    return _(
        "The holiday calendar for %(year)s has not been imported: deadlines after New Year would count holidays as "
        "working days. Import the national holidays in the holiday calendar, or enter them by hand if the library "
        "does not know the year yet."
    ) % {"year": year}


def calendar_check(
    app_configs=None, databases=None, today: dt.date | None = None, **kwargs
) -> list[checks.CheckMessage]:
    """cases.W001 (tag database: `manage.py check --database default`): next year's calendar is missing."""
    if not databases or "default" not in databases:
        return []
    try:
        year = calendar_missing(today or timezone.localdate())
    except DatabaseError:  # not migrated yet: `migrate` comes first, and says so itself
        return []
    if year is None:
        return []
    return [
        checks.Warning(
            missing_message(year),
            hint=_("Run `manage.py import_holidays --year %(year)s`, or use the action in the holiday calendar.")
            % {"year": year},
            id="cases.W001",
        )
    ]
