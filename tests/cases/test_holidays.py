"""Issue 11 point 7, holidays kept current: the national calendar imported from chinesecalendar (command and admin
action), regional and hand-entered days left alone, the warning from 1 November when next year is missing (pages and
system check), and market days on a holiday marked in the roster and the admin."""

import datetime as dt
import re
from io import StringIO

import pytest
from django.contrib.messages import get_messages
from django.core import checks
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.holidays import CalendarUnknown, calendar_check, calendar_missing, import_national_year
from cases.models import Holiday
from tests.factories import HolidayFactory, MarketDayFactory
from villages.models import MarketDay

pytestmark = pytest.mark.django_db

# chinesecalendar 1.11.0 knows 2004–2026; 2027 is what the State Council has not published to the library yet.
UNKNOWN_YEAR = 2027
HOLIDAYS = "/admin/cases/holiday/"
ROSTER = "/roster/"


def unknown_message(year: int) -> str:
    return _(
        "The holiday library chinesecalendar does not know the arrangement for %(year)s yet: import it once "
        "the library is updated, or enter the days one by one in the administration."
    ) % {"year": year}


def days_of(year: int) -> dict[dt.date, tuple[str, str, str]]:
    return {h.date: (h.kind, h.name, h.source) for h in Holiday.objects.filter(date__year=year).order_by("date")}


def frozen_at(time_machine, day: dt.date) -> None:
    time_machine.move_to(timezone.make_aware(dt.datetime(day.year, day.month, day.day, 10)), tick=False)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- the import ---------------------------------------------------------------------------------------------------


def test_import_of_2026_writes_weekday_holidays_and_weekend_workdays_with_chinese_names():
    result = import_national_year(2026)

    days = days_of(2026)
    national = Holiday.Source.NATIONAL
    assert days[dt.date(2026, 10, 1)] == (Holiday.Kind.HOLIDAY, "国庆节", national)
    assert days[dt.date(2026, 2, 16)] == (Holiday.Kind.HOLIDAY, "春节", national)
    assert days[dt.date(2026, 1, 1)] == (Holiday.Kind.HOLIDAY, "元旦", national)
    # The 调休 weekend days of 2026 (State Council notice): Sun 4 Jan, Sat 14 and 28 Feb, Sat 9 May, Sun 20 Sep,
    # Sat 10 Oct.
    workdays = sorted(date for date, (kind, _name, _source) in days.items() if kind == Holiday.Kind.WORKDAY)
    assert workdays == [
        dt.date(2026, 1, 4),
        dt.date(2026, 2, 14),
        dt.date(2026, 2, 28),
        dt.date(2026, 5, 9),
        dt.date(2026, 9, 20),
        dt.date(2026, 10, 10),
    ]
    assert days[dt.date(2026, 10, 10)] == (Holiday.Kind.WORKDAY, "国庆节", national)
    # Only what changes the Monday-to-Friday rule: a holiday on a Saturday is a day off anyway.
    assert dt.date(2026, 10, 3) not in days
    assert all(date.weekday() < 5 for date, (kind, _n, _s) in days.items() if kind == Holiday.Kind.HOLIDAY)
    holidays = len(days) - len(workdays)
    assert (result.created, result.updated, result.unchanged, result.kept) == (len(days), 0, 0, 0)
    assert holidays == 19


def test_second_import_changes_nothing():
    import_national_year(2026)
    before = days_of(2026)

    again = import_national_year(2026)

    assert days_of(2026) == before
    assert (again.created, again.updated, again.removed) == (0, 0, 0)
    assert again.unchanged == len(before)


def test_import_corrects_an_imported_day_and_removes_one_the_library_no_longer_lists():
    import_national_year(2026)
    Holiday.objects.filter(date=dt.date(2026, 10, 1)).update(name="旧名")
    HolidayFactory(date=dt.date(2026, 3, 3), name="多出来的", source=Holiday.Source.NATIONAL)

    result = import_national_year(2026)

    assert Holiday.objects.get(date=dt.date(2026, 10, 1)).name == "国庆节"
    assert not Holiday.objects.filter(date=dt.date(2026, 3, 3)).exists()
    assert (result.updated, result.removed) == (1, 1)


