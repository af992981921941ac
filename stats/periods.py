"""The periods a report covers: a month, a quarter, a year or a chosen range of days, and the two it is compared
with — the period before (环比) and the same period a year before (同比).

A period is a half-open range of local dates [start, end); its bounds in time are local midnights, so a case
received at 23:30 on the last day belongs to that day wherever the server's clock is.
"""

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from cases.templatetags.hall import cn_date


class PeriodError(ValueError):
    """A period that cannot be read; its message is shown to the user."""


MONTH = "month"
QUARTER = "quarter"
YEAR = "year"
RANGE = "range"

QUARTER_NAMES = ("一", "二", "三", "四")
# The longest range a report may cover: ten years of history, so a typo cannot ask for a century.
MAX_RANGE_DAYS = 3660

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


def _shift_year(day: dt.date, years: int) -> dt.date:
    """The same day `years` later; 29 February becomes 28 February."""
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    kind: str
    start: dt.date  # first day
    end: dt.date  # the day after the last day

    # --- building -------------------------------------------------------------------------------------------------

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        first = dt.date(year, month, 1)
        return cls(MONTH, first, _add_months(first, 1))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> "Period":
        first = dt.date(year, 3 * (quarter - 1) + 1, 1)
        return cls(QUARTER, first, _add_months(first, 3))

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls(YEAR, dt.date(year, 1, 1), dt.date(year + 1, 1, 1))

    @classmethod
    def days(cls, first: dt.date, last: dt.date) -> "Period":
        """A chosen range, both days included."""
        if last < first:
            raise PeriodError(_("The end of the range is before its start."))
        if (last - first).days >= MAX_RANGE_DAYS:
            raise PeriodError(_("A range can cover at most ten years."))
        return cls(RANGE, first, last + dt.timedelta(days=1))

    @classmethod
    def current_month(cls) -> "Period":
        today = timezone.localdate()
        return cls.month(today.year, today.month)

    @classmethod
    def parse(cls, value: str) -> "Period":
        """`2026-11` a month, `2026-Q4` a quarter, `2026` a year, `2026-11-01..2026-11-15` a range of days."""
        value = (value or "").strip()
        try:
            if match := _MONTH.match(value):
                return cls.month(int(match[1]), int(match[2]))
            if match := _QUARTER.match(value):
                return cls.quarter(int(match[1]), int(match[2]))
            if match := _YEAR.match(value):
                return cls.year(int(match[1]))
            if match := _RANGE.match(value):
                return cls.days(dt.date.fromisoformat(match[1]), dt.date.fromisoformat(match[2]))
        except ValueError as error:  # a month 13, a 30 February, a year 0
            if isinstance(error, PeriodError):
                raise
            raise PeriodError(_("There is no such date: %(value)s") % {"value": value}) from None
        raise PeriodError(
            _("Give a month (2026-11), a quarter (2026-Q4), a year (2026) or a range (2026-11-01..2026-11-15).")
        )

    # --- comparing ------------------------------------------------------------------------------------------------

    @property
    def previous(self) -> "Period":
        """环比: the period just before, of the same kind and length."""
        if self.kind == MONTH:
            return Period(MONTH, _add_months(self.start, -1), self.start)
        if self.kind == QUARTER:
            return Period(QUARTER, _add_months(self.start, -3), self.start)
        if self.kind == YEAR:
            return Period.year(self.start.year - 1)
        length = self.end - self.start
        return Period(RANGE, self.start - length, self.start)

    @property
    def next(self) -> "Period":
        if self.kind == MONTH:
            return Period(MONTH, self.end, _add_months(self.end, 1))
        if self.kind == QUARTER:
            return Period(QUARTER, self.end, _add_months(self.end, 3))
        if self.kind == YEAR:
            return Period.year(self.start.year + 1)
        return Period(RANGE, self.end, self.end + (self.end - self.start))

    @property
    def year_before(self) -> "Period":
        """同比: the same dates a year before."""
        return Period(self.kind, _shift_year(self.start, -1), _shift_year(self.end, -1))

    # --- showing --------------------------------------------------------------------------------------------------

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def param(self) -> str:
        """The form `parse` reads back."""
        if self.kind == MONTH:
            return f"{self.start.year:04d}-{self.start.month:02d}"
        if self.kind == QUARTER:
            return f"{self.start.year:04d}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == YEAR:
            return f"{self.start.year:04d}"
        return f"{self.start.isoformat()}..{self.last_day.isoformat()}"

    @property
    def label(self) -> str:
        """As a report's title writes it: 2026年11月, 2026年第四季度, 2026年, 2026年11月1日至2026年11月15日."""
        start = self.start
        if self.kind == MONTH:
            return f"{start.year}年{start.month}月"
        if self.kind == QUARTER:
            return f"{start.year}年第{QUARTER_NAMES[(start.month - 1) // 3]}季度"
        if self.kind == YEAR:
            return f"{start.year}年"
        return f"{cn_date(start)}至{cn_date(self.last_day)}"

    @property
    def months(self) -> list[str]:
        """The months (YYYY-MM) the period touches, for highlighting it on the monthly charts."""
        months, day = [], self.start.replace(day=1)
        while day < self.end:
            months.append(f"{day.year:04d}-{day.month:02d}")
            day = _add_months(day, 1)
        return months

    @property
    def last_month(self) -> tuple[int, int]:
        return self.last_day.year, self.last_day.month

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        start = timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))
        end = timezone.make_aware(dt.datetime.combine(self.end, dt.time.min))
        return start, end

    def is_over(self, today: dt.date) -> bool:
        return self.end <= today

    def __str__(self) -> str:
        return self.param
