"""Generating, adding and cancelling market days (issue 4, point 1)."""

import datetime as dt
import io
import re

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tests.factories import (
    DutyShiftFactory,
    MarketDayFactory,
    MarketScheduleFactory,
    TownFactory,
    TownStaffFactory,
    open_case,
)
from tests.villages.clock import at
from villages.models import MarketDay, MarketSchedule, TownStaff
from villages.schedule import rule_dates
from villages.selectors import next_market_days
from villages.services import VillageError, market_day_add, market_day_cancel

pytestmark = pytest.mark.django_db

D = dt.date
MARCH = ("--from", "2025-03-01", "--until", "2025-03-31")


def generate(town, *dates: str) -> str:
    out = io.StringIO()
    call_command("generate_market_days", "--town", town.code, *(dates or MARCH), stdout=out)
    return out.getvalue()


def rows(town) -> list[tuple]:
    return list(
        MarketDay.objects.filter(town=town).order_by("date").values_list("pk", "date", "source", "is_cancelled", "note")
    )


def march_dates(town) -> list[dt.date]:
    return list(MarketDay.objects.filter(town=town, date__month=3).order_by("date").values_list("date", flat=True))


def refused(message: str):
    return pytest.raises(VillageError, match=re.escape(_(message)))


@pytest.fixture
def every_third_day(town):
    """Market every three days from 2025-03-01: the 1st, 4th, 7th, …, 31st of March."""
    return MarketScheduleFactory(town=town, cycle_days=3, anchor_date=D(2025, 3, 1), valid_from=D(2025, 1, 1))


def move_anchor(schedule: MarketSchedule, anchor: dt.date) -> None:
    schedule.anchor_date = anchor
    schedule.save(update_fields=["anchor_date"])


# --- generate_market_days ----------------------------------------------------------------------------------------


def test_generate_creates_the_rules_days_in_the_range(town, every_third_day):
    output = generate(town)

    assert march_dates(town) == [D(2025, 3, day) for day in range(1, 32, 3)]
    assert set(MarketDay.objects.values_list("source", flat=True)) == {MarketDay.Source.RULE}
    assert "11 created, 0 removed, 0 kept" in output


def test_generate_twice_gives_the_same_rows(town, every_third_day):
    generate(town)
    first = rows(town)

    output = generate(town)

    assert rows(town) == first
    assert "0 created, 0 removed, 11 kept" in output


def test_generate_extends_without_touching_the_days_already_there(town, every_third_day):
    generate(town)
    march = rows(town)

    generate(town, "--from", "2025-03-01", "--until", "2025-04-09")

    assert rows(town)[: len(march)] == march
    assert [r[1] for r in rows(town)[len(march) :]] == [D(2025, 4, 3), D(2025, 4, 6), D(2025, 4, 9)]


def test_generate_leaves_days_of_other_towns_alone(town, every_third_day):
    other_town = TownFactory()
    MarketScheduleFactory(town=other_town, cycle_days=5, anchor_date=D(2025, 3, 2))
    other = MarketDayFactory(town=other_town, date=D(2025, 3, 3))

    generate(town)

    assert MarketDay.objects.filter(pk=other.pk).exists()
    assert not MarketDay.objects.filter(town=other_town, date=D(2025, 3, 7)).exists()


def test_generate_removes_empty_rule_days_the_changed_rule_no_longer_gives(town, every_third_day):
    generate(town)
    move_anchor(every_third_day, D(2025, 3, 2))

    output = generate(town)

    assert march_dates(town) == [D(2025, 3, day) for day in range(2, 32, 3)]
    assert "10 created, 11 removed, 0 kept" in output


def test_generate_never_deletes_a_day_with_shifts(town, village, every_third_day):
    generate(town)
    day = MarketDay.objects.get(town=town, date=D(2025, 3, 4))
    DutyShiftFactory(market_day=day, village=village)
    move_anchor(every_third_day, D(2025, 3, 2))

    generate(town)

    assert MarketDay.objects.get(pk=day.pk).date == D(2025, 3, 4)
    assert not MarketDay.objects.filter(town=town, date=D(2025, 3, 7)).exists()


def test_generate_never_deletes_a_day_on_which_a_case_was_received(
    town, village, cadre, referral_matter, every_third_day
):
    generate(town)
    # Half past midnight in the hall is still the day before in UTC: the local date must count.
    with time_machine.travel(at(0, 30, day=D(2025, 3, 7)), tick=False):
        open_case(actor=cadre, matter=referral_matter, village=village)
    move_anchor(every_third_day, D(2025, 3, 2))

    generate(town)

    assert MarketDay.objects.filter(town=town, date=D(2025, 3, 7)).exists()
    assert not MarketDay.objects.filter(town=town, date=D(2025, 3, 4)).exists()


