"""The hall on market day DAY at 09:00, with 爱乐村's desk and the power-supply station's window (供电所, window 9),
and a matter that runs village certificate → 供电所 (the 黄必刘 story: an electricity meter for a new house)."""

import pytest

from departments.models import Department, DepartmentMember
from tests.factories import (
    DepartmentFactory,
    DepartmentMemberFactory,
    MarketDayFactory,
    id_number,
    open_case,
    route_matter,
    stamp,
)
from tests.villages.clock import DAY, at
from tickets import services
from tickets.desks import Desk


@pytest.fixture
def hall_day(town, time_machine):
    time_machine.move_to(at(9, 0), tick=False)
    return MarketDayFactory(town=town, date=DAY)


@pytest.fixture
def clock(time_machine):
    """clock(h, m, s): it is now that time on DAY."""

    def move(hour, minute=0, second=0):
        time_machine.move_to(at(hour, minute, second), tick=False)

    return move


@pytest.fixture
def power(town):
    return DepartmentFactory(town=town, name="供电所", level=Department.Level.UTILITY, desk_order=9)


@pytest.fixture
def power_clerk(power):
    return DepartmentMemberFactory(department=power, role=DepartmentMember.Role.CLERK, user__town=power.town).user


@pytest.fixture
def meter(town, power):
    return route_matter(town=town, departments=[power], name="居民新装用电", code="xinzhuang-yongdian")


@pytest.fixture
def village_desk(village):
    return Desk.of_village(village)


@pytest.fixture
def power_desk(power):
    return Desk.of_department(power)


YOUNG_ID = id_number(birth="19800101")
OLD_ID = id_number(birth="19500301")


def young_id(name: str) -> str:
    """A villager's own ID number (born 1980): one per name, YOUNG_ID for 黄必刘 — the same number is the same
    villager, whose cases join their one ticket at intake."""
    if name == "黄必刘":
        return YOUNG_ID
    return id_number(birth="19800101", serial=f"{sum(map(ord, name)) % 800 + 200:03d}")


@pytest.fixture
def new_case(cadre, meter, village):
    """new_case(name=..., id_no=...) -> a case taken in at 爱乐村's desk, its village step active."""

    def make(name="黄必刘", id_no=None, matter=None, actor=None, **kwargs):
        return open_case(
            actor=actor or cadre,
            matter=matter or meter,
            village=village,
            name=name,
            id_no=id_no or young_id(name),
            **kwargs,
        )

    return make


@pytest.fixture
def ticket_for(cadre, village):
    """ticket_for(*cases, **flags) -> a ticket given at 爱乐村's desk."""

    def make(*cases, **kwargs):
        kwargs.setdefault("actor", cadre)
        return services.ticket_issue(village=village, cases=cases, **kwargs)

    return make


def call(desk, actor, version=None):
    """叫下一位 with the desk's current version, as the page would send it."""
    from tickets.models import DeskDay

    if version is None:
        state = DeskDay.objects.filter(**desk.lookup).first()
        version = state.version if state else 0
    return services.ticket_call_next(actor=actor, desk=desk, version=version)


def version(desk) -> int:
    from tickets.models import DeskDay

    state = DeskDay.objects.filter(**desk.lookup).first()
    return state.version if state else 0


__all__ = ["OLD_ID", "YOUNG_ID", "at", "call", "stamp", "version"]
