"""The duty roster: market days × villages, rotation, gaps, and the cadre's own coming duties (issue 4, point 2)."""

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext as _

from tests.factories import (
    DutyShiftFactory,
    MarketDayFactory,
    UserFactory,
    VillageCadreFactory,
    VillageFactory,
)
from tests.villages.clock import DAY, at
from villages.models import DutyShift, MarketDay
from villages.services import VillageError, roster_assign, roster_fill_rotation

pytestmark = pytest.mark.django_db

ROSTER = "/roster/"
SAVE = "/roster/save/"
ROTATE = "/roster/rotate/"


def cell(day: MarketDay, village) -> str:
    return f"s_{day.pk}_{village.pk}"


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def refused(message: str):
    return pytest.raises(VillageError, match=re.escape(_(message)))


def assigned(day: MarketDay, village):
    shift = DutyShift.objects.filter(market_day=day, village=village).first()
    return shift.cadre if shift else None


@pytest.fixture
def days(town, today_is):
    """Three coming market days (today is the day before the first) and one past one."""
    today_is(at(10, day=DAY - dt.timedelta(days=1)))
    MarketDayFactory(town=town, date=DAY - dt.timedelta(days=3))
    return [MarketDayFactory(town=town, date=DAY + dt.timedelta(days=3 * n)) for n in range(3)]


def cadres_of(village, *names: str) -> list:
    return [VillageCadreFactory(village=village, user__name=name).user for name in names]


# --- the roster page ---------------------------------------------------------------------------------------------


def test_office_sees_the_grid_of_coming_market_days_and_villages(client_for, town_office, days, village, cadre):
    other = VillageFactory(town=village.town, name="高州村", desk_order=village.desk_order + 1)
    DutyShiftFactory(market_day=days[0], village=village, cadre=cadre)

    response = client_for(town_office).get(ROSTER)

    assert response.status_code == 200
    assert response.context["days"] == days
    assert [row["village"] for row in response.context["rows"]] == [village, other]
    assert [c["shift"].cadre if c["shift"] else None for c in response.context["rows"][0]["cells"]] == [
        cadre,
        None,
        None,
    ]
    content = response.content.decode()
    assert f'name="{cell(days[0], village)}"' in content
    assert f'<option value="{cadre.pk}" selected>' in content


def test_roster_lists_every_desk_without_a_cadre_as_a_gap(client_for, town_office, days, village, cadre):
    other = VillageFactory(town=village.town, name="高州村", desk_order=village.desk_order + 1)
    for day in days:
        DutyShiftFactory(market_day=day, village=village, cadre=cadre)
    DutyShiftFactory(market_day=days[1], village=other, cadre=None)

    response = client_for(town_office).get(ROSTER)

    assert response.context["gaps"] == [(day, other) for day in days]
    assert response.content.decode().count("高州村</li>") == 3


def test_a_cancelled_day_is_no_gap(client_for, town_office, days, village):
    days[1].is_cancelled = True
    days[1].note = "春节"
    days[1].save()

    response = client_for(town_office).get(ROSTER)

    assert response.context["gaps"] == [(days[0], village), (days[2], village)]
    assert f'name="{cell(days[1], village)}"' not in response.content.decode()


def test_supervisor_reads_the_roster_without_a_form_to_change_it(client_for, supervisor, days, village, cadre):
    DutyShiftFactory(market_day=days[0], village=village, cadre=cadre)

    response = client_for(supervisor).get(ROSTER)

    assert response.status_code == 200
    assert not response.context["is_office"]
    content = response.content.decode()
    assert "<select" not in content
    assert "韦丽华" in content


def test_supervisor_may_not_save_or_rotate(client_for, supervisor, days, village, cadre):
    client = client_for(supervisor)

    saved = client.post(SAVE, {cell(days[0], village): cadre.pk})
    rotated = client.post(ROTATE)

    assert (saved.status_code, rotated.status_code) == (403, 403)
    assert not DutyShift.objects.exists()


@pytest.mark.parametrize("role", ["cadre", "clerk", "county_officer", "no_role_user"])
def test_other_roles_get_403_from_the_roster(client_for, request, days, role):
    client = client_for(request.getfixturevalue(role))

    assert client.get(ROSTER).status_code == 403
    assert client.post(SAVE).status_code == 403
    assert client.post(ROTATE).status_code == 403


