"""Fixtures for market days, the roster and the 947 sign-in (issue 4); the clock helpers are in clock.py."""

import datetime as dt

import pytest

from tests.factories import DutyShiftFactory, MarketDayFactory, VillageCadreFactory
from tests.villages.clock import DAY


@pytest.fixture
def today_is(time_machine):
    """today_is(moment): from now on every clock in the system (pages and services) reads `moment`."""

    def freeze(moment: dt.datetime) -> dt.datetime:
        time_machine.move_to(moment, tick=False)
        return moment

    return freeze


@pytest.fixture
def market_day(town):
    return MarketDayFactory(town=town, date=DAY)


@pytest.fixture
def shift(market_day, village, cadre):
    """爱乐村's desk on DAY, assigned to 韦丽华."""
    return DutyShiftFactory(market_day=market_day, village=village, cadre=cadre)


@pytest.fixture
def second_cadre(village):
    """Another cadre of 爱乐村, who may stand in for 韦丽华."""
    return VillageCadreFactory(village=village, user__name="农志强").user
