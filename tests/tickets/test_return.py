"""A case sent back the same day to a desk that already served its ticket puts the ticket in that desk's line again,
at its original arrival (issue 12's known gap): a second turn there, its wait counted from the return."""

import pytest

from cases import services as case_services
from tests.tickets.conftest import call, stamp, version
from tests.villages.clock import DAY
from tickets import selectors, services
from tickets.models import TicketCall

pytestmark = pytest.mark.django_db


def line(desk):
    return [t.label for t in selectors.desk_line(desk=desk, day=DAY)]


def waiting_at(ticket) -> list[str]:
    return [w["desk"].key for w in selectors.ticket_desks(ticket=ticket)["waiting"]]


@pytest.fixture
def sent_back(hall_day, cadre, power_clerk, village_desk, power_desk, new_case, ticket_for, clock):
    """黄必刘's certificate stamped at 09:05, 供电所 serves him at 09:20 and sends the case back at 09:30; 韦金凤 took
    her ticket at 09:10 and waits at the village desk."""
    case = new_case(name="黄必刘")
    ticket = ticket_for(case)
    first_turn = call(village_desk, cadre)
    services.ticket_serve(actor=cadre, desk=village_desk, version=version(village_desk))
    clock(9, 5)
    stamp(case, cadre)
    clock(9, 10)
    ticket_for(new_case(name="韦金凤"))
    clock(9, 20)
    call(power_desk, power_clerk)
    services.ticket_serve(actor=power_clerk, desk=power_desk, version=version(power_desk))
    clock(9, 30)
    case_services.step_return(actor=power_clerk, case_id=case.pk, reason="村委证明缺户主签字")
    first_turn.refresh_from_db()
    assert first_turn.finished_at is not None  # ended when 供电所 called him
    return {"case": case, "ticket": ticket, "first_turn": first_turn}


def test_sent_back_the_ticket_rejoins_the_line_of_the_desk_that_served_it(sent_back, village_desk, power_desk):
    assert line(village_desk) == ["A001", "A002"]  # ahead of 韦金凤: by the time he first arrived
    assert line(power_desk) == []  # still at 供电所's window until the village desk calls him
    assert waiting_at(sent_back["ticket"]) == [village_desk.key]


def test_the_second_turn_at_the_desk_counts_its_wait_from_the_return(
    sent_back, cadre, power_clerk, village_desk, power_desk, clock
):
    clock(9, 40)
    again = call(village_desk, cadre)

    assert again.pk != sent_back["first_turn"].pk and again.ticket == sent_back["ticket"]
    assert again.wait_seconds == 10 * 60  # since 09:30, when the case came back
    assert TicketCall.objects.filter(ticket=sent_back["ticket"], village=village_desk.pk).count() == 2
    assert line(village_desk) == ["A002"]
    services.ticket_serve(actor=cadre, desk=village_desk, version=version(village_desk))
    clock(9, 45)
    stamp(sent_back["case"], cadre)
    assert line(power_desk) == ["A001"]  # and back to 供电所, whose turn ended when the village desk called him


def test_a_desk_still_serving_the_ticket_does_not_list_it_again(
    hall_day, cadre, power_clerk, village_desk, power_desk, new_case, ticket_for, clock
):
    case = new_case(name="黄必刘")
    ticket_for(case)
    clock(9, 5)
    stamp(case, cadre)
    call(power_desk, power_clerk)
    services.ticket_serve(actor=power_clerk, desk=power_desk, version=version(power_desk))

    assert line(power_desk) == []  # his turn here is open: the step started before it


def test_a_parked_turn_keeps_the_ticket_out_of_the_line_until_recalled(
    hall_day, cadre, village_desk, new_case, ticket_for
):
    ticket_for(new_case(name="黄必刘"))
    call(village_desk, cadre)
    for _ in range(2):
        services.ticket_call_again(actor=cadre, desk=village_desk, version=version(village_desk))
    services.ticket_park(actor=cadre, desk=village_desk, version=version(village_desk))

    assert line(village_desk) == []