def test_import_keeps_regional_and_hand_entered_days():
    # 壮族三月三: 农历三月初三 is Sunday 19 April 2026; Guangxi gives the day and the one after off.
    sanyuesan = HolidayFactory(date=dt.date(2026, 4, 20), name="壮族三月三", source=Holiday.Source.REGIONAL)
    # The town office decided 1 October differently (hand-entered on a date the library also lists).
    own = HolidayFactory(
        date=dt.date(2026, 10, 1), kind=Holiday.Kind.HOLIDAY, name="国庆（镇里录入）", source=Holiday.Source.MANUAL
    )

    result = import_national_year(2026)

    sanyuesan.refresh_from_db()
    own.refresh_from_db()
    assert (sanyuesan.name, sanyuesan.source) == ("壮族三月三", Holiday.Source.REGIONAL)
    assert (own.name, own.source) == ("国庆（镇里录入）", Holiday.Source.MANUAL)
    assert result.kept == 1
    assert result.removed == 0


def test_unknown_year_is_refused_with_the_message_and_nothing_written():
    with pytest.raises(CalendarUnknown) as refused:
        import_national_year(UNKNOWN_YEAR)

    assert str(refused.value) == unknown_message(UNKNOWN_YEAR)
    assert refused.value.code == "unknown_year"
    assert not Holiday.objects.exists()


# --- the command ----------------------------------------------------------------------------------------------------


def test_command_imports_the_year_and_says_what_it_did():
    out = StringIO()

    call_command("import_holidays", "--year", "2026", stdout=out)

    assert Holiday.objects.filter(date__year=2026, source=Holiday.Source.NATIONAL).count() == 25
    assert "2026" in out.getvalue()
    # the summary line of the second import (nothing new): its year's part, before the colon of either width
    assert re.split("[:：]", str(import_national_year(2026)))[0] in out.getvalue()


def test_command_refuses_a_year_the_library_does_not_know():
    with pytest.raises(CommandError, match=str(UNKNOWN_YEAR)) as refused:
        call_command("import_holidays", "--year", str(UNKNOWN_YEAR), stdout=StringIO())

    assert str(refused.value) == unknown_message(UNKNOWN_YEAR)
    assert not Holiday.objects.exists()


def test_command_without_year_imports_this_year_and_reports_an_unknown_next_year(time_machine):
    frozen_at(time_machine, dt.date(2026, 12, 2))
    err = StringIO()

    call_command("import_holidays", stdout=StringIO(), stderr=err)

    assert Holiday.objects.filter(date__year=2026).count() == 25
    assert not Holiday.objects.filter(date__year=2027).exists()
    assert unknown_message(2027) in err.getvalue()


def test_command_without_year_imports_this_year_and_next(time_machine):
    frozen_at(time_machine, dt.date(2025, 11, 20))

    call_command("import_holidays", stdout=StringIO())

    assert Holiday.objects.filter(date__year=2025).exists()
    assert Holiday.objects.filter(date__year=2026).count() == 25


# --- the admin action -----------------------------------------------------------------------------------------------


def run_action(client, action: str):
    return client.post(HOLIDAYS, {"action": action, "index": 0}, follow=True)


def test_superuser_imports_next_year_from_the_admin_with_nothing_ticked(client_for, superuser, time_machine):
    frozen_at(time_machine, dt.date(2025, 11, 10))

    response = run_action(client_for(superuser), "import_next_year")

    assert response.status_code == 200
    assert Holiday.objects.filter(date__year=2026, source=Holiday.Source.NATIONAL).count() == 25
    assert any(message.startswith("2026") for message in messages_of(response))


