"""Holidays: national days shared by every town, a town's own days where it differs (cases/calendar.py), and the
holiday admin scoped to the town."""

import datetime as dt

import pytest
from django.utils.translation import gettext as _

from cases import holidays, workflow
from cases.calendar import WorkCalendar, town_non_working_dates, working_days_between
from cases.models import Holiday
from tests.factories import HolidayFactory, open_case, route_matter

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2030, 4, 1)
TUESDAY = MONDAY + dt.timedelta(days=1)
SATURDAY = dt.date(2030, 4, 6)


def test_a_towns_own_holiday_is_off_for_it_alone(town, second_town):
    HolidayFactory(town=second_town, date=MONDAY, name="龙茗镇地方节日", source=Holiday.Source.REGIONAL)

    assert WorkCalendar(MONDAY, MONDAY, town=town).is_working_day(MONDAY)
    assert not WorkCalendar(MONDAY, MONDAY, town=second_town).is_working_day(MONDAY)
    assert WorkCalendar(MONDAY, MONDAY).is_working_day(MONDAY)  # the shared calendar alone


def test_shared_holidays_apply_to_every_town(town, second_town):
    HolidayFactory(date=MONDAY, name="清明节", source=Holiday.Source.NATIONAL)

    assert not WorkCalendar(MONDAY, MONDAY, town=town).is_working_day(MONDAY)
    assert not WorkCalendar(MONDAY, MONDAY, town=second_town.pk).is_working_day(MONDAY)


def test_a_towns_own_day_decides_over_the_shared_one(town, second_town):
    HolidayFactory(date=SATURDAY, kind=Holiday.Kind.WORKDAY, name="调休上班", source=Holiday.Source.NATIONAL)
    HolidayFactory(town=second_town, date=SATURDAY, kind=Holiday.Kind.HOLIDAY, name="龙茗镇不调休")

    assert WorkCalendar(SATURDAY, SATURDAY, town=town).is_working_day(SATURDAY)
    assert not WorkCalendar(SATURDAY, SATURDAY, town=second_town).is_working_day(SATURDAY)


def test_deadlines_count_the_towns_own_days(town, second_town):
    HolidayFactory(town=second_town, date=TUESDAY, name="龙茗镇地方节日")
    start = dt.datetime(2030, 4, 1, 10, tzinfo=dt.UTC)

    assert workflow.deadline(start, 1, town=town).due_on == TUESDAY
    assert workflow.deadline(start, 1, town=second_town).due_on == TUESDAY + dt.timedelta(days=1)
    later = dt.datetime(2030, 4, 3, 10, tzinfo=dt.UTC)
    assert working_days_between(start, later, town=town) == 2
    assert working_days_between(start, later, town=second_town) == 1


def test_intake_promises_by_the_towns_calendar(second_town, second_village, second_department, time_machine):
    from tests.factories import VillageCadreFactory

    time_machine.move_to(dt.datetime(2030, 4, 1, 10, tzinfo=dt.UTC), tick=False)
    HolidayFactory(town=second_town, date=TUESDAY, name="龙茗镇地方节日")
    cadre = VillageCadreFactory(village=second_village).user
    matter = route_matter(town=second_town, departments=[second_department], promised_days=1)

    case = open_case(actor=cadre, matter=matter, village=second_village)

    assert case.expected_on == TUESDAY + dt.timedelta(days=1)


def test_non_working_dates_are_per_town(town, second_town):
    HolidayFactory(town=second_town, date=MONDAY, name="龙茗镇地方节日")

    days_off = town_non_working_dates(town_ids=[town.pk, second_town.pk], start=MONDAY, end=MONDAY)

    assert days_off == {town.pk: set(), second_town.pk: {MONDAY}}


