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
    TownFactory,
    UserFactory,
    VillageCadreFactory,
    VillageFactory,
)
from tests.villages.clock import DAY, at
from villages.models import DutyShift, MarketDay
from villages.services import RosterCell, VillageError, roster_assign, roster_fill_rotation, roster_save

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
    assert "7月25日" in content
    assert "7月31日" in content
    assert "7月28日" not in content


def test_cadre_without_duties_is_told_so(client_for, days, cadre):
    response = client_for(cadre).get("/desk/")

    assert response.context["shifts"] == []
    assert _("No coming duty.") in response.content.decode()


# --- saving the grid all or nothing (issue 9, point 7) -----------------------------------------------------------


def shown(day: MarketDay, village) -> str:
    return f"o_{day.pk}_{village.pk}"


def as_drawn(*cells) -> dict:
    """The POST of the roster form: each (day, village, chosen, shown) select with its hidden 'shown' marker."""
    data = {}
    for day, village, chosen, was in cells:
        data[cell(day, village)] = chosen.pk if chosen else ""
        data[shown(day, village)] = was.pk if was else ""
    return data


def saved_message(n: int) -> str:
    return f"值班表已保存，共变更{n}处。"


def test_one_bad_cell_among_good_ones_saves_nothing_and_shows_which_cell_and_why(
    client_for, town_office, days, village, cadre, second_cadre, other_cadre
):
    DutyShiftFactory(market_day=days[2], village=village, cadre=cadre)

    response = client_for(town_office).post(
        SAVE,
        as_drawn(
            (days[0], village, cadre, None),
            (days[1], village, second_cadre, None),
            (days[2], village, other_cadre, cadre),
        ),
    )

    assert response.status_code == 200
    assert [(s.market_day, s.cadre) for s in DutyShift.objects.all()] == [(days[2], cadre)]
    reason = _("%(name)s is not a cadre of %(village)s.") % {"name": other_cadre, "village": village}
    assert messages_of(response) == [
        _("Nothing was saved: %(n)s desk(s) refused. Correct the marked desks and save again.") % {"n": 1},
        f"7月31日 爱乐村：{reason}",
    ]
    cells = response.context["rows"][0]["cells"]
    assert [c["error"] for c in cells] == ["", "", reason]
    assert [c["chosen"] for c in cells[:2]] == [cadre.pk, second_cadre.pk]
    content = response.content.decode()
    assert content.count("is-invalid") == 1
    assert f'aria-describedby="e_{days[2].pk}_{village.pk}"' in content
    assert f'<div class="invalid-feedback" id="e_{days[2].pk}_{village.pk}">{reason}</div>' in content
    assert f'name="{shown(days[2], village)}" value="{cadre.pk}"' in content
    assert saved_message(0) not in content


def test_fixing_the_refused_cell_and_saving_again_saves_the_whole_grid(
    client_for, town_office, days, village, cadre, second_cadre, other_cadre
):
    client = client_for(town_office)
    grid = [(days[0], village, cadre, None), (days[1], village, other_cadre, None)]
    client.post(SAVE, as_drawn(*grid))

    response = client.post(SAVE, as_drawn(grid[0], (days[1], village, second_cadre, None)))

    assert response.status_code == 302
    assert messages_of(response) == [saved_message(2)]
    assert rota(village, days) == [cadre, second_cadre, None]


