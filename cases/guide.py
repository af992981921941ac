"""What the service guide (办事指南) says about a matter that follows from its route, written once.

Who decides (实施主体), how long each step takes and the whole promise (承诺时限, beside the 法定时限), where to
go and how many times: all read from the matter's route — the village certificate, the town desks in order, the
county step — so the guide page, the list and the admin's preview cannot say something the route does not. The
free-text summary says what the matter is for, never how long it takes (tests/cases/test_guide.py).

Who decides is the body at the end of the route, the one whose decision the villager gets:

- a county step: the county department (天等县民政局 for 低保, 天等县林业局 for a felling permit) — the town only
  checks and forwards, whether the county comes to the hall (县级约办), the villager takes the approved form to it
  (转县办理) or the town sends the file up (镇里报送);
- otherwise, a route ending at a town desk: the town government (天等县进结镇人民政府). The town's offices (民政办,
  党政办…) handle the matter but are not bodies that decide in their own name;
- a route ending at a utility desk: the utility itself (天等县进结供电所), which is not a government body;
- no desk at all, only the village certificate: the applicant's village committee (爱乐村村民委员会 when the village
  is known).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .models import Matter, RouteStep


@dataclass(frozen=True)
class TimedStep:
    """One step of the route as the guide states it: "民政办：3个工作日", where it is and what it does."""

    label: str
    days: int | None  # None: done on the spot
    text: str
    where: str = ""
    action: str = ""

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Timing:
    steps: list[TimedStep]
    promised_days: int  # the total the receipt promises; 0: a same-day matter
    legal_days: int  # 0: none set by law (or none entered)
    promised: str  # "承诺时限：27个工作日"
    legal: str  # "法定时限：30个工作日", "" when none is set

    @property
    def lines(self) -> list[str]:
        return [*(s.text for s in self.steps), self.promised, *([self.legal] if self.legal else [])]


@dataclass(frozen=True)
class Visits:
    """到现场次数: trips to the town hall (0 or 1), and one to a county office when the villager takes the form."""

    hall: int
    county_office: str  # the county department the villager goes to himself (转县办理), "" when none
    text: str


@dataclass(frozen=True)
class Guide:
    """Everything the guide page shows about a matter that is not its own free text."""

    matter: Matter
    implementing_body: str
    timing: Timing
    visits: Visits
    places: list[str]
    office_hours: str
    market_days: list[dt.date] = field(default_factory=list)
    contact: str = ""
    complaint_phone: str = ""
    result: str = ""
    delivery: str = ""


def _route(matter: Matter) -> list[RouteStep]:
    # matter.route.all() uses the guide selector's prefetch (departments included); ordered there and in Meta.
    return list(matter.route.all())


def _days(days: int) -> str:
    return _("%(days)s working day(s)") % {"days": days}


def county_label(matter: Matter) -> str:
    """县残联·县级约办（到镇大厅办理）: the county department and how the county step works."""
    if not matter.county_mode:
        return ""
    return _("%(department)s, %(mode)s") % {
        "department": matter.county_department.name,
        "mode": matter.get_county_mode_display(),
    }


def timed_steps(matter: Matter) -> list[TimedStep]:
    """The route's steps with their time limits, in order: village certificate, town desks, county step."""
    steps = []

    def add(label: str, days: int, same_day: str, where: str, action: str) -> None:
        text = _("%(step)s: %(time)s") % {"step": label, "time": _days(days) if days else same_day}
        steps.append(TimedStep(label=label, days=days or None, text=text, where=where, action=action))

    if matter.needs_village_certificate:
        add(
            _("Village certificate"),
            matter.village_time_limit_days,
            _("done on the spot on market day"),
            _("your village's desk in the town hall, on market day"),
            _("the duty cadre checks the facts, writes the village certificate and stamps it with the committee seal"),
        )
    for step in _route(matter):
        department = step.department
        add(department.name, step.time_limit_days, _("done on the spot"), department.desk_label, step.action)
    if matter.county_mode:
        where = {
            Matter.CountyMode.APPOINTMENT: _(
                "county staff come to the town hall on the agreed day (usually a market day)"
            ),
            Matter.CountyMode.REFERRAL: _("you take the county referral form to %(office)s"),
            Matter.CountyMode.SUBMISSION: _("the town sends the file up to %(office)s; you need not go to the county"),
        }[matter.county_mode] % {"office": matter.county_department.issuer}
        add(county_label(matter), matter.county_time_limit_days, _("done on the spot"), where, matter.county_action)
    return steps