def test_one_day_per_town_and_one_shared_per_date(town, second_town):
    from django.db import IntegrityError, transaction

    HolidayFactory(date=MONDAY)
    HolidayFactory(town=town, date=MONDAY)
    HolidayFactory(town=second_town, date=MONDAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        HolidayFactory(town=town, date=MONDAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        HolidayFactory(date=MONDAY)


def test_national_rows_are_shared_only(town):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        HolidayFactory(town=town, date=MONDAY, source=Holiday.Source.NATIONAL)


def test_import_leaves_a_towns_own_days_alone(town):
    own = HolidayFactory(town=town, date=dt.date(2026, 10, 1), kind=Holiday.Kind.WORKDAY, name="本镇另行安排")

    result = holidays.import_national_year(2026)

    own.refresh_from_db()
    assert own.kind == Holiday.Kind.WORKDAY and own.town == town
    assert result.kept == 0 and result.created > 0
    assert Holiday.objects.get(date=dt.date(2026, 10, 1), town__isnull=True).source == Holiday.Source.NATIONAL


# --- the admin ------------------------------------------------------------------------------------------------------

LIST = "/admin/cases/holiday/"


def test_office_sees_its_towns_days_and_the_shared_ones_not_another_towns(client_for, town, town_office, second_town):
    HolidayFactory(date=MONDAY, name="全国的节日")
    HolidayFactory(town=town, date=TUESDAY, name="进结的节日")
    HolidayFactory(town=second_town, date=TUESDAY, name="龙茗的节日")

    html = client_for(town_office).get(LIST).content.decode()

    assert "全国的节日" in html and "进结的节日" in html
    assert "龙茗的节日" not in html


def test_office_adds_a_day_for_its_own_town(client_for, town, town_office):
    response = client_for(town_office).post(
        f"{LIST}add/",
        {"town": town.pk, "date": "2030-04-02", "kind": "holiday", "name": "壮族三月三", "source": "regional"},
    )

    assert response.status_code == 302
    assert Holiday.objects.get(date=TUESDAY).town == town


def test_office_cannot_add_a_shared_day(client_for, town, town_office):
    response = client_for(town_office).post(
        f"{LIST}add/", {"town": "", "date": "2030-04-02", "kind": "holiday", "name": "全国", "source": "manual"}
    )

    assert response.status_code == 200
    assert "town" in response.context["adminform"].form.errors
    assert not Holiday.objects.exists()


def test_office_cannot_add_a_day_for_another_town(client_for, town, town_office, second_town):
    response = client_for(town_office).post(
        f"{LIST}add/", {"town": second_town.pk, "date": "2030-04-02", "kind": "holiday", "name": "x", "source": ""}
    )

    assert response.status_code == 200
    assert "town" in response.context["adminform"].form.errors
    assert not Holiday.objects.exists()


def test_office_cannot_change_a_shared_or_another_towns_day(client_for, town, town_office, second_town):
    shared = HolidayFactory(date=MONDAY, name="全国")
    foreign = HolidayFactory(town=second_town, date=TUESDAY, name="龙茗")
    client = client_for(town_office)

    data = {"date": "2030-04-03", "kind": "holiday", "name": "改", "source": "manual"}
    assert client.post(f"{LIST}{shared.pk}/change/", {**data, "town": ""}).status_code == 403
    assert client.post(f"{LIST}{foreign.pk}/change/", {**data, "town": second_town.pk}).status_code in (302, 404)
    shared.refresh_from_db()
    foreign.refresh_from_db()
    assert (shared.name, foreign.name) == ("全国", "龙茗")


def test_a_towns_day_cannot_be_national(client_for, town, town_office):
    response = client_for(town_office).post(
        f"{LIST}add/", {"town": town.pk, "date": "2030-04-02", "kind": "holiday", "name": "x", "source": "national"}
    )

    assert response.status_code == 200
    assert "source" in response.context["adminform"].form.errors


def test_a_second_entry_on_the_same_date_gets_a_clear_message(client_for, town, town_office):
    HolidayFactory(town=town, date=TUESDAY)

    response = client_for(town_office).post(
        f"{LIST}add/", {"town": town.pk, "date": "2030-04-02", "kind": "holiday", "name": "x", "source": "manual"}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        _("The town already has an entry on this date; change that one instead.")
    ]
    assert Holiday.objects.count() == 1


def test_a_second_shared_entry_on_the_same_date_gets_a_clear_message(client_for, superuser):
    HolidayFactory(date=TUESDAY)

    response = client_for(superuser).post(
        f"{LIST}add/", {"town": "", "date": "2030-04-02", "kind": "holiday", "name": "x", "source": "manual"}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        _("The shared calendar already has an entry on this date; change that one instead.")
    ]


def test_only_a_superuser_imports_the_national_calendar(client_for, town_office, superuser):
    post = {"action": "import_this_year", "index": 0}

    client_for(town_office).post(LIST, post)
    assert not Holiday.objects.exists()
    client_for(superuser).post(LIST, post)
    assert Holiday.objects.filter(town__isnull=True, source=Holiday.Source.NATIONAL).exists()


def test_market_days_show_the_towns_own_holidays_not_another_towns(town, second_town):
    from jinjie.templatetags.calendar_tags import holidays_on
    from tests.factories import MarketDayFactory

    own = MarketDayFactory(town=town, date=MONDAY)
    theirs = MarketDayFactory(town=second_town, date=MONDAY)
    HolidayFactory(town=second_town, date=MONDAY, name="龙茗的节日")
    HolidayFactory(date=SATURDAY, name="全国的节日")
    HolidayFactory(town=town, date=SATURDAY, kind=Holiday.Kind.WORKDAY, name="进结照常上班")
    saturday = MarketDayFactory(town=town, date=SATURDAY)

    assert holidays_on([own, saturday]) == {}
    assert holidays_on([theirs]) == {MONDAY: "龙茗的节日"}


def test_market_day_admin_does_not_name_another_towns_holiday(client_for, town, town_office, second_town):
    from tests.factories import MarketDayFactory

    MarketDayFactory(town=town, date=MONDAY)
    HolidayFactory(town=second_town, date=MONDAY, name="龙茗的节日")

    html = client_for(town_office).get("/admin/villages/marketday/").content.decode()

    assert "龙茗的节日" not in html