def test_anonymous_user_is_sent_to_log_in(client, days):
    response = client.get(ROSTER)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_roster_page_queries_do_not_grow_with_villages_and_days(
    client_for, town_office, town, village, cadre, today_is, django_assert_num_queries
):
    today_is(at(8, day=DAY))
    first = MarketDayFactory(town=town, date=DAY)
    DutyShiftFactory(market_day=first, village=village, cadre=cadre, signed_in_at=at(8, 30))
    client = client_for(town_office)
    client.get(ROSTER)
    with CaptureQueriesContext(connection) as small:
        assert client.get(ROSTER).status_code == 200

    more_days = [MarketDayFactory(town=town, date=DAY + dt.timedelta(days=3 * n)) for n in range(1, 10)]
    for n in range(5):
        extra = VillageFactory(town=town, name=f"样本村{n}")
        people = cadres_of(extra, f"甲{n}", f"乙{n}")
        for day in [first, *more_days]:
            DutyShiftFactory(
                market_day=day, village=extra, cadre=people[0], substitute=people[1], signed_in_at=at(8, day=day.date)
            )

    with django_assert_num_queries(len(small)):
        response = client.get(ROSTER)
    assert len(response.context["rows"]) == 6
    assert len(response.context["days"]) == 10


# --- saving the roster -------------------------------------------------------------------------------------------


def test_office_assigns_a_cadre_to_a_desk(client_for, town_office, days, village, cadre):
    response = client_for(town_office).post(SAVE, {cell(days[0], village): cadre.pk})

    assert response.status_code == 302
    assert response["Location"] == ROSTER
    assert assigned(days[0], village) == cadre
    assert assigned(days[1], village) is None
    assert messages_of(response) == [_("Roster saved: %(n)s desk(s) changed.") % {"n": 1}]


def test_office_clears_a_desk_back_to_a_gap(client_for, town_office, days, village, cadre):
    DutyShiftFactory(market_day=days[0], village=village, cadre=cadre)
    client = client_for(town_office)

    client.post(SAVE, {cell(days[0], village): ""})

    assert assigned(days[0], village) is None
    assert client.get(ROSTER).context["gaps"][0] == (days[0], village)


def test_saving_an_unchanged_grid_changes_nothing(client_for, town_office, days, village, cadre):
    DutyShiftFactory(market_day=days[0], village=village, cadre=cadre)

    response = client_for(town_office).post(
        SAVE, {cell(days[0], village): cadre.pk, cell(days[1], village): "", cell(days[2], village): ""}
    )

    assert messages_of(response) == [_("Roster saved: %(n)s desk(s) changed.") % {"n": 0}]
    assert DutyShift.objects.count() == 1


def test_saving_refuses_a_cadre_of_another_village(client_for, town_office, days, village, cadre, other_cadre):
    DutyShiftFactory(market_day=days[0], village=village, cadre=cadre)

    response = client_for(town_office).post(
        SAVE, {cell(days[0], village): other_cadre.pk, cell(days[1], village): other_cadre.pk}
    )

    refusal = _("%(name)s is not a cadre of %(village)s.") % {"name": other_cadre, "village": village}
    assert len([m for m in messages_of(response) if refusal in m]) == 2
    assert assigned(days[0], village) == cadre
    assert assigned(days[1], village) is None


def test_saving_refuses_a_user_who_is_no_cadre_of_the_town(client_for, town_office, days, village, cadre):
    DutyShiftFactory(market_day=days[0], village=village, cadre=cadre)
    stranger = UserFactory()

    client_for(town_office).post(SAVE, {cell(days[0], village): stranger.pk})

    assert assigned(days[0], village) == cadre


def test_service_refuses_to_reassign_a_desk_whose_cadre_has_signed_in(town_office, days, village, cadre, second_cadre):
    DutyShiftFactory(market_day=days[0], village=village, cadre=cadre, signed_in_at=at(8, 30, day=days[0].date))

    with refused("The cadre has already signed in; correct the record instead."):
        roster_assign(actor=town_office, market_day=days[0], village=village, cadre=second_cadre)

    assert assigned(days[0], village) == cadre


def test_service_refuses_a_cancelled_day_and_a_non_office_actor(town_office, supervisor, days, village, cadre):
    days[1].is_cancelled = True
    days[1].save()

    with refused("This market day is cancelled."):
        roster_assign(actor=town_office, market_day=days[1], village=village, cadre=cadre)
    with refused("Only the town office may do this."):
        roster_assign(actor=supervisor, market_day=days[0], village=village, cadre=cadre)

    assert not DutyShift.objects.exists()


# --- rotation ----------------------------------------------------------------------------------------------------