def test_a_grid_of_good_cells_saves_all_of_them(
    client_for, town_office, town, days, village, other_village, cadre, second_cadre, other_cadre
):
    DutyShiftFactory(market_day=days[0], village=village, cadre=cadre)
    DutyShiftFactory(market_day=days[1], village=village, cadre=cadre)

    response = client_for(town_office).post(
        SAVE,
        as_drawn(
            (days[0], village, second_cadre, cadre),
            (days[1], village, None, cadre),
            (days[2], village, cadre, None),
            (days[0], other_village, other_cadre, None),
            (days[1], other_village, None, None),
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == ROSTER
    assert messages_of(response) == [saved_message(4)]
    assert rota(village, days) == [second_cadre, None, cadre]
    assert rota(other_village, days) == [other_cadre, None, None]
    assert not DutyShift.objects.filter(market_day=days[1], village=other_village).exists()


def test_another_towns_village_or_market_day_is_refused(town_office, town, days, village, cadre):
    elsewhere = TownFactory(name="龙茗镇")
    far_village = VillageFactory(town=elsewhere, name="远方村")
    far_day = MarketDayFactory(town=elsewhere, date=DAY)
    VillageCadreFactory(village=far_village, user=cadre)

    result = roster_save(
        actor=town_office,
        town=town,
        cells=[
            RosterCell(market_day_id=days[0].pk, village_id=village.pk, cadre_id=cadre.pk),
            RosterCell(market_day_id=days[0].pk, village_id=far_village.pk, cadre_id=cadre.pk),
            RosterCell(market_day_id=far_day.pk, village_id=village.pk, cadre_id=cadre.pk),
            RosterCell(market_day_id=far_day.pk + 1000, village_id=village.pk, cadre_id=None),
        ],
    )

    assert not result.saved
    assert [(r.key, r.code, r.reason) for r in result.refusals] == [
        ((days[0].pk, far_village.pk), "invalid", _("The village belongs to another town.")),
        ((far_day.pk, village.pk), "invalid", _("This market day is not in the town's calendar.")),
        ((far_day.pk + 1000, village.pk), "invalid", _("This market day is not in the town's calendar.")),
    ]
    assert [str(r).split("：")[0] for r in result.refusals] == ["7月25日 —", "— 爱乐村", "— 爱乐村"]
    assert not DutyShift.objects.exists()


def test_another_towns_cell_in_the_posted_grid_is_refused_on_the_page(client_for, town_office, days, village, cadre):
    elsewhere = TownFactory(name="龙茗镇")
    far_village = VillageFactory(town=elsewhere, name="远方村")

    response = client_for(town_office).post(
        SAVE, {cell(days[0], village): cadre.pk, cell(days[0], far_village): cadre.pk}
    )

    assert response.status_code == 200
    assert messages_of(response)[1:] == [f"7月25日 —：{_('The village belongs to another town.')}"]
    assert "远方村" not in response.content.decode()
    assert not DutyShift.objects.exists()


def test_changing_the_cadre_of_a_signed_in_desk_is_refused(
    client_for, town_office, town, village, cadre, second_cadre, today_is
):
    today_is(at(10, day=DAY))
    today = MarketDayFactory(town=town, date=DAY)
    later = MarketDayFactory(town=town, date=DAY + dt.timedelta(days=3))
    DutyShiftFactory(market_day=today, village=village, cadre=cadre, signed_in_at=at(8, 30))

    unchanged = roster_save(
        actor=town_office,
        town=town,
        cells=[RosterCell(market_day_id=today.pk, village_id=village.pk, cadre_id=cadre.pk)],
    )
    response = client_for(town_office).post(
        SAVE, {cell(today, village): second_cadre.pk, cell(later, village): cadre.pk}
    )

    assert (unchanged.saved, unchanged.changed) == (True, 0)
    assert response.status_code == 200
    reason = _("The cadre has already signed in; correct the record instead.")
    assert messages_of(response)[1:] == [f"7月25日 爱乐村：{reason}"]
    assert response.context["rows"][0]["cells"][0]["error"] == reason
    assert f'<div class="invalid-feedback d-block">{reason}</div>' in response.content.decode()
    assert assigned(today, village) == cadre
    assert assigned(later, village) is None


def test_a_cancelled_or_past_market_day_is_refused(town_office, town, days, village, cadre):
    past = MarketDay.objects.get(town=town, date=DAY - dt.timedelta(days=3))
    days[1].is_cancelled = True
    days[1].save()

    result = roster_save(
        actor=town_office,
        town=town,
        cells=[
            RosterCell(market_day_id=past.pk, village_id=village.pk, cadre_id=cadre.pk),
            RosterCell(market_day_id=days[1].pk, village_id=village.pk, cadre_id=cadre.pk),
            RosterCell(market_day_id=days[2].pk, village_id=village.pk, cadre_id=cadre.pk),
        ],
    )

    assert [(r.key, r.code, r.reason) for r in result.refusals] == [
        ((past.pk, village.pk), "wrong_state", _("This market day is over; its duty cadre can no longer be changed.")),
        ((days[1].pk, village.pk), "wrong_state", _("This market day is cancelled.")),
    ]
    assert not DutyShift.objects.exists()


def test_an_unknown_user_or_an_inactive_cadre_is_refused(town_office, town, days, village, cadre, second_cadre):
    second_cadre.village_memberships.update(is_active=False)
    stranger = UserFactory()

    result = roster_save(
        actor=town_office,
        town=town,
        cells=[
            RosterCell(market_day_id=days[0].pk, village_id=village.pk, cadre_id=stranger.pk),
            RosterCell(market_day_id=days[1].pk, village_id=village.pk, cadre_id=stranger.pk + 1000),
            RosterCell(market_day_id=days[2].pk, village_id=village.pk, cadre_id=second_cadre.pk),
        ],
    )

    assert [(r.code, r.reason) for r in result.refusals] == [
        ("invalid", _("Choose one of the village’s cadres.")),
        ("invalid", _("Choose one of the village’s cadres.")),
        ("invalid", _("%(name)s is not a cadre of %(village)s.") % {"name": second_cadre, "village": village}),
    ]
    assert not DutyShift.objects.exists()


def test_a_post_the_page_cannot_send_saves_nothing(client_for, town_office, days, village, cadre):
    response = client_for(town_office).post(SAVE, {cell(days[0], village): cadre.pk, cell(days[1], village): "韦丽华"})

    assert response.status_code == 200
    assert messages_of(response) == [
        _("The roster could not be read; nothing was saved. Reload the page and try again.")
    ]
    assert not DutyShift.objects.exists()


@pytest.mark.parametrize("role", ["cadre", "clerk", "supervisor"])
def test_wrong_role_cannot_save_a_grid(client_for, request, days, village, cadre, role):
    response = client_for(request.getfixturevalue(role)).post(SAVE, as_drawn((days[0], village, cadre, None)))

    assert response.status_code == 403
    assert not DutyShift.objects.exists()


def test_service_refuses_a_non_office_actor(supervisor, town, days, village, cadre):
    with refused("Only the town office may do this."):
        roster_save(
            actor=supervisor,
            town=town,
            cells=[RosterCell(market_day_id=days[0].pk, village_id=village.pk, cadre_id=cadre.pk)],
        )

    assert not DutyShift.objects.exists()


def test_saving_queries_do_not_grow_with_the_changed_cells(
    client_for, town_office, town, days, village, cadre, second_cadre, django_assert_max_num_queries
):
    DutyShiftFactory(market_day=days[0], village=village, cadre=cadre)
    client = client_for(town_office)
    client.get(ROSTER)
    with CaptureQueriesContext(connection) as small:
        client.post(SAVE, as_drawn((days[0], village, second_cadre, cadre), (days[1], village, cadre, None)))
    assert DutyShift.objects.count() == 2
    budget = len(small)  # read now: each request clears the connection's query log
    client.get(ROSTER)  # shows (and so uses up) the message, as the browser does after the redirect

    more_days = [MarketDayFactory(town=town, date=DAY + dt.timedelta(days=3 * n)) for n in range(3, 10)]
    grid = []
    for n in range(5):
        extra = VillageFactory(town=town, name=f"样本村{n}")
        first, second = cadres_of(extra, f"甲{n}", f"乙{n}")
        for day in [*days, *more_days]:
            if day.pk % 2:
                DutyShiftFactory(market_day=day, village=extra, cadre=first)
                grid.append((day, extra, second, first))
            else:
                grid.append((day, extra, first, None))

    with django_assert_max_num_queries(budget):
        response = client.post(SAVE, as_drawn(*grid))
    assert messages_of(response) == [saved_message(50)]
    assert DutyShift.objects.count() == 52


def test_submitting_the_same_grid_twice_changes_nothing_the_second_time(
    client_for, town_office, days, village, cadre, second_cadre
):
    DutyShiftFactory(market_day=days[0], village=village, cadre=cadre)
    client = client_for(town_office)
    grid = as_drawn(
        (days[0], village, second_cadre, cadre), (days[1], village, cadre, None), (days[2], village, None, None)
    )

    first = client.post(SAVE, grid, follow=True)
    second = client.post(SAVE, grid, follow=True)

    assert messages_of(first) == [saved_message(2)]
    assert messages_of(second) == [saved_message(0)]
    assert rota(village, days) == [second_cadre, cadre, None]
    assert DutyShift.objects.count() == 2


def test_a_desk_changed_by_someone_else_meanwhile_is_refused_if_changed_here_too_and_kept_if_not(
    client_for, town_office, days, village, other_village, cadre, second_cadre, other_cadre
):
    # The page showed 韦丽华 at 爱乐村 and a gap at 印勇村 on days[0]; then someone else cleared 爱乐村's desk and
    # put 黄秀英 on 印勇村's.
    DutyShiftFactory(market_day=days[0], village=village, cadre=None)
    DutyShiftFactory(market_day=days[0], village=other_village, cadre=other_cadre)
    client = client_for(town_office)

    clash = client.post(SAVE, as_drawn((days[0], village, second_cadre, cadre), (days[1], village, cadre, None)))
    kept = client.post(SAVE, as_drawn((days[0], other_village, None, None), (days[2], village, cadre, None)))

    assert clash.status_code == 200
    stale = _("Changed by someone else after you opened the page (now: %(name)s). Check it and save again.") % {
        "name": _("— gap —")
    }
    assert messages_of(clash)[1:] == [f"7月25日 爱乐村：{stale}"]
    assert clash.context["rows"][0]["cells"][0]["error"] == stale
    content = clash.content.decode()
    assert f'name="{shown(days[0], village)}" value=""' in content
    assert rota(village, days) == [None, None, cadre]
    assert kept.status_code == 302
    assert assigned(days[0], other_village) == other_cadre


def test_a_stale_cell_saves_once_the_user_confirms_it_on_the_redrawn_page(
    client_for, town_office, days, village, cadre, second_cadre
):
    DutyShiftFactory(market_day=days[0], village=village, cadre=None)
    client = client_for(town_office)
    client.post(SAVE, as_drawn((days[0], village, second_cadre, cadre)))

    response = client.post(SAVE, as_drawn((days[0], village, second_cadre, None)), follow=True)

    assert messages_of(response)[-1] == saved_message(1)
    assert assigned(days[0], village) == second_cadre
