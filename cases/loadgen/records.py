"""The loaded town and the plan of one case: its working days, its matters' routes, who acts, the rows to write."""

import bisect
import datetime as dt
import random
from dataclasses import dataclass, field

from cases.calendar import WorkCalendar
from cases.models import Matter

# --- time ------------------------------------------------------------------------------------------------------


class WorkDays:
    """The town's working days by `cases.calendar` for a whole span at once (one query, then bisect): the calendar
    that `cases.workflow.deadline` counts on here, so generated due dates follow the product's own rule."""

    def __init__(self, start: dt.date, end: dt.date, tz: dt.tzinfo, *, town=None):
        calendar = WorkCalendar(start, end, town=town)  # the shared days with the town's own on top, one query
        self.tz = tz
        self.days: list[dt.date] = []
        day = start
        while day <= end:
            if calendar.is_working_day(day):
                self.days.append(day)
            day += dt.timedelta(days=1)

    def local(self, moment: dt.datetime) -> dt.date:
        return moment.astimezone(self.tz).date()

    def nth(self, day: dt.date, n: int) -> dt.date:
        """n == 0: the first working day on or after `day`; n > 0: the n-th working day after it."""
        i = bisect.bisect_left(self.days, day) if n == 0 else bisect.bisect_right(self.days, day) + n - 1
        return self.days[min(i, len(self.days) - 1)]

    def between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Like `cases.calendar.working_days_between`."""
        first, last = self.local(start), self.local(end)
        if last <= first:
            return 0
        return bisect.bisect_right(self.days, last) - bisect.bisect_right(self.days, first)

    def at(self, day: dt.date, rng: random.Random, start=(8, 30), end=(17, 30)) -> dt.datetime:
        minute = rng.randint(start[0] * 60 + start[1], end[0] * 60 + end[1])
        return dt.datetime.combine(day, dt.time(minute // 60, minute % 60, rng.randint(0, 59)), tzinfo=self.tz)

    def after(self, moment: dt.datetime, workdays: int, rng: random.Random) -> dt.datetime:
        """A plausible time `workdays` working days later (minutes later for 0)."""
        if workdays <= 0:
            return moment + dt.timedelta(minutes=rng.randint(5, 150), seconds=rng.randint(0, 59))
        later = self.at(self.nth(self.local(moment), workdays), rng)
        return max(later, moment + dt.timedelta(minutes=1))


# --- who and what ----------------------------------------------------------------------------------------------


@dataclass
class StepTemplate:
    kind: str
    department_id: int | None
    desk_department_id: int | None
    department_name: str
    action: str
    time_limit_days: int
    county_mode: str
    label: str


@dataclass
class MatterInfo:
    matter: Matter
    steps: list[StepTemplate]
    materials: list[dict]
    first_department_id: int | None


@dataclass
class People:
    """Who acts at each desk: (user id, name) pairs."""

    cadres: dict[int, list[tuple[int, str]]]
    clerks: dict[int, list[tuple[int, str]]]
    officers: dict[int, list[tuple[int, str]]]
    office: list[tuple[int, str]]

    def cadre(self, rng, village_id):
        return rng.choice(self.cadres.get(village_id) or self.office)

    def clerk(self, rng, department_id):
        return rng.choice(self.clerks.get(department_id) or self.office)

    def officer(self, rng, department_id, desk_department_id):
        return rng.choice(self.officers.get(department_id) or self.clerks.get(desk_department_id) or self.office)


@dataclass
class Plan:
    """One case as it stands now: the rows to write, with steps referred to by their index."""

    case: dict
    steps: list[dict]
    events: list[tuple] = field(default_factory=list)  # (action, at, (user id, name), step index, from, to, note)
    seals: list[tuple] = field(default_factory=list)  # (step index, at, (user id, name))
    appointments: list[dict] = field(default_factory=list)  # with "step": index
    rating: dict | None = None
    rectification: dict | None = None
    current: int | None = None  # index of the active step of an open case
