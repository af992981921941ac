"""The month's 值班表 (issue 11 point 5): viewed by month, marked by villages.attendance, printed on A4 landscape."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext as _

from tests.factories import (
    DutyShiftFactory,
    MarketDayFactory,
    TownFactory,
    TownStaffFactory,
    UserFactory,
    VillageCadreFactory,
    VillageFactory,
)
from tests.villages.clock import DAY, at
from villages.attendance import attendance_items
from villages.models import TownStaff

pytestmark = pytest.mark.django_db

URL = "/roster/month/"
TODAY = DAY + dt.timedelta(days=2)  # 2025-07-27: July is the current month


@pytest.fixture
def july(town, village, other_village, cadre, other_cadre, today_is):
    """Four market days of July 2025: two over, one cancelled, one to come; and one of June."""
    today_is(at(10, day=TODAY))
    days = {
        "over": MarketDayFactory(town=town, date=DAY - dt.timedelta(days=3)),
        "last": MarketDayFactory(town=town, date=DAY),
        "cancelled": MarketDayFactory(town=town, date=DAY + dt.timedelta(days=1), is_cancelled=True, note="台风"),
        "coming": MarketDayFactory(town=town, date=DAY + dt.timedelta(days=3)),
        "june": MarketDayFactory(town=town, date=dt.date(2025, 6, 30)),
    }
    over, last = days["over"].date, days["last"].date
    DutyShiftFactory(
        market_day=days["over"],
        village=village,
        cadre=cadre,
        signed_in_at=at(9, 0, 1, day=over),
        signed_out_at=at(15, 30, day=over),
        seal_carried=False,
    )
    DutyShiftFactory(
        market_day=days["over"],
        village=other_village,
        cadre=other_cadre,
        signed_in_at=at(8, 40, day=over),
        seal_carried=True,
    )
    DutyShiftFactory(
        market_day=days["last"],
        village=village,
        cadre=cadre,
        signed_in_at=at(8, 50, day=last),
        signed_out_at=at(16, 5, day=last),
        seal_carried=True,
    )
    # other_village has no record on the last day: 缺岗.
    DutyShiftFactory(market_day=days["coming"], village=village, cadre=cadre)
    return days


def cells_of(response, day):
    row = next(row for row in response.context["roster"]["rows"] if row["day"] == day)
    return {cell["village"]: cell for cell in row["cells"]}


def marks(cell) -> list[str]:
    return [key for key, _label in cell["marks"]]


# --- what it shows -----------------------------------------------------------------------------------------------


def test_office_sees_the_months_market_days_by_village_desk(client_for, town_office, july):
    response = client_for(town_office).get(URL)

    assert response.status_code == 200
    assert [row["day"] for row in response.context["roster"]["rows"]] == [
        july["over"],
        july["last"],
        july["cancelled"],
        july["coming"],
    ]
    assert [village.name for village in response.context["roster"]["villages"]] == ["爱乐村", "印勇村"]


def test_each_desk_is_marked_by_its_status(client_for, town_office, july, cadre):
    response = client_for(town_office).get(URL)

    over, last = cells_of(response, july["over"]), cells_of(response, july["last"])
    assert over["爱乐村"]["cadre"] == cadre.name
    assert marks(over["爱乐村"]) == ["late", "early", "short", "seal_unconfirmed"]
    assert marks(over["印勇村"]) == ["not_signed_out"]
    assert marks(last["爱乐村"]) == ["on_time"]
    assert marks(last["印勇村"]) == ["absent"]
    content = response.content.decode()
    assert "09:00:01–15:30:00" in content
    for label in (_("Late"), _("Left early"), _("Not signed out"), _("Absent from the desk"), _("Seal not confirmed")):
        assert f">{label}</span>" in content


def test_cancelled_and_coming_days_carry_no_marks(client_for, town_office, july, cadre):
    response = client_for(town_office).get(URL)

    coming = cells_of(response, july["coming"])
    assert coming["爱乐村"]["cadre"] == cadre.name
    assert [marks(cell) for cell in coming.values()] == [[], []]
    assert [marks(cell) for cell in cells_of(response, july["cancelled"]).values()] == [[], []]


def test_marks_are_the_statistics_lists(client_for, town_office, july, town):
    """The roster and the drill-down lists judge a desk the same way."""
    response = client_for(town_office).get(URL)
    span = {"town": town, "start": dt.date(2025, 7, 1), "end": dt.date(2025, 7, 31), "now": at(10, day=TODAY)}

    for figure in ("absent", "on_time", "late", "early", "not_signed_out", "short", "seal_unconfirmed"):
        listed = {(item["date"], item["village"]) for item in attendance_items(**span, figure=figure)}
        marked = {
            (row["day"].date, cell["village"])
            for row in response.context["roster"]["rows"]
            for cell in row["cells"]
            if figure in marks(cell)
        }
        assert marked == listed, figure


def test_month_figures_are_under_the_grid(client_for, town_office, july):
    response = client_for(town_office).get(URL)

    summary = {line["key"]: line for line in response.context["summary"]}
    assert summary["expected"]["cells"] == [2, 2]
    assert summary["absent"]["cells"] == [0, 1]
    assert summary["absent"]["total"] == 1
    assert summary["late"]["total"] == 1


def test_past_month_is_shown_by_its_parameter(client_for, town_office, july):
    response = client_for(town_office).get(URL, {"month": "2025-06"})

    assert response.status_code == 200
    assert [row["day"] for row in response.context["roster"]["rows"]] == [july["june"]]
    assert [marks(cell) for cell in cells_of(response, july["june"]).values()] == [["absent"], ["absent"]]
    assert response.context["following"] == dt.date(2025, 7, 1)


def test_current_month_has_no_link_to_the_next(client_for, town_office, july):
    response = client_for(town_office).get(URL)

    assert response.context["month"] == dt.date(2025, 7, 1)
    assert response.context["following"] is None
    assert "?month=2025-06" in response.content.decode()


def test_paper_has_the_title_dates_signature_lines_and_seal(client_for, town_office, july, town):
    content = client_for(town_office).get(URL).content.decode()

    title = _(
        '%(government)s "Village matters handled in town" service station: duty roster of village cadres, %(month)s'
    ) % {"government": town.government, "month": "2025年7月"}
    assert title in content
    assert town.government == "天等县进结镇人民政府"
    assert "2025年7月25日" in content
    assert "2025年7月22日" in content
    for text in (_("Prepared by"), _("Checked by"), _("(seal)")):
        assert text in content
    assert "hall/duty_roster.css" in content


def test_the_roster_page_links_to_the_month(client_for, town_office, july):
    assert 'href="/roster/month/"' in client_for(town_office).get("/roster/").content.decode()


@pytest.mark.parametrize("month", ["2025-08", "2025-13", "2025-7", "july", "1999-12"])
def test_month_to_come_or_malformed_is_not_found(client_for, town_office, july, month):
    assert client_for(town_office).get(URL, {"month": month}).status_code == 404


# --- who sees it -------------------------------------------------------------------------------------------------


def test_supervisor_sees_the_whole_town(client_for, supervisor, july):
    response = client_for(supervisor).get(URL)

    assert response.status_code == 200
    assert len(response.context["roster"]["villages"]) == 2


def test_cadre_sees_only_their_own_villages_desks(client_for, cadre, july):
    response = client_for(cadre).get(URL)

    assert response.status_code == 200
    assert [village.name for village in response.context["roster"]["villages"]] == ["爱乐村"]
    assert "印勇村" not in response.content.decode()
    assert response.context["summary"][0]["total"] is None


def test_other_villages_cadre_does_not_see_this_village(client_for, other_cadre, july, cadre):
    response = client_for(other_cadre).get(URL)

    assert [village.name for village in response.context["roster"]["villages"]] == ["印勇村"]
    assert cadre.name not in response.content.decode()


def test_user_without_a_role_is_refused(client_for, no_role_user, july):
    assert client_for(no_role_user).get(URL).status_code == 403


def test_anonymous_is_sent_to_log_in(client, july):
    response = client.get(URL)

    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_other_towns_office_cannot_ask_for_this_town(client_for, july, town):
    other = TownFactory()
    office = TownStaffFactory(town=other, role=TownStaff.Role.OFFICE).user

    assert client_for(office).get(URL, {"town": town.code}).status_code == 404
    own = client_for(office).get(URL)
    assert own.status_code == 200
    assert own.context["town"] == other


def test_other_towns_cadre_cannot_ask_for_this_town(client_for, july, town):
    stranger = VillageCadreFactory(village=VillageFactory(town=TownFactory())).user

    assert client_for(stranger).get(URL, {"town": town.code}).status_code == 404
    assert client_for(stranger).get(URL).context["town"] != town


def test_office_of_two_towns_chooses_by_code(client_for, july, town, town_office):
    other = TownFactory(code="451425999")
    TownStaffFactory(town=other, user=town_office)

    assert client_for(town_office).get(URL, {"town": other.code}).context["town"] == other
    assert client_for(town_office).get(URL, {"town": town.code}).context["town"] == town


# --- cost --------------------------------------------------------------------------------------------------------


def fill(town, villages, dates):
    for date in dates:
        day = MarketDayFactory(town=town, date=date)
        DutyShiftFactory(market_day=day, village=villages[0], cadre=UserFactory(), signed_in_at=at(8, 50, day=date))
        DutyShiftFactory(market_day=day, village=villages[1], substitute=UserFactory(), signed_in_at=at(9, 5, day=date))


def test_queries_are_the_same_for_1_and_10_market_days(
    django_assert_num_queries, client_for, town_office, town, village, other_village, today_is
):
    today_is(at(10, day=dt.date(2025, 8, 2)))
    dates = [dt.date(2025, 7, 1) + dt.timedelta(days=3 * n) for n in range(10)]
    fill(town, [village, other_village], dates[:1])
    client = client_for(town_office)
    client.get(URL, {"month": "2025-07"})
    with CaptureQueriesContext(connection) as one_day:
        assert len(client.get(URL, {"month": "2025-07"}).context["roster"]["rows"]) == 1

    fill(town, [village, other_village], dates[1:])
    with django_assert_num_queries(len(one_day)):
        response = client.get(URL, {"month": "2025-07"})

    rows = response.context["roster"]["rows"]
    assert len(rows) == 10
    assert sum(len(marks(cell)) > 0 for row in rows for cell in row["cells"]) == 20
