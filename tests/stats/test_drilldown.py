"""Issue 11 point 3: every figure of the statistics page links to the rows it counts, built from the same definition —
for every figure of the known month (tests/stats/test_exact_month.py), the list's length is the figure."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from stats.figures import FIGURES
from tests.stats.test_exact_month import NOW, world  # noqa: F401 — the known month

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(world, town_office, client_for, freeze):  # noqa: F811
    freeze(NOW)
    return client_for(town_office)


def _stats(client):
    response = client.get(reverse("admin:stats"), {"town": "451425102", "period": "2026-03"})
    assert response.status_code == 200
    return response


def _count(client, url) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    if response.context["measured"] is not None:
        return response.context["measured"]
    return response.context["page"].paginator.count


def test_every_headline_figure_links_to_as_many_rows_as_it_counts(office):
    context = _stats(office).context
    checked = 0
    for row in context["headline"]:
        for part in row["parts"]:
            assert part["url"], (row["key"], part["key"])
            assert _count(office, part["url"]) == part["value"], part["key"]
            checked += 1
    # every counted figure of the headline was visited, the parts of the rates and of 来访咨询 included
    assert checked >= 25


def test_every_cell_of_every_breakdown_links_to_its_rows_and_the_totals_too(office):
    context = _stats(office).context
    cells = 0
    for table in context["tables"]:
        hours = len(table["headings"]) - 2 if table["key"].startswith("attendance") else None  # hours, not desks
        for row in [*table["rows"], table["total"]]:
            for index, cell in enumerate(row["cells"]):
                if cell["value"] and index != hours:
                    assert cell["url"], (table["title"], row["name"])
                    assert _count(office, cell["url"]) == cell["value"], (table["title"], row["name"], cell["url"])
                    cells += 1
    assert cells > 40


def test_the_page_shows_every_link_it_has_in_its_context(office):
    content = _stats(office).content.decode()
    links = {unescape(href) for href in re.findall(r'href="([^"]*stats/list/[^"]*)"', content)}
    assert len(links) > 40
    figures = {parse_qs(urlsplit(link).query)["figure"][0] for link in links}
    from villages.attendance import FIGURES as ATTENDANCE_FIGURES

    assert figures <= set(FIGURES) | {f"attendance.{key}" for key in ATTENDANCE_FIGURES}
    assert {"received", "completed", "overdue_steps", "consultations", "rectifications"} <= figures


def test_a_list_pages_with_the_same_number_of_queries_for_one_row_and_for_fifty(
    office, django_assert_num_queries, town
):
    from tests.factories import MatterFactory, VillageFactory
    from tests.stats.conftest import make_case, mar, village_step

    village = VillageFactory(town=town, name="分页村")
    matter = MatterFactory(town=town, code="dd-one")
    url = f"{reverse('admin:stats_list')}?town={town.code}&period=2026-03-02..2026-03-02&figure=applications"
    url += f"&by=village&id={village.pk}"  # the new village's cases only
    make_case(matter=matter, village=village, received_at=mar(2, 9), state="received", steps=[village_step()])
    office.get(url)  # the session and the user are warmed up
    with django_assert_num_queries(7) as one:  # session, user, town memberships, town, count, roles (one), page
        response = office.get(url)
    assert response.context["page"].paginator.count == 1
    for _i in range(49):
        make_case(matter=matter, village=village, received_at=mar(2, 10), state="received", steps=[village_step()])
    with django_assert_num_queries(len(one.captured_queries)):
        response = office.get(url)
    assert response.context["page"].paginator.count == 50


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("figure=nothing", 404),
        ("figure=received&by=department", 404),  # cases have no department
        ("figure=received&by=village&id=abc", 404),
        ("figure=received&period=2026-13", 404),
    ],
)
def test_a_list_refuses_what_is_not_a_figure(office, query, status):
    params = "town=451425102&period=2026-03&" + query
    assert office.get(f"{reverse('admin:stats_list')}?{params}").status_code == status


def test_another_towns_office_cannot_open_this_towns_lists(world, client_for, freeze):  # noqa: F811
    from tests.factories import TownFactory, TownStaffFactory, UserFactory

    freeze(NOW)
    other = TownFactory(name="向都镇", code="451425999")
    user = UserFactory(is_staff=True)
    TownStaffFactory(user=user, town=other, role="office")
    client = client_for(user)
    url = f"{reverse('admin:stats_list')}?town=451425102&period=2026-03&figure=received"
    assert client.get(url).status_code == 403
    assert client.get(url.replace("451425102", "451425999")).context["page"].paginator.count == 0


def test_a_list_reads_in_the_order_of_its_figures_own_moment(office, town):
    """受理件数 lists by the moment of 受理, 已办结 by the moment of closing (the index of each gives the page): a case
    handed in first but accepted last comes last in the accepted list."""
    from cases.models import Case
    from tests.factories import MatterFactory, VillageFactory
    from tests.stats.conftest import make_case, mar, village_step

    village = VillageFactory(town=town, name="次序村")
    matter = MatterFactory(town=town, code="dd-order")
    first_in = make_case(matter=matter, village=village, received_at=mar(2, 9), accepted_at=mar(20, 9),
                         state="in_progress", steps=[village_step()])  # fmt: skip
    second_in = make_case(matter=matter, village=village, received_at=mar(3, 9), accepted_at=mar(3, 9),
                          state="in_progress", steps=[village_step()])  # fmt: skip
    url = f"{reverse('admin:stats_list')}?town={town.code}&period=2026-03&figure=received&by=village&id={village.pk}"

    page = office.get(url).context["page"]

    assert [case.pk for case in page] == [second_in.pk, first_in.pk]
    assert Case.objects.get(pk=first_in.pk).received_at < Case.objects.get(pk=second_in.pk).received_at


def test_a_list_does_not_build_the_admins_app_list_it_does_not_show(office, monkeypatch):
    """The drill-down and statistics pages leave the admin's sidebar out: the list of every registered model with
    the user's permissions is built only by a page that shows it (the admin index, a changelist's sidebar)."""
    from django.contrib.admin import AdminSite

    built = []
    original = AdminSite._build_app_dict
    monkeypatch.setattr(AdminSite, "_build_app_dict", lambda self, *a, **k: built.append(1) or original(self, *a, **k))

    url = f"{reverse('admin:stats_list')}?town=451425102&period=2026-03&figure=received"
    assert office.get(url).status_code == 200
    assert built == []

    index = office.get(reverse("admin:index"))
    assert index.status_code == 200 and built
    assert "cases" in {app["app_label"] for app in index.context["app_list"]}
    changelist = office.get(reverse("admin:cases_case_changelist"))
    assert changelist.status_code == 200
    assert "nav-sidebar" in changelist.content.decode()  # the sidebar still lists the apps where it is shown
    assert len(list(changelist.context["available_apps"])) >= 1
