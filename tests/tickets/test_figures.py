"""The queue's figures (issue 12, point 6): computed in the database on PostgreSQL and SQLite alike, percentiles as
percentile_cont defines them, shown on the hall's day summary and on the statistics page."""

import datetime as dt
import math

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import MarketDayFactory
from tests.villages.clock import DAY, at
from tickets import figures
from tickets.desks import Desk
from tickets.models import Ticket, TicketCall

pytestmark = pytest.mark.django_db

NEXT = DAY + dt.timedelta(days=3)


def percentile_cont(values, fraction):
    values = sorted(values)
    position = (len(values) - 1) * fraction
    lower, upper = math.floor(position), math.ceil(position)
    return values[lower] + (values[upper] - values[lower]) * (position - lower)


def ticket(market_day, number, *, cadre, village, green=False):
    issued = timezone.make_aware(dt.datetime.combine(market_day.date, dt.time(9)))
    return Ticket.objects.create(
        town=market_day.town,
        market_day=market_day,
        day=market_day.date,
        number=number,
        token=f"t{market_day.pk}-{number}",
        masked_name="黄**",
        village=village,
        is_pregnant=green,
        is_green=green,
        issued_at=issued,
        issued_by=cadre,
    )


def called(t, *, desk, actor, wait, serve=None, parked=False):
    queued = t.issued_at
    calls = queued + dt.timedelta(seconds=wait)
    return TicketCall.objects.create(
        ticket=t,
        town_id=t.town_id,
        day=t.day,
        queued_at=queued,
        called_at=calls,
        last_called_at=calls,
        called_by=actor,
        wait_seconds=wait,
        served_at=calls + dt.timedelta(seconds=serve) if serve is not None else None,
        serve_seconds=serve,
        is_parked=parked,
        no_shows=1 if parked else 0,
        **desk.lookup,
    )


@pytest.fixture
def two_days(town, village, power, cadre, power_clerk):
    first, second = MarketDayFactory(town=town, date=DAY), MarketDayFactory(town=town, date=NEXT)
    village_desk, power_desk = Desk.of_village(village), Desk.of_department(power)
    waits = {"village": [60, 120, 600, 240, 30, 900, 300], "power": [400, 1000, 90]}
    serves = [20, 40, 60, 200, 15, 35, 300]
    for i, (wait, serve) in enumerate(zip(waits["village"], serves, strict=True)):
        t = ticket(first, i + 1, cadre=cadre, village=village, green=i in (1, 4))
        called(t, desk=village_desk, actor=cadre, wait=wait, serve=serve)
        if i < 3:
            called(t, desk=power_desk, actor=power_clerk, wait=waits["power"][i], parked=i == 2)
    ticket(first, 8, cadre=cadre, village=village)  # never called
    for n, wait in enumerate([100, 200], start=1):
        called(ticket(second, n, cadre=cadre, village=village), desk=village_desk, actor=cadre, wait=wait, serve=10)
    return {"waits": waits, "serves": serves, "village_desk": village_desk, "power_desk": power_desk}


def test_percentiles_match_percentile_cont(two_days):
    values = [60, 120, 600, 240, 30, 900, 300, 400, 1000, 90, 100, 200]
    result = figures.percentiles(TicketCall.objects.all(), "wait_seconds")[()]
    assert result == pytest.approx((percentile_cont(values, 0.5), percentile_cont(values, 0.9)))


def test_percentiles_by_group_and_of_one_value(two_days):
    by_day = figures.percentiles(TicketCall.objects.all(), "wait_seconds", by=("day",))
    first = two_days["waits"]["village"] + two_days["waits"]["power"]
    assert by_day[(DAY,)] == pytest.approx((percentile_cont(first, 0.5), percentile_cont(first, 0.9)))
    assert by_day[(NEXT,)] == pytest.approx((150.0, 190.0))
    only = figures.percentiles(TicketCall.objects.filter(wait_seconds=30), "wait_seconds")
    assert only == {(): (30.0, 30.0)}
    assert figures.percentiles(TicketCall.objects.none(), "wait_seconds") == {}


def test_day_figures_per_desk(town, two_days):
    result = figures.day_figures(town=town, day=DAY)
    totals = result["totals"]
    assert (totals["tickets"], totals["green"], totals["green_share"], totals["no_shows"]) == (8, 2, 25.0, 1)
    rows = {r["desk"].key: r for r in result["desks"]}
    village, power = rows[two_days["village_desk"].key], rows[two_days["power_desk"].key]
    assert (village["called"], power["called"], power["no_shows"]) == (7, 3, 1)
    assert village["wait_p50"] == round(percentile_cont(two_days["waits"]["village"], 0.5) / 60, 1)
    assert village["wait_p90"] == round(percentile_cont(two_days["waits"]["village"], 0.9) / 60, 1)
    assert village["serve_p50"] == round(percentile_cont(two_days["serves"], 0.5) / 60, 1)
    assert power["serve_p50"] is None  # nobody came to the window yet
    assert [r["desk"].is_village for r in result["desks"]] == [True, False]


def test_period_figures_per_market_day(town, two_days):
    result = figures.period_figures(town=town, start=DAY, end=NEXT)
    assert [(r["day"], r["tickets"], r["no_shows"]) for r in result["days"]] == [(DAY, 8, 1), (NEXT, 2, 0)]
    assert result["totals"]["per_day"] == 5.0
    assert result["days"][1]["wait_p50"] == 2.5


def test_day_summary_page_shows_the_figures(town, two_days, client_for, town_office, time_machine):
    time_machine.move_to(at(17), tick=False)
    response = client_for(town_office).get(reverse("tickets:day"), {"day": DAY.isoformat()})
    assert response.status_code == 200
    assert response.context["figures"]["totals"]["tickets"] == 8
    html = response.content.decode()
    assert "ticket-desks" in html and "供电所" in html


def test_statistics_page_has_the_ticket_section(town, two_days, client_for, town_office, time_machine):
    time_machine.move_to(at(17), tick=False)
    response = client_for(town_office).get(reverse("admin:stats"), {"town": town.code, "month": DAY.strftime("%Y-%m")})
    assert response.status_code == 200
    section = response.context["ticket_figures"]
    assert (section["totals"]["tickets"], section["totals"]["days"]) == (10, 2)
    assert 'id="tickets"' in response.content.decode()
