"""受理 puts the new case on its villager's ticket by itself, in the intake's own transaction: the ticket of the
villager called or at the desk (by name), or the one already carrying a case of the same ID number; a walk-in is
put on nobody's ticket (issue 12's known gap)."""

import pytest

from cases import services as case_services
from cases.models import Case
from tests.factories import id_number, route_matter
from tests.tickets.conftest import call, stamp, version
from tests.villages.clock import DAY
from tickets import selectors, services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

OTHER_ID = id_number(birth="19900101", serial="456")


def line(desk):
    return [t.label for t in selectors.desk_line(desk=desk, day=DAY)]


def before_intake(actor, village, name="黄必刘"):
    return services.ticket_issue(actor=actor, village=village, villager=services.Villager(name=name))


def test_case_taken_in_for_the_villager_at_the_desk_joins_their_ticket(
    hall_day, cadre, village, village_desk, power_desk, new_case
):
    ticket = before_intake(cadre, village)
    call(village_desk, cadre)
    services.ticket_serve(actor=cadre, desk=village_desk, version=version(village_desk))
    shown = version(village_desk)

    case = new_case(name="黄必刘")

    assert list(ticket.cases.all()) == [case]
    assert version(village_desk) == shown  # the desk's page is not made stale by the intake
    assert line(village_desk) == []  # served here already
    stamp(case, cadre)
    assert line(power_desk) == ["A001"]  # and it follows the case, without "put on the ticket"


def test_called_and_not_yet_marked_come_the_ticket_still_gets_the_case(
    hall_day, cadre, village, village_desk, new_case
):
    ticket = before_intake(cadre, village)
    call(village_desk, cadre)

    case = new_case(name="黄必刘")

    assert list(ticket.cases.all()) == [case]


def test_walk_in_of_another_name_while_someone_is_called_joins_no_ticket(
    hall_day, cadre, village, village_desk, new_case
):
    ticket = before_intake(cadre, village, name="黄必刘")
    call(village_desk, cadre)

    case = new_case(name="韦金凤")

    assert not ticket.cases.exists()
    assert not Ticket.objects.filter(cases=case).exists()


def test_case_for_a_relative_carrying_the_matter_joins_the_relatives_ticket(
    hall_day, cadre, village, village_desk, meter
):
    ticket = before_intake(cadre, village, name="黄大明")
    call(village_desk, cadre)
    on_behalf = case_services.OnBehalf(
        kind="relative", name="黄大明", id_number=OTHER_ID, relation="儿子", authorised=True
    )

    case = case_services.case_intake(
        actor=cadre,
        matter=meter,
        village=village,
        applicant=case_services.Applicant(name="农秀英", id_number=id_number(birth="19500301"), phone="13907710000"),
        received_material_ids=list(meter.materials.values_list("pk", flat=True)),
        on_behalf=on_behalf,
    )

    assert list(ticket.cases.all()) == [case]


def test_second_matter_at_another_window_joins_the_ticket_of_the_same_id_number(
    hall_day, town, cadre, power, power_clerk, power_desk, new_case, ticket_for
):
    first = new_case(name="黄必刘")
    ticket = ticket_for(first)
    straight = route_matter(town=town, departments=[power], needs_village_certificate=False, code="biao-qian")

    second = new_case(name="黄必刘", matter=straight, actor=power_clerk, intake_department=power)

    assert set(ticket.cases.all()) == {first, second}
    assert line(power_desk) == ["A001"]  # the new case is at 供电所 now: so is the ticket


def test_the_same_name_with_another_id_number_is_another_villager(hall_day, cadre, village, new_case, ticket_for):
    ticket = ticket_for(new_case(name="黄必刘"))

    other = new_case(name="黄必刘", id_no=OTHER_ID)

    assert list(ticket.cases.all()) != [] and other not in ticket.cases.all()


def test_no_ticket_no_market_day_nothing_happens(town, cadre, village, new_case):
    case = new_case()

    assert case.is_open and not Ticket.objects.exists()


def test_an_intake_rolled_back_takes_the_ticket_link_with_it(hall_day, town, cadre, village, village_desk):
    ticket = before_intake(cadre, village)
    call(village_desk, cadre)
    matter = route_matter(town=town, departments=[], needs_village_certificate=False, code="no-route")

    with pytest.raises(case_services.WrongState):
        case_services.case_intake(
            actor=cadre,
            matter=matter,
            village=village,
            applicant=case_services.Applicant(name="黄必刘", id_number=OTHER_ID, phone="13907710000"),
        )

    assert not Case.objects.exists()
    assert not ticket.cases.exists()
