"""The service guide (办事指南, issue 10 point 6): every field the national rules ask for, and what it says about
time and who decides follows from the matter's route (cases/guide.py), so it cannot contradict the route.

The demo catalogue is checked whole: for every matter seed_demo loads, the guide page's time limits are read back
and compared with the route's own numbers, and no free-text summary states a time of its own.
"""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext as _

from cases import guide
from cases.admin import mismatch_message
from cases.models import Matter
from departments.models import Department
from jinjie.demo_catalogue import CATALOGUE
from jinjie.management.commands.seed_demo import seed_catalogue
from tests.factories import (
    CountyDepartmentFactory,
    DepartmentFactory,
    MaterialFactory,
    MatterFactory,
    RouteStepFactory,
)
from villages.models import Town

pytestmark = pytest.mark.django_db

# A time stated in words: "3个工作日", "15天", "三天", "当天审批", "当场办理", "即办". The guide states time from the
# route; a summary that says any of these could say something else.
TIMING_WORDS = re.compile(
    r"(\d+|[一二两三四五六七八九十]+)\s*个?(工作日|天|日内|小时)|当天|当日|当场|即办|立即|马上|随到随办"
)


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=io.StringIO())
    return Town.objects.get(code="451425102")


def timing_items(html: str) -> list[str]:
    """The lines of the guide page's time-limit cell, as a villager reads them."""
    block = re.search(r'<ul[^>]*id="guide-timing"[^>]*>(.*?)</ul>', html, re.S)
    assert block, "the guide page has no time-limit list"
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li[^>]*>(.*?)</li>", block[1], re.S)]


def numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", text)]


def route_of(matter: Matter) -> list[tuple[str, int]]:
    """(who, working days) for each step of the route, read from the rows themselves, not from cases.guide."""
    steps = []
    if matter.needs_village_certificate:
        steps.append((_("Village certificate"), matter.village_time_limit_days))
    steps += [(s.department.name, s.time_limit_days) for s in matter.route.select_related("department")]
    if matter.county_mode:
        steps.append((matter.county_department.name, matter.county_time_limit_days))
    return steps


def test_every_demo_matter_guide_states_the_time_its_route_gives(client, demo):
    matters = list(Matter.objects.filter(town=demo).select_related("county_department").order_by("code"))
    assert len(matters) == len(CATALOGUE)

    for matter in matters:
        items = timing_items(client.get(matter.get_absolute_url()).content.decode())
        steps = route_of(matter)
        total = sum(days for _who, days in steps)
        promised, rest = items[0], items[1:]
        if matter.legal_days:
            legal, rest = rest[0], rest[1:]
            assert numbers(legal) == [matter.legal_days], matter.code
            assert matter.legal_days >= total, f"{matter.code}: the promise is longer than the law allows"
        assert numbers(promised) == ([total] if total else []), matter.code
        assert matter.promised_days == total, f"{matter.code}: the receipt promises something else than the guide"
        assert len(rest) == len(steps), matter.code
        for line, (who, days) in zip(rest, steps, strict=True):
            assert line.startswith(who), (matter.code, line, who)
            assert numbers(line) == ([days] if days else []), (matter.code, line)
        # And the page says what the guide module says, in its order: total, legal limit, then each step.
        timing = guide.timing(matter)
        assert items == [timing.promised, *([timing.legal] if timing.legal else []), *(s.text for s in timing.steps)]


def test_no_demo_summary_states_a_time_of_its_own(demo):
    stated = {m.code: m.summary for m in Matter.objects.filter(town=demo) if TIMING_WORDS.search(m.summary)}

    assert stated == {}


def test_the_summary_check_catches_a_stated_time():
    """The check can fail: these are the kinds of sentences the demo summaries used to have."""
    for summary in ("民政办、党政办当天审批登记", "社保中心窗口当场办理", "承诺 5 个工作日内办结", "三天内办好"):
        assert TIMING_WORDS.search(summary), summary
    assert not TIMING_WORDS.search("圩日到镇政务服务大厅本村台牌，由值班村干部核实后开具，加盖村委公章。")