def test_superuser_imports_this_year_from_the_admin(client_for, superuser, time_machine):
    frozen_at(time_machine, dt.date(2026, 3, 1))
    HolidayFactory(date=dt.date(2026, 4, 20), name="壮族三月三", source=Holiday.Source.REGIONAL)

    run_action(client_for(superuser), "import_this_year")

    assert Holiday.objects.filter(date__year=2026, source=Holiday.Source.NATIONAL).count() == 25
    assert Holiday.objects.get(date=dt.date(2026, 4, 20)).source == Holiday.Source.REGIONAL


def test_admin_action_for_an_unknown_year_says_so_and_writes_nothing(client_for, superuser, time_machine):
    frozen_at(time_machine, dt.date(2026, 12, 2))

    response = run_action(client_for(superuser), "import_next_year")

    assert unknown_message(2027) in messages_of(response)
    assert not Holiday.objects.exists()


def test_town_office_without_change_permission_cannot_import(client_for, town_office, time_machine):
    frozen_at(time_machine, dt.date(2025, 11, 10))
    client = client_for(town_office)
    assert client.get(HOLIDAYS).status_code == 200  # they read the calendar

    response = run_action(client, "import_next_year")

    assert not Holiday.objects.exists()
    assert "import_next_year" not in client.get(HOLIDAYS).content.decode()
    assert not any(message.startswith("2026") for message in messages_of(response))


def test_regional_day_can_be_added_in_the_admin(client_for, superuser):
    client = client_for(superuser)
    add_form = client.get(HOLIDAYS + "add/").content.decode()
    assert "壮族三月三" in add_form  # the source field's help text names it

    client.post(
        HOLIDAYS + "add/",
        {"date": "2026-04-20", "kind": Holiday.Kind.HOLIDAY, "name": "壮族三月三", "source": Holiday.Source.REGIONAL},
    )

    assert Holiday.objects.get(date=dt.date(2026, 4, 20)).source == Holiday.Source.REGIONAL


# --- next year's calendar missing -----------------------------------------------------------------------------------


@pytest.mark.parametrize("today", [dt.date(2026, 11, 1), dt.date(2026, 11, 30), dt.date(2026, 12, 31)])
def test_calendar_missing_from_1_november_without_next_year(today):
    import_national_year(2026)
    HolidayFactory(date=dt.date(2027, 4, 9), name="壮族三月三", source=Holiday.Source.REGIONAL)

    assert calendar_missing(today) == 2027


@pytest.mark.parametrize("today", [dt.date(2026, 1, 15), dt.date(2026, 10, 31)])
def test_calendar_not_missing_before_november(today):
    assert calendar_missing(today) is None


def test_calendar_not_missing_once_next_year_is_imported():
    import_national_year(2026)

    assert calendar_missing(dt.date(2025, 11, 1)) is None
    assert calendar_missing(dt.date(2025, 12, 31)) is None


def test_check_warns_from_1_november_without_next_year():
    warnings = calendar_check(databases=["default"], today=dt.date(2026, 11, 1))

    assert [w.id for w in warnings] == ["cases.W001"]
    assert "2027" in warnings[0].msg
    assert warnings[0].level == checks.WARNING


def test_check_is_silent_with_next_year_and_in_october():
    assert calendar_check(databases=["default"], today=dt.date(2026, 10, 31)) == []
    import_national_year(2026)
    assert calendar_check(databases=["default"], today=dt.date(2025, 12, 1)) == []


def test_check_runs_only_with_the_database(time_machine):
    frozen_at(time_machine, dt.date(2026, 12, 2))

    with_database = checks.run_checks(tags=[checks.Tags.database], databases=["default"])
    without = checks.run_checks(databases=None)

    assert "cases.W001" in [message.id for message in with_database]
    assert "cases.W001" not in [message.id for message in without]