def test_generate_keeps_a_cancelled_day_cancelled(town, town_office, every_third_day):
    generate(town)
    day = MarketDay.objects.get(town=town, date=D(2025, 3, 4))
    market_day_cancel(actor=town_office, market_day_id=day.pk, reason="春节")

    generate(town)
    move_anchor(every_third_day, D(2025, 3, 2))
    generate(town)

    day.refresh_from_db()
    assert (day.is_cancelled, day.source, day.note) == (True, MarketDay.Source.MANUAL, "春节")


def test_generate_never_removes_a_manually_added_day(town, town_office, every_third_day):
    added = market_day_add(actor=town_office, town=town, date=D(2025, 3, 5), note="补圩")

    generate(town)
    generate(town)

    added.refresh_from_db()
    assert (added.source, added.is_cancelled, added.note) == (MarketDay.Source.MANUAL, False, "补圩")
    assert D(2025, 3, 5) in march_dates(town)


def test_generate_with_lunar_rule_matches_the_schedule_module(town):
    rule = MarketScheduleFactory(town=town, lunar=True, digits="1,4,7", valid_from=D(2025, 1, 1))

    generate(town, "--from", "2025-07-25", "--until", "2025-08-22")

    expected = list(rule_dates([rule], D(2025, 7, 25), D(2025, 8, 22)))
    assert list(MarketDay.objects.filter(town=town).order_by("date").values_list("date", flat=True)) == expected
    assert len(expected) == 9


def test_generate_from_defaults_to_today(town, every_third_day, time_machine):
    time_machine.move_to(at(10, day=D(2025, 3, 20)), tick=False)

    call_command("generate_market_days", "--town", town.code, "--until", "2025-03-31", stdout=io.StringIO())

    assert march_dates(town) == [D(2025, 3, 22), D(2025, 3, 25), D(2025, 3, 28), D(2025, 3, 31)]


@pytest.mark.parametrize(
    "args",
    [
        ("--town", "999999999", "--until", "2025-03-31"),
        ("--town", "451425102", "--until", "2025-02-30"),
        ("--town", "451425102", "--from", "2025-03-31", "--until", "2025-03-01"),
    ],
    ids=["unknown-town", "not-a-date", "until-before-from"],
)
def test_generate_refuses_bad_arguments_and_creates_nothing(town, every_third_day, args):
    with pytest.raises(CommandError):
        call_command("generate_market_days", *args, stdout=io.StringIO())

    assert not MarketDay.objects.exists()


# --- cancelling a market day -------------------------------------------------------------------------------------


def test_office_cancels_a_market_day_with_a_reason(town, town_office):
    day = MarketDayFactory(town=town, date=D(2026, 2, 17))

    market_day_cancel(actor=town_office, market_day_id=day.pk, reason=" 春节 ")

    day.refresh_from_db()
    assert (day.is_cancelled, day.source, day.note) == (True, MarketDay.Source.MANUAL, "春节")


def test_cancelled_day_is_not_among_the_next_market_days(town, town_office):
    cancelled = MarketDayFactory(town=town, date=D(2026, 2, 17))
    kept = MarketDayFactory(town=town, date=D(2026, 2, 20))

    market_day_cancel(actor=town_office, market_day_id=cancelled.pk, reason="春节")

    assert next_market_days(town=town, today=D(2026, 2, 1)) == [kept]


@pytest.mark.parametrize("reason", ["", "   "])
def test_cancel_needs_a_reason(town, town_office, reason):
    day = MarketDayFactory(town=town)

    with refused("A reason is required to cancel a market day."):
        market_day_cancel(actor=town_office, market_day_id=day.pk, reason=reason)

    day.refresh_from_db()
    assert not day.is_cancelled


@pytest.mark.parametrize("role", ["supervisor", "cadre", "clerk", "no_role_user"])
def test_only_the_town_office_may_cancel(request, town, role):
    day = MarketDayFactory(town=town)

    with refused("Only the town office may do this."):
        market_day_cancel(actor=request.getfixturevalue(role), market_day_id=day.pk, reason="春节")

    day.refresh_from_db()
    assert not day.is_cancelled


def test_office_of_another_town_may_not_cancel(town):
    day = MarketDayFactory(town=town)
    stranger = TownStaffFactory(town=TownFactory(), role=TownStaff.Role.OFFICE).user

    with refused("Only the town office may do this."):
        market_day_cancel(actor=stranger, market_day_id=day.pk, reason="春节")

    day.refresh_from_db()
    assert not day.is_cancelled


def test_cancel_is_refused_once_a_cadre_has_signed_in(town, village, cadre, town_office):
    day = MarketDayFactory(town=town)
    DutyShiftFactory(market_day=day, village=village, cadre=cadre, signed_in_at=at(8, 30, day=day.date))

    with refused("Cadres have already signed in on this day; it cannot be cancelled."):
        market_day_cancel(actor=town_office, market_day_id=day.pk, reason="暴雨")

    day.refresh_from_db()
    assert not day.is_cancelled


