"""The loaded town and the plan of one case: its working days, its matters' routes, who acts, the rows to write."""

import bisect
import datetime as dt
import random
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from cases import workflow
from cases.calendar import WorkCalendar
from cases.models import CaseStep, Matter, MediationOutcome, Rating

# --- time ------------------------------------------------------------------------------------------------------


class WorkDays:
    """The town's working days by `cases.calendar` for a whole span at once (one query, then bisect): the calendar
    that `cases.workflow.deadline` counts on here, so generated due dates follow the product's own rule."""

    def __init__(self, start: dt.date, end: dt.date, tz: dt.tzinfo, *, town=None):
        calendar = WorkCalendar(start, end, town=town)  # the shared days with the town's own on top, one query
        self.tz = tz
        # `workflow.deadline` counts from the start's local date in the current time zone: its answers are cached
        # by that date (and the limit), so each is asked of the workflow once per run, not once per step.
        self.current_tz = timezone.get_current_timezone()
        self._deadlines: dict[tuple[dt.date, int], tuple[dt.date, dt.datetime]] = {}
        self._extended: dict[tuple[dt.date, int], tuple[dt.date, dt.datetime]] = {}
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

    def deadline(self, start: dt.datetime, working_days: int) -> tuple[dt.date, dt.datetime]:
        """(due_on, due_at) of `workflow.deadline(start, working_days)` on this calendar, cached."""
        key = (start.astimezone(self.current_tz).date(), working_days)
        due = self._deadlines.get(key)
        if due is None:
            rule = workflow.deadline(start, working_days, calendar=self)
            due = self._deadlines[key] = (rule.due_on, rule.overdue_at)
        return due

    def extended(self, due_on: dt.date, waited: int) -> tuple[dt.date, dt.datetime]:
        """(due_on, due_at) of `workflow.extended(due_on, waited)` on this calendar, cached."""
        key = (due_on, waited)
        due = self._extended.get(key)
        if due is None:
            rule = workflow.extended(due_on, waited, calendar=self)
            due = self._extended[key] = (rule.due_on, rule.overdue_at)
        return due

    def at(self, day: dt.date, rng: random.Random, start=(8, 30), end=(17, 30)) -> dt.datetime:
        minute = rng.randint(start[0] * 60 + start[1], end[0] * 60 + end[1])
        return dt.datetime.combine(day, dt.time(minute // 60, minute % 60, rng.randint(0, 59)), tzinfo=self.tz)

    def after(self, moment: dt.datetime, workdays: int, rng: random.Random) -> dt.datetime:
        """A plausible time `workdays` working days later (minutes later for 0)."""
        if workdays <= 0:
            return moment + dt.timedelta(minutes=rng.randint(5, 150), seconds=rng.randint(0, 59))
        later = self.at(self.nth(self.local(moment), workdays), rng)
        return max(later, moment + dt.timedelta(minutes=1))


# --- words ---------------------------------------------------------------------------------------------------


class Texts:
    """The product's words the cases are written in, translated once per run (a run has one language), not once
    per step: the same strings `gettext` gives, looked up once."""

    def __init__(self, mediation_notes: dict[str, str]):
        self.stamped = _("Facts verified; village certificate stamped.")
        self.hall = _("Town service hall")
        self.clock_stopped = _("Clock stopped for %(days)s working day(s).")
        self.referred = _("Approved form to be taken to %(department)s.")
        self.rectified = _("%(action)s (follow-up call: %(result)s)")
        self.satisfied = _("Satisfied")
        self.seal = _("%(village)s villagers' committee seal")
        self.seal_purpose = _("Village certificate for %(matter)s, case %(number)s")
        self.levels = {level.value: str(level.label) for level in Rating.Level}
        self.reasons = {reason.value: str(reason.label) for reason in Rating.Reason}
        self.mediation = {
            outcome: f"{MediationOutcome(outcome).label}：{note}" for outcome, note in mediation_notes.items()
        }


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
    step_rows: list[dict] = field(init=False)  # what each case's steps start as (copied, then played)

    def __post_init__(self):
        self.step_rows = [
            {
                "order": i + 1,
                "kind": t.kind,
                "department_id": t.department_id,
                "desk_department_id": t.desk_department_id,
                "action": t.action,
                "time_limit_days": t.time_limit_days,
                "county_mode": t.county_mode,
                "state": CaseStep.State.PENDING,
                "started_at": None,
                "due_on": None,
                "due_at": None,
                "accepted_at": None,
                "accepted_by_id": None,
                "finished_at": None,
                "finished_by_id": None,
                "outcome": "",
                "return_count": 0,
            }
            for i, t in enumerate(self.steps)
        ]


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
