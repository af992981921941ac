"""Issuing, calling, serving, parking and recalling tickets; the lines derived from the cases' active steps; every
refusal with its code (issue 12, point 3)."""

import datetime as dt

import pytest

from cases.errors import CaseError
from departments.models import DepartmentMember
from tests.factories import (
    DepartmentFactory,
    DepartmentMemberFactory,
    MarketDayFactory,
    complete,
    id_number,
    route_matter,
)
from tests.tickets.conftest import OLD_ID, YOUNG_ID, call, stamp, version
from tests.villages.clock import DAY
from tickets import selectors, services
from tickets.desks import Desk
from tickets.models import DeskDay, Ticket, TicketCall

pytestmark = pytest.mark.django_db


def assert_refused(code, fn, **kwargs):
    with pytest.raises(CaseError) as caught:
        fn(**kwargs)
    assert caught.value.code == code, f"refused as {caught.value.code!r} ({caught.value})"
    return caught.value


def line(desk):
    return [t.label for t in selectors.desk_line(desk=desk, day=DAY)]


# --- issuing -----------------------------------------------------------------------------------------------------


def test_village_desk_gives_numbered_tickets_with_the_masked_name_only(hall_day, new_case, ticket_for):
    first = ticket_for(new_case(name="黄必刘"))
    second = ticket_for(new_case(name="韦金凤"))
    assert (first.label, second.label) == ("A001", "A002")
    assert (first.masked_name, second.masked_name) == ("黄**", "韦**")
    assert first.day == DAY and first.market_day == hall_day
    assert len(first.token) >= 24 and first.token != second.token
    assert "黄必刘" not in {f.attname for f in Ticket._meta.fields}  # sanity: no name column either
    assert not Ticket.objects.filter(masked_name__contains="必").exists()


def test_one_ticket_carries_all_the_villagers_cases(hall_day, new_case, ticket_for):
    a, b = new_case(), new_case()
    ticket = ticket_for(a, b)
    assert set(ticket.cases.all()) == {a, b}
    assert Ticket.objects.count() == 1


def test_case_already_on_a_ticket_today_gets_no_second(hall_day, new_case, ticket_for, cadre, village):
    case = new_case()
    ticket_for(case)
    assert_refused("wrong_state", services.ticket_issue, actor=cadre, village=village, cases=[case])
    assert Ticket.objects.count() == 1


def test_numbers_start_again_each_market_day(town, cadre, village, new_case, ticket_for, hall_day, time_machine):
    ticket_for(new_case())
    next_day = DAY + dt.timedelta(days=3)
    MarketDayFactory(town=town, date=next_day)
    time_machine.move_to(dt.datetime.combine(next_day, dt.time(9)).astimezone(), tick=False)
    from django.utils import timezone

    time_machine.move_to(timezone.make_aware(dt.datetime.combine(next_day, dt.time(9))), tick=False)
    assert ticket_for(new_case()).label == "A001"


def test_no_ticket_on_a_day_that_is_not_a_market_day(town, cadre, village, new_case, time_machine):
    from tests.villages.clock import at

    time_machine.move_to(at(9, 0), tick=False)
    case = new_case()
    assert_refused("wrong_state", services.ticket_issue, actor=cadre, village=village, cases=[case])


@pytest.mark.parametrize("who", ["other_cadre", "clerk", "town_office", "supervisor", "no_role_user"])
def test_village_desk_ticket_refused_to_anyone_but_its_cadres(hall_day, new_case, village, who, request):
    user = request.getfixturevalue(who)
    case = new_case()
    assert_refused("not_allowed", services.ticket_issue, actor=user, village=village, cases=[case])


def test_cadre_cannot_put_another_villages_case_on_a_ticket(
    hall_day, cadre, other_cadre, village, other_village, meter
):
    from tests.factories import open_case

    foreign = open_case(actor=other_cadre, matter=meter, village=other_village)
    assert_refused("not_allowed", services.ticket_issue, actor=cadre, village=village, cases=[foreign])
    assert_refused("not_allowed", services.ticket_issue, actor=cadre, village=other_village, cases=[foreign])


@pytest.mark.parametrize(
    ("birth", "elderly"),
    [("19550725", True), ("19550726", False), ("19400101", True), ("19800101", False)],
)
def test_seventy_or_more_by_the_id_number_is_green(hall_day, new_case, ticket_for, birth, elderly):
    ticket = ticket_for(new_case(id_no=id_number(birth=birth)))
    assert (ticket.is_elderly, ticket.is_green) == (elderly, elderly)