def route_days(matter: Matter) -> int:
    """The working days the route's steps add up to (the village certificate, every desk, the county step)."""
    return sum(s.days or 0 for s in timed_steps(matter))


def promised(matter: Matter) -> str:
    """承诺时限：27个工作日 — or 即办件 — from the matter's own fields (no query: the list page uses it)."""
    if matter.is_same_day or not matter.promised_days:
        return _("Promised time: %(time)s") % {"time": _("same-day matter, done on the spot")}
    return _("Promised time: %(time)s") % {"time": _days(matter.promised_days)}


def timing(matter: Matter) -> Timing:
    """The timing sentences of the guide: each step's limit, the promised total and the legal limit if set."""
    return Timing(
        steps=timed_steps(matter),
        promised_days=0 if matter.is_same_day else matter.promised_days,
        legal_days=matter.legal_days,
        promised=promised(matter),
        legal=_("Legal time limit: %(time)s") % {"time": _days(matter.legal_days)} if matter.legal_days else "",
    )


def implementing_body(matter: Matter, *, village=None) -> str:
    """实施主体: the body whose decision the villager gets, the end of the route (see the module's docstring)."""
    if matter.county_mode:
        return matter.county_department.issuer
    route = _route(matter)
    if route:
        last = route[-1].department
        return last.issuer if not last.is_government_body else matter.town.government
    if village is not None:
        return village.committee
    return _("the applicant's village committee")


def visits(matter: Matter) -> Visits:
    """到现场次数 to the town hall (the matter's own figure: 0 when the village cadre hands it in for the villager),
    plus the trip to the county office that a referral (转县办理) asks of the villager."""
    hall = matter.visits
    county_office = matter.county_department.name if matter.county_mode == Matter.CountyMode.REFERRAL else ""
    text = _("Once, to the town hall") if hall else _("None: the village cadre hands it in for you")
    if county_office:
        text = _("%(hall)s; then once to %(office)s with the county referral form") % {
            "hall": text,
            "office": county_office,
        }
    return Visits(hall=hall, county_office=county_office, text=text)


def places(matter: Matter) -> list[str]:
    """办理地点: the hall (the village's desk on market day, the town desks by window) and a county office the
    villager must go to himself."""
    town = matter.town
    hall = town.address or _("the town's government service hall")
    desks = []
    if matter.needs_village_certificate:
        desks.append(_("your village's desk (on market day)"))
    for step in _route(matter):
        label = step.department.desk_label or step.department.name
        if label not in desks:
            desks.append(label)
    result = [_("%(hall)s: %(desks)s") % {"hall": hall, "desks": "、".join(desks)} if desks else hall]
    if matter.county_mode == Matter.CountyMode.REFERRAL:
        result.append(_("%(office)s, with the county referral form") % {"office": matter.county_department.issuer})
    return result


def describe(matter: Matter, *, market_days: list[dt.date] | None = None) -> Guide:
    """The guide of one matter (route, departments and town already loaded by the guide selector)."""
    town = matter.town
    result = matter.result_name
    return Guide(
        matter=matter,
        implementing_body=implementing_body(matter),
        timing=timing(matter),
        visits=visits(matter),
        places=places(matter),
        office_hours=town.office_hours,
        market_days=market_days or [],
        contact=matter.contact or town.phone,
        complaint_phone=town.complaint_phone,
        result=result,
        delivery=matter.get_result_delivery_display() if result else "",
    )