def test_cancel_is_allowed_with_assigned_but_unsigned_shifts(town, village, cadre, town_office):
    day = MarketDayFactory(town=town)
    DutyShiftFactory(market_day=day, village=village, cadre=cadre)

    market_day_cancel(actor=town_office, market_day_id=day.pk, reason="暴雨")

    day.refresh_from_db()
    assert day.is_cancelled


def test_cancelling_twice_is_refused_and_keeps_the_first_reason(town, town_office):
    day = MarketDayFactory(town=town)
    market_day_cancel(actor=town_office, market_day_id=day.pk, reason="春节")

    with refused("This market day is already cancelled."):
        market_day_cancel(actor=town_office, market_day_id=day.pk, reason="双击")

    day.refresh_from_db()
    assert day.note == "春节"


# --- adding a market day -----------------------------------------------------------------------------------------


def test_office_adds_a_market_day_by_hand(town, town_office):
    day = market_day_add(actor=town_office, town=town, date=D(2026, 2, 10), note=" 年前加圩 ")

    assert (day.date, day.source, day.is_cancelled, day.note) == (
        D(2026, 2, 10),
        MarketDay.Source.MANUAL,
        False,
        "年前加圩",
    )


def test_adding_an_existing_market_day_is_refused(town, town_office):
    day = MarketDayFactory(town=town, date=D(2026, 2, 10))

    with refused("That date is already a market day."):
        market_day_add(actor=town_office, town=town, date=D(2026, 2, 10))

    assert MarketDay.objects.get(town=town).source == day.source


def test_adding_a_cancelled_day_brings_it_back_as_a_manual_day(town, town_office):
    day = MarketDayFactory(town=town, date=D(2026, 2, 10))
    market_day_cancel(actor=town_office, market_day_id=day.pk, reason="春节")

    again = market_day_add(actor=town_office, town=town, date=D(2026, 2, 10), note="恢复")

    assert again.pk == day.pk
    assert (again.is_cancelled, again.source, again.note) == (False, MarketDay.Source.MANUAL, "恢复")


@pytest.mark.parametrize("role", ["supervisor", "cadre"])
def test_only_the_town_office_may_add(request, town, role):
    with refused("Only the town office may do this."):
        market_day_add(actor=request.getfixturevalue(role), town=town, date=D(2026, 2, 10))

    assert not MarketDay.objects.exists()


# --- the database ------------------------------------------------------------------------------------------------


def test_database_refuses_two_market_days_on_one_date_in_a_town(town):
    MarketDayFactory(town=town, date=D(2026, 2, 10))

    with pytest.raises(IntegrityError), transaction.atomic():
        MarketDayFactory(town=town, date=D(2026, 2, 10), source=MarketDay.Source.MANUAL)


def test_two_towns_may_share_a_market_day(town):
    MarketDayFactory(town=town, date=D(2026, 2, 10))
    MarketDayFactory(town=TownFactory(), date=D(2026, 2, 10))

    assert MarketDay.objects.filter(date=D(2026, 2, 10)).count() == 2


# --- the admin ---------------------------------------------------------------------------------------------------


def test_market_days_are_listed_in_the_admin(client_for, superuser, town):
    MarketDayFactory(town=town, date=D(2026, 2, 10))

    response = client_for(superuser).get("/admin/villages/marketday/")

    assert response.status_code == 200
    assert [d.date for d in response.context["cl"].result_list] == [D(2026, 2, 10)]


def test_town_office_edits_the_schedule_rule_in_the_admin(client_for, town_office, town):
    response = client_for(town_office).post(
        "/admin/villages/marketschedule/add/",
        {"town": town.pk, "kind": "solar", "digits": "1、4、7", "valid_from": "2025-01-01"},
    )

    assert response.status_code == 302
    assert MarketSchedule.objects.get(town=town).digit_set == {1, 4, 7}


def test_admin_refuses_a_schedule_with_bad_digits(client_for, superuser, town):
    response = client_for(superuser).post(
        "/admin/villages/marketschedule/add/",
        {"town": town.pk, "kind": "lunar", "digits": "1,4,17", "valid_from": "2025-01-01"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["digits"]
    assert not MarketSchedule.objects.exists()


def test_admin_refuses_to_cancel_a_market_day_without_a_reason(client_for, superuser, town):
    day = MarketDayFactory(town=town, date=D(2026, 2, 17))
    data = {"town": town.pk, "date": "2026-02-17", "source": "rule", "is_cancelled": "on", "note": " "}

    response = client_for(superuser).post(f"/admin/villages/marketday/{day.pk}/change/", data)

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    day.refresh_from_db()
    assert not day.is_cancelled
