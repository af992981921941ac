"""Public pages under the town (/<town code>/guide/, /track/, /hall/) and the county's list of towns at /."""

import pytest
from django.utils import timezone

from tests.factories import APPLICANT_PHONE, MarketDayFactory, MatterFactory, TownFactory, open_case, route_matter

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_catalogues(town, department, second_town, second_department):
    jinjie = route_matter(town=town, departments=[department], code="dibao", name="进结的低保")
    longming = route_matter(town=second_town, departments=[second_department], code="dibao", name="龙茗的低保")
    return jinjie, longming


def test_home_of_a_one_town_deployment_is_the_towns_home(client, town):
    html = client.get("/").content.decode()

    assert "进结镇" in html
    assert 'href="/guide/"' in html and 'href="/hall/"' in html


def test_home_of_a_county_lists_its_towns(client, town, second_town):
    html = client.get("/").content.decode()

    assert 'href="/451425102/"' in html and 'href="/451425104/"' in html
    assert 'href="/451425104/guide/"' in html and 'href="/451425104/hall/"' in html


def test_town_home_links_to_the_towns_own_pages(client, town, second_town):
    MarketDayFactory(town=second_town, date=timezone.localdate())

    html = client.get("/451425104/").content.decode()

    assert "龙茗镇" in html
    assert 'href="/451425104/guide/"' in html and 'href="/451425104/track/"' in html
    assert 'href="/451425104/hall/"' in html


def test_unknown_town_code_is_404(client, town):
    assert client.get("/451425999/").status_code == 404
    assert client.get("/451425999/guide/").status_code == 404
    assert client.get("/451425999/hall/").status_code == 404


def test_each_towns_guide_lists_its_own_matters(client, two_catalogues):
    jinjie = client.get("/451425102/guide/").content.decode()
    longming = client.get("/451425104/guide/").content.decode()

    assert "进结的低保" in jinjie and "龙茗的低保" not in jinjie
    assert "龙茗的低保" in longming and "进结的低保" not in longming
    assert 'href="/451425104/guide/dibao/"' in longming
    assert 'class="nav-link" href="/451425104/guide/"' in longming  # the menu stays in the town


def test_same_code_opens_each_towns_own_matter(client, two_catalogues):
    assert "龙茗的低保" in client.get("/451425104/guide/dibao/").content.decode()
    assert "进结的低保" in client.get("/451425102/guide/dibao/").content.decode()


def test_another_towns_matter_code_is_404_under_this_town(client, town, second_town, second_department):
    route_matter(town=second_town, departments=[second_department], code="only-longming")

    assert client.get("/451425102/guide/only-longming/").status_code == 404
    assert client.get("/451425104/guide/only-longming/").status_code == 200


def test_guide_address_without_town_chooses_when_several_towns_have_the_code(client, two_catalogues):
    response = client.get("/guide/dibao/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="/451425102/guide/dibao/"' in html and 'href="/451425104/guide/dibao/"' in html


def test_guide_address_without_town_opens_the_one_town_that_has_the_code(client, town, second_town, second_department):
    route_matter(town=second_town, departments=[second_department], code="only-longming", name="龙茗独有")

    response = client.get("/guide/only-longming/")

    assert response.status_code == 200 and "龙茗独有" in response.content.decode()


def test_guide_list_without_town_offers_the_other_towns(client, town, second_town):
    html = client.get("/guide/").content.decode()

    assert 'href="/451425104/guide/"' in html


def test_each_town_has_its_own_hall_board(client, town, second_town, village, second_village):
    today = timezone.localdate()
    MarketDayFactory(town=town, date=today)
    MarketDayFactory(town=second_town, date=today)

    longming = client.get("/451425104/hall/").content.decode()

    assert "龙茗村" in longming and "爱乐村" not in longming
    assert 'hx-get="/451425104/hall/"' in longming
    assert 'data-url="/451425104/hall/calls.json"' in longming
    assert client.get("/451425104/hall/calls.json").json() == {"calls": []}


def test_hall_board_address_without_town_lets_a_county_choose_the_hall(client, town, second_town, village):
    MarketDayFactory(town=town, date=timezone.localdate())

    html = client.get("/hall/").content.decode()

    assert 'href="/451425102/hall/"' in html and 'href="/451425104/hall/"' in html
    assert "爱乐村" not in html  # not the first town's board


def test_hall_board_of_a_one_town_deployment_is_unchanged(client, town, village):
    MarketDayFactory(town=town, date=timezone.localdate())

    html = client.get("/hall/").content.decode()

    assert 'hx-get="/hall/"' in html and 'data-url="/hall/calls.json"' in html


def test_town_tracking_finds_the_towns_case(client, town, village, cadre, department):
    case = open_case(actor=cadre, matter=route_matter(town=town, departments=[department]), village=village)

    response = client.post("/451425102/track/", {"number": case.number, "phone4": APPLICANT_PHONE[-4:]})

    assert response.status_code == 302 and response["Location"] == f"/t/{case.token}/"


def test_town_tracking_refuses_another_towns_case(client, town, village, cadre, department, second_town):
    case = open_case(actor=cadre, matter=route_matter(town=town, departments=[department]), village=village)

    response = client.post("/451425104/track/", {"number": case.number, "phone4": APPLICANT_PHONE[-4:]})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_tracking_without_town_finds_a_case_of_any_town(client, town, second_town, second_village, second_department):
    from tests.factories import VillageCadreFactory

    cadre = VillageCadreFactory(village=second_village).user
    matter = route_matter(town=second_town, departments=[second_department])
    case = open_case(actor=cadre, matter=matter, village=second_village)

    response = client.post("/track/", {"number": case.number, "phone4": APPLICANT_PHONE[-4:]})

    assert response.status_code == 302


def test_town_codes_do_not_take_other_addresses(client, town):
    MatterFactory(town=town, code="x")
    TownFactory(code="451425105")

    assert client.get("/healthz").status_code == 200
    assert client.get("/451425105/").status_code == 200