def test_disabled_and_pregnant_are_green(hall_day, new_case, ticket_for):
    assert ticket_for(new_case(name="黄必刘"), is_disabled=True).is_green
    assert ticket_for(new_case(name="韦金凤"), is_pregnant=True).is_green
    assert not ticket_for(new_case(name="农秀英")).is_green


def test_guide_desk_gives_tickets_before_intake(hall_day, town_office, village, power, village_desk, power_desk):
    to_village = services.ticket_issue(
        actor=town_office,
        village=village,
        villager=services.Villager(name="黄必刘", id_number=OLD_ID),
        at_guide_desk=True,
    )
    to_power = services.ticket_issue(
        actor=town_office,
        village=village,
        villager=services.Villager(name="韦金凤"),
        intake_department=power,
        at_guide_desk=True,
    )
    assert to_village.is_elderly and not to_power.is_green
    assert line(village_desk) == ["A001"]
    assert line(power_desk) == ["A002"]


def test_guide_desk_refused_to_all_but_the_town_office(hall_day, cadre, clerk, supervisor, village):
    for user in (cadre, clerk, supervisor):
        assert_refused(
            "not_allowed",
            services.ticket_issue,
            actor=user,
            village=village,
            villager=services.Villager(name="黄必刘"),
            at_guide_desk=True,
        )


def test_ticket_needs_a_name_or_a_case(hall_day, cadre, village):
    assert_refused("invalid_input", services.ticket_issue, actor=cadre, village=village)


# --- the lines follow the cases ----------------------------------------------------------------------------------


def test_ticket_moves_to_the_next_desk_when_the_step_is_done(
    hall_day, cadre, power_clerk, village_desk, power_desk, new_case, ticket_for, clock
):
    case = new_case()
    ticket_for(case)
    assert (line(village_desk), line(power_desk)) == (["A001"], [])
    clock(9, 5)
    called = call(village_desk, cadre)
    assert line(village_desk) == []
    stamp(case, cadre)
    assert line(power_desk) == ["A001"]
    clock(9, 20)
    at_power = call(power_desk, power_clerk)
    assert at_power.ticket == called.ticket
    # Its wait at 供电所 counts from when the case reached it (09:05), not from the ticket (09:00).
    assert at_power.wait_seconds == 15 * 60
    complete(case, power_clerk)
    assert (line(village_desk), line(power_desk)) == ([], [])


def test_ticket_keeps_its_arrival_time_at_the_next_desk(
    hall_day, cadre, power_clerk, power_desk, village_desk, new_case, ticket_for, clock
):
    early, late = new_case(name="黄必刘"), new_case(name="韦金凤")
    ticket_for(early)
    clock(9, 10)
    ticket_for(late)
    stamp(late, cadre)  # the later one is through the village desk first
    clock(9, 15)
    stamp(early, cadre)
    assert line(power_desk) == ["A001", "A002"]


def test_ticket_with_two_matters_stands_in_both_lines(
    hall_day, town, cadre, power, village_desk, power_desk, new_case, ticket_for, department
):
    straight = route_matter(town=town, departments=[department], needs_village_certificate=False)
    first = new_case()
    second = new_case(matter=straight)
    ticket_for(first, second)
    assert line(village_desk) == ["A001"]
    assert line(Desk.of_department(department)) == ["A001"]
    assert line(power_desk) == []


def test_green_channel_is_called_first(hall_day, cadre, village_desk, new_case, ticket_for, clock):
    ticket_for(new_case(name="黄必刘"))
    clock(9, 5)
    ticket_for(new_case(name="农秀英", id_no=OLD_ID))
    clock(9, 6)
    ticket_for(new_case(name="韦金凤"), is_pregnant=True)
    assert line(village_desk) == ["A002", "A003", "A001"]
    assert call(village_desk, cadre).ticket.label == "A002"


def test_desk_marks_a_waiting_ticket_urgent(hall_day, cadre, village_desk, new_case, ticket_for, clock):
    ticket_for(new_case())
    clock(9, 5)
    second = ticket_for(new_case(name="韦金凤"))
    services.ticket_mark_urgent(actor=cadre, desk=village_desk, ticket_id=second.pk)
    second.refresh_from_db()
    assert (second.is_urgent, second.is_green) == (True, True)
    assert line(village_desk) == ["A002", "A001"]