def test_the_demo_data_gives_every_matter_its_guide_fields(demo):
    matters = {m.code: m for m in Matter.objects.filter(town=demo)}

    assert all(m.result_name for m in matters.values())
    assert all(m.visits in (0, 1) for m in matters.values())
    assert all(m.correction_days >= 1 for m in matters.values())
    dibao = matters["dibao"]
    assert (dibao.legal_days, dibao.promised_days, dibao.correction_days) == (30, 27, 10)
    assert dibao.county_mode == Matter.CountyMode.SUBMISSION  # 低保 goes up from the town (issue 10, point 7)
    assert dibao.result_delivery == Matter.Delivery.VILLAGE
    assert matters["gaoling-jintie"].visits == 0
    assert matters["linmu-caifa"].legal_days == 20  # 行政许可法 第四十二条
    assert matters["yiliao-jiuzhu"].county_mode == Matter.CountyMode.REFERRAL  # 赵国向 takes the form himself


def test_seeding_the_catalogue_again_changes_nothing(demo):
    departments = {d.name: d for d in Department.objects.filter(town=demo)}
    departments |= {d.name: d for d in Department.objects.filter(level=Department.Level.COUNTY)}

    assert seed_catalogue(demo, departments) == 0


def test_guide_page_shows_every_field_of_the_service_guide(client, demo):
    response = client.get("/guide/dibao/")

    html = response.content.decode()
    assert response.status_code == 200
    matter = Matter.objects.get(code="dibao")
    assert re.search(r'id="guide-body">天等县民政局<', html)  # 实施主体: the county decides 低保
    assert _("Legal time limit: %(time)s") % {"time": _("%(days)s working day(s)") % {"days": 30}} in html
    assert _("Promised time: %(time)s") % {"time": _("%(days)s working day(s)") % {"days": 27}} in html
    assert demo.address in html  # 办理地点
    assert demo.office_hours in html  # 办公时间
    assert f"{response.context['guide'].market_days[0].month}月{response.context['guide'].market_days[0].day}日" in html
    assert "进结镇民政办，电话 0771-3560003" in html  # 咨询电话
    assert demo.complaint_phone in html  # 监督投诉电话
    assert matter.result_name in html and str(matter.get_result_delivery_display()) in html  # 办理结果, 送达
    assert "免费" in html
    assert _("Once, to the town hall") in html  # 到现场次数
    notice = _(
        "If something is missing you are told once, in writing, of everything still needed. Bring it within "
        "%(days)s working days; the waiting time is not counted in the time limit."
    )
    assert notice % {"days": 10} in html  # 补正期限


def test_guide_dates_have_no_leading_zeros(client, demo):
    html = client.get("/guide/dibao/").content.decode()

    assert not re.search(r"\d月0\d日|0\d月\d+日", html)


def test_utility_matter_is_decided_by_the_utility_and_town_matter_by_the_town_government(demo):
    meter = Matter.objects.get(code="dianbiao-anzhuang")
    homestead = Matter.objects.get(code="zhaijidi-jianfang")

    assert guide.implementing_body(meter) == "天等县进结供电所"
    assert guide.implementing_body(homestead) == "天等县进结镇人民政府"


def test_county_step_makes_the_county_department_the_implementing_body(town, department):
    county = CountyDepartmentFactory(name="县林业局", full_name="天等县林业局")
    matter = MatterFactory(
        town=town, county_mode=Matter.CountyMode.APPOINTMENT, county_department=county, county_time_limit_days=10
    )
    RouteStepFactory(matter=matter, department=department, time_limit_days=5)

    assert guide.implementing_body(matter) == "天等县林业局"


def test_village_only_certificate_is_issued_by_the_village_committee(town, village):
    matter = MatterFactory(town=town, kind=Matter.Kind.SAME_DAY, promised_days=0)

    assert guide.implementing_body(matter, village=village) == "爱乐村村民委员会"
    assert guide.implementing_body(matter) == _("the applicant's village committee")


def test_a_referral_adds_the_trip_to_the_county_office(town, department, county_department):
    matter = MatterFactory(
        town=town, county_mode=Matter.CountyMode.REFERRAL, county_department=county_department, visits=1
    )
    RouteStepFactory(matter=matter, department=department)

    visits = guide.visits(matter)

    assert visits.hall == 1
    assert visits.county_office == "县民政局"
    assert "县民政局" in visits.text