@pytest.fixture
def three_cadres(village):
    """Three active cadres of 爱乐村, in rotation order (same title, then user id)."""
    return cadres_of(village, "甲", "乙", "丙")


def rota(village, market_days) -> list:
    return [assigned(day, village) for day in market_days]


def test_rotation_takes_each_cadre_in_turn_continuing_from_the_last_assigned(town, town_office, village, three_cadres):
    a, b, c = three_cadres
    last_time = MarketDayFactory(town=town, date=DAY - dt.timedelta(days=3))
    DutyShiftFactory(market_day=last_time, village=village, cadre=b)
    coming = [MarketDayFactory(town=town, date=DAY + dt.timedelta(days=3 * n)) for n in range(4)]

    filled = roster_fill_rotation(actor=town_office, town=town, market_days=coming)

    assert filled == 4
    assert rota(village, coming) == [c, a, b, c]


def test_rotation_leaves_assigned_desks_alone_and_skips_cancelled_days(town, town_office, village, three_cadres):
    a, b, c = three_cadres
    coming = [MarketDayFactory(town=town, date=DAY + dt.timedelta(days=3 * n)) for n in range(5)]
    DutyShiftFactory(market_day=coming[1], village=village, cadre=c)
    coming[3].is_cancelled = True
    coming[3].save()

    filled = roster_fill_rotation(actor=town_office, town=town, market_days=coming)

    assert filled == 3
    assert rota(village, coming) == [a, c, a, None, b]
    assert not DutyShift.objects.filter(market_day=coming[3]).exists()


def test_rotation_fills_an_existing_empty_shift(town, town_office, village, three_cadres):
    coming = [MarketDayFactory(town=town, date=DAY)]
    empty = DutyShiftFactory(market_day=coming[0], village=village, cadre=None)

    roster_fill_rotation(actor=town_office, town=town, market_days=coming)

    empty.refresh_from_db()
    assert empty.cadre == three_cadres[0]
    assert DutyShift.objects.count() == 1


def test_rotation_uses_only_active_cadres_and_leaves_a_village_without_cadres_as_a_gap(
    town, town_office, village, three_cadres
):
    a, b, c = three_cadres
    b.village_memberships.update(is_active=False)
    empty_village = VillageFactory(town=town, name="无人村")
    coming = [MarketDayFactory(town=town, date=DAY + dt.timedelta(days=3 * n)) for n in range(3)]

    roster_fill_rotation(actor=town_office, town=town, market_days=coming)

    assert rota(village, coming) == [a, c, a]
    assert rota(empty_village, coming) == [None, None, None]


def test_rotation_is_for_the_town_office_only(town, supervisor, village, three_cadres):
    coming = [MarketDayFactory(town=town, date=DAY)]

    with refused("Only the town office may do this."):
        roster_fill_rotation(actor=supervisor, town=town, market_days=coming)

    assert not DutyShift.objects.exists()


def test_rotation_button_fills_the_coming_days(client_for, town_office, days, village, three_cadres):
    response = client_for(town_office).post(ROTATE)

    assert response.status_code == 302
    assert rota(village, days) == three_cadres
    assert messages_of(response) == [_("Filled %(n)s empty desk(s) by rotation.") % {"n": 3}]


# --- the cadre's own duties --------------------------------------------------------------------------------------


def test_cadre_sees_own_coming_duties_on_the_desk(client_for, days, town, village, cadre, second_cadre):
    past = MarketDay.objects.get(town=town, date=DAY - dt.timedelta(days=3))
    DutyShiftFactory(market_day=past, village=village, cadre=cadre)
    mine = [DutyShiftFactory(market_day=days[0], village=village, cadre=cadre)]
    DutyShiftFactory(market_day=days[1], village=village, cadre=second_cadre)
    mine.append(DutyShiftFactory(market_day=days[2], village=village, cadre=cadre))
    cancelled = MarketDayFactory(town=town, date=DAY + dt.timedelta(days=1), is_cancelled=True)
    DutyShiftFactory(market_day=cancelled, village=village, cadre=cadre)

    response = client_for(cadre).get("/desk/")

    assert response.status_code == 200
    assert response.context["shifts"] == mine
    content = response.content.decode()
    assert "07月25日" in content
    assert "07月31日" in content
    assert "07月28日" not in content


def test_cadre_without_duties_is_told_so(client_for, days, cadre):
    response = client_for(cadre).get("/desk/")

    assert response.context["shifts"] == []
    assert _("No coming duty.") in response.content.decode()
