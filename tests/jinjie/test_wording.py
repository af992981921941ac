"""Wording as a Guangxi 镇办 writes it (issue 10, point 10): dates without leading zeros (2026年12月2日, 12月2日),
the admin's change history apart from the case's own 办理记录, "— 请选择村 —" where a village is chosen.

The msgids are compared through gettext, so these tests hold before and after the catalogue takes the new
Chinese strings in.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.forms import ConsultationForm
from tests.factories import DepartmentMemberFactory, MarketDayFactory, open_case, route_matter
from villages.models import Village

pytestmark = pytest.mark.django_db

LEADING_ZERO = re.compile(r"(?<!\d)0\d月|月0\d日")
SPRING = dt.date(2027, 3, 1)  # a Monday: March 1st, a date that used to print as 03月01日


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour))


@pytest.fixture
def spring(time_machine):
    time_machine.move_to(at(SPRING), tick=False)


def test_home_page_market_days_have_no_leading_zeros(client, town, spring):
    MarketDayFactory(town=town, date=dt.date(2027, 3, 4))
    MarketDayFactory(town=town, date=dt.date(2027, 3, 7))

    html = client.get("/").content.decode()

    assert "3月4日" in html and "3月7日" in html
    assert not LEADING_ZERO.search(html)


def test_hall_board_date_and_next_market_days_have_no_leading_zeros(client, town, spring):
    MarketDayFactory(town=town, date=dt.date(2027, 3, 4))

    html = client.get("/hall/").content.decode()

    assert "2027年3月1日" in html
    assert "3月4日" in html
    assert not LEADING_ZERO.search(html)


def test_villagers_case_page_dates_have_no_leading_zeros(client, town, village, cadre, department, spring):
    matter = route_matter(town=town, departments=[department])
    case = open_case(actor=cadre, matter=matter, village=village)

    html = client.get(f"/t/{case.token}/").content.decode()

    assert "3月1日" in html  # the village certificate is due today
    assert f"{case.expected_on.year}年{case.expected_on.month}月{case.expected_on.day}日" in html
    assert not LEADING_ZERO.search(html)


def test_queue_dates_have_no_leading_zeros(client_for, town, village, cadre, department, spring):
    clerk = DepartmentMemberFactory(department=department, user__town=town).user
    matter = route_matter(town=town, departments=[department], needs_village_certificate=False)
    open_case(actor=clerk, matter=matter, village=village, intake_department=department)

    html = client_for(clerk).get("/queue/").content.decode()

    assert "3月1日 10:00" in html
    assert not LEADING_ZERO.search(html)


def test_admin_history_link_is_the_change_history_not_the_case_history(client_for, town_office, town):
    """Django's "History" is who changed a row in the admin (修改记录); the case's own history (办理记录) is
    something else, and keeps its name on the case page."""
    matter = route_matter(town=town, departments=[])

    change = client_for(town_office).get(f"/admin/cases/matter/{matter.pk}/change/").content.decode()
    history = client_for(town_office).get(f"/admin/cases/matter/{matter.pk}/history/").content.decode()

    assert f'class="historylink">{_("Change history")}</a>' in change
    assert f"&rsaquo; {_('Change history')}" in history
    assert _("Change history") != _("History")


def test_the_case_page_keeps_its_history_heading(client_for, town, village, cadre, department):
    matter = route_matter(town=town, departments=[department])
    case = open_case(actor=cadre, matter=matter, village=village)

    html = client_for(cadre).get(case.get_absolute_url()).content.decode()

    assert f">{_('History')}</h2>" in html


def test_consultation_village_choice_starts_with_choose_the_village(town, village):
    form = ConsultationForm(villages=Village.objects.filter(town=town))

    assert list(form.fields["village"].choices)[0] == ("", _("— choose the village —"))


def test_queue_intake_asks_to_choose_the_village(client_for, town, village, department):
    clerk = DepartmentMemberFactory(department=department, user__town=town).user
    route_matter(town=town, departments=[department], needs_village_certificate=False)

    html = client_for(clerk).get("/queue/").content.decode()

    assert f'<option value="">{_("— choose the village —")}</option>' in html