def test_admin_index_warns_when_next_year_is_missing(client_for, town_office, time_machine):
    frozen_at(time_machine, dt.date(2026, 11, 15))
    client = client_for(town_office)

    page = client.get("/admin/").content.decode()

    assert 'class="errornote"' in page
    assert "2027" in page
    assert HOLIDAYS in page


def test_admin_index_is_quiet_in_october(client_for, town_office, time_machine):
    frozen_at(time_machine, dt.date(2026, 10, 15))

    page = client_for(town_office).get("/admin/").content.decode()

    assert 'class="errornote"' not in page


# --- market days on a holiday ---------------------------------------------------------------------------------------


@pytest.fixture
def national_day(town, time_machine):
    """Today is 28 September 2026; market days on 29 September and on 1 October (国庆节)."""
    frozen_at(time_machine, dt.date(2026, 9, 28))
    import_national_year(2026)
    return MarketDayFactory(town=town, date=dt.date(2026, 10, 1)), MarketDayFactory(
        town=town, date=dt.date(2026, 9, 29)
    )


def test_roster_marks_the_market_day_on_a_holiday(client_for, town_office, village, national_day):
    response = client_for(town_office).get(ROSTER)

    head = response.content.decode().split("</thead>")[0]
    columns = {cell.split("<br>")[0].split(">")[-1]: cell for cell in head.split('<th class="text-center')[1:]}
    assert list(columns) == ["9月29日", "10月1日"]
    assert _("Holiday") in columns["10月1日"]
    assert "国庆节" in columns["10月1日"]
    assert _("Holiday") not in columns["9月29日"]


def test_roster_queries_do_not_grow_with_market_days(client_for, town_office, village, town, national_day):
    client = client_for(town_office)
    MarketDay.objects.filter(date=dt.date(2026, 9, 29)).delete()
    client.get(ROSTER)
    with CaptureQueriesContext(connection) as one_day:
        assert client.get(ROSTER).status_code == 200
    assert len(one_day.captured_queries) > 0

    for n in range(1, 10):
        MarketDayFactory(town=town, date=dt.date(2026, 10, 1) + dt.timedelta(days=3 * n))
    with CaptureQueriesContext(connection) as ten_days:
        response = client.get(ROSTER)

    assert len(response.context["days"]) == 10
    assert len(ten_days.captured_queries) == len(one_day.captured_queries)


def test_market_day_admin_marks_the_holiday(client_for, town_office, national_day):
    page = client_for(town_office).get("/admin/villages/marketday/").content.decode()

    assert page.count("国庆节") == 1
    assert f"<strong>{_('Holiday')}</strong> 国庆节" in page


def test_holiday_changed_without_a_source_in_the_form_keeps_its_source(client_for, superuser):
    day = HolidayFactory(date=dt.date(2026, 10, 1), name="国庆节", source=Holiday.Source.NATIONAL)

    response = client_for(superuser).post(
        f"{HOLIDAYS}{day.pk}/change/", {"date": "2026-10-01", "kind": Holiday.Kind.HOLIDAY, "name": "国庆"}
    )

    assert response.status_code == 302
    day.refresh_from_db()
    assert (day.name, day.source) == ("国庆", Holiday.Source.NATIONAL)


def test_market_day_admin_queries_do_not_grow_with_market_days(client_for, town_office, town, national_day):
    client = client_for(town_office)
    client.get("/admin/villages/marketday/")
    with CaptureQueriesContext(connection) as two_days:
        client.get("/admin/villages/marketday/")

    for n in range(1, 10):
        MarketDayFactory(town=town, date=dt.date(2026, 10, 1) + dt.timedelta(days=3 * n))
    with CaptureQueriesContext(connection) as eleven_days:
        page = client.get("/admin/villages/marketday/").content.decode()

    assert page.count(f"<strong>{_('Holiday')}</strong>") == 2  # 1 and 7 October
    assert len(eleven_days.captured_queries) == len(two_days.captured_queries)