def test_a_matter_the_cadre_hands_in_needs_no_visit(town, department, county_department):
    matter = MatterFactory(
        town=town, county_mode=Matter.CountyMode.SUBMISSION, county_department=county_department, visits=0
    )

    visits = guide.visits(matter)

    assert (visits.hall, visits.county_office) == (0, "")
    assert visits.text == _("None: the village cadre hands it in for you")


def test_same_day_matter_promises_the_same_day(town, department):
    matter = MatterFactory(town=town, kind=Matter.Kind.SAME_DAY, promised_days=0, needs_village_certificate=False)
    RouteStepFactory(matter=matter, department=department, time_limit_days=0)

    timing = guide.timing(matter)

    assert timing.promised == _("Promised time: %(time)s") % {"time": _("same-day matter, done on the spot")}
    assert [s.days for s in timing.steps] == [None]
    assert timing.legal == ""
    assert guide.route_days(matter) == 0


def guide_queries(client, matter) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(matter.get_absolute_url()).status_code == 200
    return len(queries)


def test_guide_page_queries_do_not_grow_with_the_route_and_materials(client, town, county_department):
    short = MatterFactory(town=town, county_mode=Matter.CountyMode.REFERRAL, county_department=county_department)
    RouteStepFactory(matter=short)
    MaterialFactory(matter=short)
    long = MatterFactory(town=town, county_mode=Matter.CountyMode.REFERRAL, county_department=county_department)
    for _n in range(5):
        RouteStepFactory(matter=long, department=DepartmentFactory(town=town))
        MaterialFactory(matter=long)

    assert guide_queries(client, long) == guide_queries(client, short)


def test_guide_list_shows_each_matters_promise(client, demo):
    html = client.get("/guide/").content.decode()

    assert guide.promised(Matter.objects.get(code="dibao")) in html
    assert guide.promised(Matter.objects.get(code="yanglao-canbao")) in html  # 即办件


# --- the matter admin (MatterAdmin) ---------------------------------------------------------------------------------


def test_matter_admin_shows_the_guide_fields_and_the_timing_the_guide_states(client_for, town_office, demo):
    matter = Matter.objects.get(code="dibao")

    html = client_for(town_office).get(f"/admin/cases/matter/{matter.pk}/change/").content.decode()

    for field in ("legal_days", "correction_days", "result_name", "result_delivery", "visits", "fee", "contact"):
        assert f'name="{field}"' in html, field
    for line in guide.timing(matter).lines:
        assert line in html


def test_matter_admin_warns_when_the_promise_is_not_the_route(client_for, superuser, town, department):
    matter = MatterFactory(town=town, promised_days=3, needs_village_certificate=False)
    RouteStepFactory(matter=matter, department=department, time_limit_days=1)
    data = {
        "town": town.pk,
        "code": matter.code,
        "name": matter.name,
        "category": matter.category,
        "display_order": 0,
        "is_active": "on",
        "kind": Matter.Kind.PROMISED,
        "promised_days": 3,
        "village_time_limit_days": 0,
        "county_mode": "",
        "county_department": "",
        "county_time_limit_days": 0,
        "fee": "免费",
        "route-TOTAL_FORMS": 1,
        "route-INITIAL_FORMS": 1,
        "route-MIN_NUM_FORMS": 0,
        "route-MAX_NUM_FORMS": 1000,
        "route-0-id": matter.route.get().pk,
        "route-0-matter": matter.pk,
        "route-0-order": 1,
        "route-0-department": department.pk,
        "route-0-action": "审核",
        "route-0-time_limit_days": 1,
        "materials-TOTAL_FORMS": 0,
        "materials-INITIAL_FORMS": 0,
        "materials-MIN_NUM_FORMS": 0,
        "materials-MAX_NUM_FORMS": 1000,
    }

    response = client_for(superuser).post(f"/admin/cases/matter/{matter.pk}/change/", data, follow=True)

    matter.refresh_from_db()
    assert mismatch_message(matter, 1) in [str(m) for m in response.context["messages"]]
    # Left out of the post (a form of an older page): the guide fields keep their defaults.
    assert (matter.legal_days, matter.correction_days, matter.visits, matter.result_delivery) == (
        0,
        5,
        1,
        Matter.Delivery.DESK,
    )