def test_urgent_refused_for_another_desk_or_a_ticket_not_in_line(
    hall_day, cadre, power_clerk, power_desk, village_desk, new_case, ticket_for
):
    ticket = ticket_for(new_case())
    assert_refused(
        "not_allowed", services.ticket_mark_urgent, actor=power_clerk, desk=village_desk, ticket_id=ticket.pk
    )
    assert_refused("wrong_state", services.ticket_mark_urgent, actor=power_clerk, desk=power_desk, ticket_id=ticket.pk)


# --- calling -----------------------------------------------------------------------------------------------------


def test_double_click_on_call_next_calls_one_ticket(hall_day, cadre, village_desk, new_case, ticket_for):
    ticket_for(new_case())
    ticket_for(new_case(name="韦金凤"))
    shown = version(village_desk)
    first = services.ticket_call_next(actor=cadre, desk=village_desk, version=shown)
    assert_refused("stale", services.ticket_call_next, actor=cadre, desk=village_desk, version=shown)
    assert TicketCall.objects.count() == 1
    assert DeskDay.objects.get().current == first


def test_call_next_when_nobody_waits(hall_day, cadre, village_desk):
    assert_refused("wrong_state", call, desk=village_desk, actor=cadre)


@pytest.mark.parametrize(
    "who", ["other_cadre", "clerk", "power_clerk", "town_office", "county_officer", "no_role_user"]
)
def test_only_the_villages_cadres_call_at_its_desk(hall_day, new_case, ticket_for, village_desk, who, request):
    ticket_for(new_case())
    assert_refused("not_allowed", call, desk=village_desk, actor=request.getfixturevalue(who), version=0)
    assert not TicketCall.objects.exists()


@pytest.mark.parametrize("who", ["cadre", "clerk", "town_office", "no_role_user"])
def test_only_the_departments_clerks_call_at_its_window(
    hall_day, cadre, new_case, ticket_for, power_desk, who, request
):
    case = new_case()
    ticket_for(case)
    stamp(case, cadre)
    assert_refused("not_allowed", call, desk=power_desk, actor=request.getfixturevalue(who), version=0)


def test_inactive_cadre_may_no_longer_call(hall_day, cadre, village, village_desk, new_case, ticket_for):
    ticket_for(new_case())
    cadre.village_memberships.update(is_active=False)
    assert_refused("not_allowed", call, desk=village_desk, actor=cadre)


def test_next_call_finishes_the_one_served(hall_day, cadre, village_desk, new_case, ticket_for, clock):
    ticket_for(new_case())
    ticket_for(new_case(name="韦金凤"))
    first = call(village_desk, cadre)
    clock(9, 2)
    services.ticket_serve(actor=cadre, desk=village_desk, version=version(village_desk))
    first.refresh_from_db()
    assert first.serve_seconds == 120
    clock(9, 10)
    second = call(village_desk, cadre)
    first.refresh_from_db()
    assert first.finished_at is not None and second.ticket.label == "A002"


def test_called_and_not_come_blocks_the_next_call(hall_day, cadre, village_desk, new_case, ticket_for):
    ticket_for(new_case())
    ticket_for(new_case(name="韦金凤"))
    call(village_desk, cadre)
    assert_refused("wrong_state", call, desk=village_desk, actor=cadre)


def test_no_show_after_three_calls_is_parked_and_can_be_recalled(
    hall_day, cadre, village_desk, new_case, ticket_for, clock
):
    ticket_for(new_case())
    ticket_for(new_case(name="韦金凤"))
    first = call(village_desk, cadre)
    assert_refused("wrong_state", services.ticket_park, actor=cadre, desk=village_desk, version=version(village_desk))
    services.ticket_call_again(actor=cadre, desk=village_desk, version=version(village_desk))
    services.ticket_call_again(actor=cadre, desk=village_desk, version=version(village_desk))
    first.refresh_from_db()
    assert first.call_count == 3
    assert_refused(
        "wrong_state", services.ticket_call_again, actor=cadre, desk=village_desk, version=version(village_desk)
    )
    services.ticket_park(actor=cadre, desk=village_desk, version=version(village_desk))
    first.refresh_from_db()
    assert (first.is_parked, first.no_shows) == (True, 1)
    panel = selectors.desk_panel(desk=village_desk, day=DAY)
    assert [c.pk for c in panel["parked"]] == [first.pk] and panel["current"] is None
    second = call(village_desk, cadre)
    services.ticket_serve(actor=cadre, desk=village_desk, version=version(village_desk))
    services.ticket_finish(actor=cadre, desk=village_desk, version=version(village_desk))
    clock(9, 30)
    back = services.ticket_recall(actor=cadre, desk=village_desk, version=version(village_desk), call_id=first.pk)
    assert (back.pk, back.is_parked, back.call_count) == (first.pk, False, 1)
    assert second.ticket.label == "A002"
    assert selectors.desk_panel(desk=village_desk, day=DAY)["current"].pk == first.pk


