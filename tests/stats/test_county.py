"""The county's dashboard (issue 13 points 2 and 3): the county office reads every town of its county side by side,
by the town report's own definitions, with the same drill-down and an Excel export — and nothing of a town's cases;
a town office never reads the county's page or another town's figures."""

import io

import openpyxl
import pytest

from cases.models import Case, CaseStep
from stats.county import COLUMNS
from stats.periods import Period
from stats.queries import report
from tests.factories import (
    DepartmentFactory,
    MatterFactory,
    TownFactory,
    TownStaffFactory,
    UserFactory,
    VillageFactory,
)
from tests.stats.conftest import desk_step, local, make_case, mar, rate
from villages.models import CountyStaff, TownStaff

pytestmark = pytest.mark.django_db

COUNTY = "/admin/stats/county/"
MARCH = {"period": "2026-03"}
S = CaseStep.State


@pytest.fixture
def county(town, village, department, freeze):
    """进结镇 (the `town` fixture) and 龙茗镇 in 天等县; 雷平镇 in 大新县."""
    freeze(local(2026, 4, 15, 10))
    second = TownFactory(code="451425103", name="龙茗镇", county="天等县")
    elsewhere = TownFactory(code="451424101", name="雷平镇", county="大新县")
    towns = {"jinjie": town, "longming": second, "leiping": elsewhere}
    for key, (done, open_, proxy) in {"jinjie": (3, 1, 1), "longming": (1, 2, 0), "leiping": (4, 0, 0)}.items():
        t = towns[key]
        v = village if t == town else VillageFactory(town=t)
        d = department if t == town else DepartmentFactory(town=t)
        matter = MatterFactory(town=t)
        for n in range(done):
            step = desk_step(d, started=mar(3 + n, 9), due=mar(5 + n), finished=mar(3 + n, 11))
            case = make_case(matter=matter, village=v, received_at=mar(3 + n, 9), state=Case.State.COMPLETED,
                             closed_at=mar(3 + n, 11), proxy="cadre" if n < proxy else "", steps=[step])  # fmt: skip
            rate(case, 5 if n else 2, mar(3 + n, 12))
        for n in range(open_):
            make_case(matter=matter, village=v, received_at=mar(10 + n, 9), state=Case.State.IN_PROGRESS,
                      steps=[desk_step(d, state=S.ACTIVE, started=mar(10 + n, 9), due=mar(12 + n))])  # fmt: skip
    return towns


@pytest.fixture
def county_office(db):
    user = UserFactory(is_staff=True)
    CountyStaff.objects.create(user=user, county="天等县")
    return user


def test_the_county_office_sees_its_towns_side_by_side_by_the_towns_own_figures(client_for, county_office, county):
    response = client_for(county_office).get(COUNTY, MARCH)

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row["town"].name for row in rows] == ["进结镇", "龙茗镇"]  # not 雷平镇 of 大新县
    for row, key in zip(rows, ("jinjie", "longming"), strict=True):
        figures = report(town=county[key], period=Period.month(2026, 3), compare=False)["figures"]
        cells = dict(zip(COLUMNS, (cell["value"] for cell in row["cells"]), strict=True))
        for column in ("applications", "received", "completed", "one_visit_rate", "overdue_steps",
                       "satisfaction_rate", "proxied"):  # fmt: skip
            assert cells[column] == figures[column], column
    total = dict(zip(COLUMNS, response.context["total"], strict=True))
    assert (total["applications"], total["completed"], total["proxied"]) == (7, 4, 1)
    # Rates from the summed counts: 2 of 4 ratings satisfied, not the mean of 66.7 % and 0 %.
    assert total["satisfaction_rate"] == 50.0
    assert "天等县各乡镇“村事镇办”便民服务站2026年3月工作情况对比表" in response.content.decode()


def test_every_number_opens_the_towns_list_of_what_it_counts(client_for, county_office, county):
    client = client_for(county_office)
    rows = client.get(COUNTY, MARCH).context["rows"]

    for row in rows:
        for key, cell in zip(COLUMNS, row["cells"], strict=True):
            if not cell["value"] or key.endswith("_rate") or key == "absent":
                continue
            listing = client.get(cell["link"])
            assert listing.status_code == 200, cell["link"]
            assert listing.context["page"].paginator.count == cell["value"], (row["town"].name, key)


def test_the_county_office_reads_statistics_but_never_a_towns_cases(client_for, county_office, county):
    client = client_for(county_office)
    case = Case.objects.filter(town=county["jinjie"]).first()

    assert client.get("/admin/stats/", {"town": "451425103", **MARCH}).status_code == 200
    assert client.get("/admin/stats/", {"town": "451424101", **MARCH}).status_code == 403  # another county
    assert client.get(f"/cases/{case.number}/").status_code in (403, 404)
    assert client.get("/admin/oversight/").status_code == 403
    assert client.get("/admin/cases/case/").status_code == 403
    assert client.get(COUNTY, {"county": "大新县", **MARCH}).status_code == 403


def test_a_town_office_never_reads_the_county_page_or_another_towns_figures(client_for, town_office, county):
    client = client_for(town_office)

    assert client.get(COUNTY, MARCH).status_code == 403
    assert client.get(f"{COUNTY}export.xlsx", MARCH).status_code == 403
    assert client.get("/admin/stats/", {"town": "451425103", **MARCH}).status_code == 403
    assert client.get("/admin/stats/", {"town": "451425102", **MARCH}).status_code == 200


def test_a_supervisor_of_one_town_is_no_county_office(client_for, county):
    supervisor = TownStaffFactory(town=county["longming"], role=TownStaff.Role.SUPERVISOR, user__is_staff=True).user

    assert client_for(supervisor).get(COUNTY, MARCH).status_code == 403


def test_the_county_workbook_has_a_row_per_town_and_the_total_as_numbers(client_for, county_office, county):
    response = client_for(county_office).get(f"{COUNTY}export.xlsx", MARCH)

    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "天等县各乡镇“村事镇办”便民服务站2026年3月工作情况对比表"
    assert [row[0] for row in rows[3:6]] == ["进结镇", "龙茗镇", "合计"]
    assert rows[5][1] == 7 and isinstance(rows[5][1], int)  # applications, a number
    assert rows[5][COLUMNS.index("satisfaction_rate") + 1] == 50.0


def test_the_county_office_lands_on_the_county_page(client, county_office, county):
    county_office.set_password("x-Pass-2026!")
    county_office.save()

    client.post("/accounts/login/", {"username": county_office.username, "password": "x-Pass-2026!"})
    response = client.get("/start/")

    assert response.status_code == 302 and response["Location"] == COUNTY
