"""The calling panel on the desk and queue pages, the slip, the villager's page, the guide desk, the board's JSON
and the hall board: access, double submits, no personal data, and query counts flat with the day's tickets."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import open_case
from tests.tickets.conftest import YOUNG_ID, call, stamp, version
from tests.villages.clock import DAY
from tickets import services
from tickets.models import Ticket, TicketCall

pytestmark = pytest.mark.django_db

DISTINCTIVE = "覃美玲珑"  # nobody is called this: on a public page it would be a leak


def action(desk, name):
    return f"/tickets/desk/{desk.kind}/{desk.pk}/{name}/"


def test_desk_page_shows_the_calling_panel_on_market_day(hall_day, client_for, cadre, village_desk, new_case):
    new_case(name=DISTINCTIVE)
    page = client_for(cadre).get("/desk/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="panel-{village_desk.key}"' in html
    assert action(village_desk, "call") in html
    assert "/tickets/issue/" in html and DISTINCTIVE in html  # the cadre picks the villager's case for the ticket


def test_no_panel_when_it_is_not_a_market_day(town, client_for, cadre, village_desk, time_machine):
    from tests.villages.clock import at

    time_machine.move_to(at(9), tick=False)
    html = client_for(cadre).get("/desk/").content.decode()
    assert f'id="panel-{village_desk.key}"' not in html


def test_queue_page_shows_the_windows_panel(hall_day, client_for, power_clerk, power_desk):
    html = client_for(power_clerk).get("/queue/").content.decode()
    assert f'id="panel-{power_desk.key}"' in html


def test_issue_at_the_desk_prints_the_slip_with_its_qr_code(hall_day, client_for, cadre, village, new_case):
    case = new_case()
    client = client_for(cadre)
    response = client.post("/tickets/issue/", {"village": village.pk, "cases": [case.pk], "is_pregnant": "on"})
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/slip/"
    assert ticket.is_pregnant and list(ticket.cases.all()) == [case]
    slip = client.get(response["Location"]).content.decode()
    assert "A001" in slip and "<svg" in slip and f"/q/{ticket.token}/" in slip


def test_issue_refused_to_a_cadre_of_another_village(hall_day, client_for, other_cadre, village, new_case):
    case = new_case()
    response = client_for(other_cadre).post("/tickets/issue/", {"village": village.pk, "cases": [case.pk]})
    assert response.status_code == 403
    assert not Ticket.objects.exists()


def test_slip_is_not_shown_to_another_village(hall_day, client_for, other_cadre, new_case, ticket_for):
    ticket = ticket_for(new_case())
    assert client_for(other_cadre).get(f"/tickets/{ticket.pk}/slip/").status_code == 404


def test_call_next_by_the_panel_and_a_double_click(hall_day, client_for, cadre, village_desk, new_case, ticket_for):
    ticket_for(new_case())
    ticket_for(new_case(name="韦金凤"))
    client = client_for(cadre)
    shown = version(village_desk)
    first = client.post(action(village_desk, "call"), {"version": shown})
    second = client.post(action(village_desk, "call"), {"version": shown})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == "/desk/"
    assert TicketCall.objects.count() == 1
    assert TicketCall.objects.get().ticket.label == "A001"
    page = client.get("/desk/").content.decode()
    assert "alert-danger" in page  # the second click is told why nothing happened


@pytest.mark.parametrize("who", ["other_cadre", "clerk", "power_clerk", "town_office", "no_role_user"])
def test_panel_actions_refused_at_another_desk(hall_day, client_for, new_case, ticket_for, village_desk, who, request):
    ticket = ticket_for(new_case())
    client = client_for(request.getfixturevalue(who))
    for name, data in (("call", {"version": 0}), ("urgent", {"ticket": ticket.pk}), ("recall", {"call": 1})):
        assert client.post(action(village_desk, name), data).status_code == 403
    assert client.get(f"/tickets/desk/{village_desk.kind}/{village_desk.pk}/").status_code == 404
    assert not TicketCall.objects.exists()


def test_window_actions_refused_to_clerks_of_another_department(
    hall_day, client_for, cadre, other_clerk, power_desk, new_case, ticket_for
):
    case = new_case()
    ticket_for(case)
    stamp(case, cadre)
    assert client_for(other_clerk).post(action(power_desk, "call"), {"version": 0}).status_code == 403


def test_county_department_is_no_desk(hall_day, client_for, county_officer, county_department):
    response = client_for(county_officer).post(f"/tickets/desk/department/{county_department.pk}/call/", {"version": 0})
    assert response.status_code == 404


def test_panel_actions_need_login_and_post(hall_day, client, client_for, cadre, village_desk):
    assert client.post(action(village_desk, "call")).status_code == 302  # to the login page
    assert client_for(cadre).get(action(village_desk, "call")).status_code == 405


def test_window_calls_at_the_queue_page(hall_day, client_for, cadre, power_clerk, power_desk, new_case, ticket_for):
    case = new_case()
    ticket_for(case)
    stamp(case, cadre)
    response = client_for(power_clerk).post(action(power_desk, "call"), {"version": version(power_desk)})
    assert response["Location"] == f"/queue/?department={power_desk.pk}"
    assert TicketCall.objects.get().department_id == power_desk.pk


# --- the villager's phone ----------------------------------------------------------------------------------------


def test_public_page_shows_where_the_ticket_stands_and_nothing_personal(
    hall_day, client, cadre, village_desk, new_case, ticket_for, clock
):
    ticket_for(new_case(name="黄必刘"))
    clock(9, 1)
    mine = ticket_for(new_case(name=DISTINCTIVE, phone="13977125866"))
    page = client.get(f"/q/{mine.token}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "A002" in html and "覃***" in html
    assert DISTINCTIVE not in html and "13977125866" not in html and YOUNG_ID not in html
    where = page.context["where"]
    assert [(w["desk"].key, w["ahead"]) for w in where["waiting"]] == [(village_desk.key, 1)]
    call(village_desk, cadre)
    where = client.get(f"/q/{mine.token}/").context["where"]
    assert [(w["desk"].key, w["ahead"]) for w in where["waiting"]] == [(village_desk.key, 0)]


def test_public_page_says_go_now_when_called(hall_day, client, cadre, village_desk, new_case, ticket_for):
    mine = ticket_for(new_case())
    call(village_desk, cadre)
    where = client.get(f"/q/{mine.token}/").context["where"]
    assert [w["desk"].key for w in where["at_window"]] == [village_desk.key] and where["waiting"] == []


def test_unknown_token_is_404(hall_day, client):
    assert client.get("/q/not-a-token/").status_code == 404


# --- the guide desk ----------------------------------------------------------------------------------------------


def test_guide_desk_gives_a_ticket_for_open_cases_by_number(hall_day, client_for, town_office, village, new_case):
    case = new_case()
    response = client_for(town_office).post(
        "/tickets/guide/", {"village": village.pk, "case_numbers": f" {case.number} "}
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and list(ticket.cases.all()) == [case]


def test_guide_desk_says_what_is_wrong(hall_day, client_for, town_office, village):
    response = client_for(town_office).post("/tickets/guide/", {"village": village.pk, "case_numbers": "nope"})
    assert response.status_code == 400 and not Ticket.objects.exists()


@pytest.mark.parametrize("who", ["cadre", "clerk", "supervisor", "no_role_user"])
def test_guide_desk_is_the_town_offices(hall_day, client_for, who, request):
    assert client_for(request.getfixturevalue(who)).get("/tickets/guide/").status_code == 403


# --- the board's JSON and its cost -------------------------------------------------------------------------------


def day_with_tickets(n, *, cadre, village, new_case):
    """n tickets for the day, half of them called at the village desk."""
    from tickets.desks import Desk

    desk = Desk.of_village(village)
    for i in range(n):
        services.ticket_issue(actor=cadre, village=village, villager=services.Villager(name=f"黄{i}"))
    for _ in range(n // 2):
        call(desk, cadre)
        services.ticket_serve(actor=cadre, desk=desk, version=version(desk))
    return desk


def test_board_json_has_the_calls_and_no_personal_data(
    hall_day, client, cadre, village, village_desk, new_case, ticket_for
):
    ticket_for(new_case(name=DISTINCTIVE))
    call(village_desk, cadre)
    data = client.get("/hall/calls.json").json()
    (entry,) = data["calls"]
    assert (entry["number"], entry["name"], entry["desk"]) == ("A001", "覃***", village.name)
    assert entry["text"].count("A001") == 1 and village.name in entry["text"]
    assert "零零一" in entry["speech"] and "覃某某" in entry["speech"]
    assert DISTINCTIVE not in str(data)


@pytest.mark.parametrize("path", ["/hall/calls.json", "/451425102/hall/calls.json"])
def test_the_board_calls_are_kept_between_calls_and_a_new_call_is_on_the_next_poll(
    hall_day, client, cadre, village_desk, new_case, ticket_for, path
):
    ticket_for(new_case(name="黄一"))
    ticket_for(new_case(name="韦二"))
    call(village_desk, cadre)
    first = client.get(path)
    with CaptureQueriesContext(connection) as queries:
        again = client.get(path)
    assert again.json() == first.json() and len(first.json()["calls"]) == 1
    assert not any("tickets_" in q["sql"] for q in queries.captured_queries)  # the kept copy (jinjie/kept_pages.py)

    services.ticket_serve(actor=cadre, desk=village_desk, version=version(village_desk))
    services.ticket_finish(actor=cadre, desk=village_desk, version=version(village_desk))
    call(village_desk, cadre)

    assert [c["number"] for c in client.get(path).json()["calls"]] == ["A002"]


@pytest.mark.parametrize("path", ["/hall/calls.json", "/hall/"])
def test_board_cost_is_flat_with_the_days_tickets(hall_day, client, cadre, village, new_case, path):
    def count():
        cache.clear()  # the page's own cost, not the public cache's copy (jinjie/public_cache.py)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    day_with_tickets(10, cadre=cadre, village=village, new_case=new_case)
    at_10 = count()
    Ticket.objects.all().delete()
    day_with_tickets(200, cadre=cadre, village=village, new_case=new_case)
    assert count() == at_10


def test_call_and_panel_cost_is_flat_with_the_days_tickets(hall_day, client_for, cadre, village, new_case, clock):
    client = client_for(cadre)

    def count():
        desk = day_with_tickets(0, cadre=cadre, village=village, new_case=new_case)
        client.get(f"/tickets/desk/village/{village.pk}/")  # the session's first request reads more
        with CaptureQueriesContext(connection) as call_queries:
            client.post(action(desk, "call"), {"version": version(desk)})
        with CaptureQueriesContext(connection) as serve_queries:
            client.post(action(desk, "serve"), {"version": version(desk)})
        with CaptureQueriesContext(connection) as panel_queries:
            assert client.get(f"/tickets/desk/village/{village.pk}/").status_code == 200
        return len(call_queries), len(serve_queries), len(panel_queries)

    day_with_tickets(10, cadre=cadre, village=village, new_case=new_case)
    at_10 = count()
    TicketCall.objects.all().delete()
    from tickets.models import DeskDay

    DeskDay.objects.all().delete()
    Ticket.objects.all().delete()
    day_with_tickets(200, cadre=cadre, village=village, new_case=new_case)
    assert count() == at_10


def test_hall_board_shows_the_latest_call_and_loads_its_script(
    hall_day, client, cadre, village_desk, new_case, ticket_for
):
    ticket_for(new_case())
    call(village_desk, cadre)
    html = client.get("/hall/").content.decode()
    assert 'id="call-now"' in html and "A001" in html
    assert "/static/tickets/hall_calls.js" in html
    assert "<script>" not in html  # the CSP allows no inline script


def test_day_summary_for_the_town_office_only(hall_day, client_for, town_office, cadre):
    assert client_for(town_office).get(f"/tickets/day/?day={DAY:%Y-%m-%d}").status_code == 200
    assert client_for(cadre).get("/tickets/day/").status_code == 403


def test_open_case_helper_sanity(hall_day, cadre, meter, village):
    assert open_case(actor=cadre, matter=meter, village=village).steps.count() == 2


def test_panel_links_the_called_villagers_cases_at_this_desk(
    hall_day, client_for, cadre, power_clerk, power_desk, new_case, ticket_for, town, department
):
    from tests.factories import route_matter

    here = new_case()
    elsewhere = new_case(matter=route_matter(town=town, departments=[department], needs_village_certificate=False))
    ticket_for(here, elsewhere)
    stamp(here, cadre)
    call(power_desk, power_clerk)
    html = client_for(power_clerk).get(f"/tickets/desk/department/{power_desk.pk}/").content.decode()
    assert f'href="/cases/{here.number}/"' in html
    assert f'href="/cases/{elsewhere.number}/"' not in html  # at another department: not this clerk's to see