def test_recall_refused_at_another_desk(hall_day, cadre, power_clerk, village_desk, power_desk, new_case, ticket_for):
    ticket_for(new_case())
    first = call(village_desk, cadre)
    for _ in range(2):
        services.ticket_call_again(actor=cadre, desk=village_desk, version=version(village_desk))
    services.ticket_park(actor=cadre, desk=village_desk, version=version(village_desk))
    assert_refused(
        "not_allowed", services.ticket_recall, actor=power_clerk, desk=power_desk, version=None, call_id=first.pk
    )


def test_desk_puts_cases_taken_in_on_the_ticket_of_the_villager_at_it(
    hall_day, cadre, village, village_desk, power_desk, new_case, clock
):
    ticket = services.ticket_issue(actor=cadre, village=village, villager=services.Villager(name="黄必刘"))
    call(village_desk, cadre)
    services.ticket_serve(actor=cadre, desk=village_desk, version=version(village_desk))
    case = new_case()
    services.ticket_add_cases(actor=cadre, desk=village_desk, version=version(village_desk), cases=[case])
    assert list(ticket.cases.all()) == [case]
    assert line(village_desk) == []  # called here already
    stamp(case, cadre)
    assert line(power_desk) == ["A001"]


def test_department_step_started_elsewhere_counts_for_the_right_desk(
    hall_day, town, cadre, power_clerk, new_case, ticket_for
):
    other = DepartmentFactory(town=town, name="民政办", desk_order=3)
    DepartmentMemberFactory(department=other, role=DepartmentMember.Role.CLERK, user=power_clerk)
    matter = route_matter(town=town, departments=[other])
    case = new_case(matter=matter)
    ticket_for(case)
    stamp(case, cadre)
    assert line(Desk.of_department(other)) == ["A001"]


def test_young_id_is_not_green(hall_day, new_case, ticket_for):
    assert not ticket_for(new_case(id_no=YOUNG_ID)).is_elderly


def test_turn_at_a_desk_the_case_has_left_ends_when_the_next_desk_calls(
    hall_day, cadre, power_clerk, village_desk, power_desk, new_case, ticket_for
):
    case = new_case()
    ticket_for(case)
    at_village = call(village_desk, cadre)
    services.ticket_serve(actor=cadre, desk=village_desk, version=version(village_desk))
    stamp(case, cadre)  # the cadre never pressed 办完
    call(power_desk, power_clerk)
    at_village.refresh_from_db()
    assert at_village.finished_at is not None
    assert selectors.desk_panel(desk=village_desk, day=DAY)["current"] is None
    assert [c.department_id for c in selectors.board_calls(town=hall_day.town, day=DAY)] == [power_desk.pk]


def test_turn_at_a_desk_still_handling_another_case_goes_on(
    hall_day, town, cadre, power_clerk, village_desk, power_desk, new_case, ticket_for
):
    first, second = new_case(), new_case()
    ticket_for(first, second)
    at_village = call(village_desk, cadre)
    services.ticket_serve(actor=cadre, desk=village_desk, version=version(village_desk))
    stamp(first, cadre)
    call(power_desk, power_clerk)
    at_village.refresh_from_db()
    assert at_village.finished_at is None  # the second certificate is still being written


def test_before_anybody_takes_a_number_the_panel_is_empty_and_costs_one_query(
    hall_day, new_case, ticket_for, village_desk, django_assert_num_queries
):
    with django_assert_num_queries(1):
        panel = selectors.desk_panel(desk=village_desk, day=DAY)
    assert (panel["current"], panel["waiting"], panel["waiting_count"], panel["parked"]) == (None, [], 0, [])

    ticket = ticket_for(new_case())  # the first number of the day: the whole panel from now on

    panel = selectors.desk_panel(desk=village_desk, day=DAY)
    assert [t.pk for t in panel["waiting"]] == [ticket.pk] and panel["waiting_count"] == 1
