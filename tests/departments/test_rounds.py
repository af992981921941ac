"""Issue 13 point 2: the county officer plans visit rounds to the towns' halls (departments.services), and sees only
their department's appointments and referrals, in their county's towns (departments.selectors.county_board)."""

import datetime as dt
import threading
from dataclasses import dataclass

import pytest
from django.db import connection
from django.utils import timezone

from cases import services as case_services
from cases.models import Matter
from departments import services
from departments.access import county_departments, county_towns, may_plan_rounds
from departments.models import DepartmentMember, VisitRound
from departments.selectors import county_board
from tests.factories import (
    CountyDepartmentFactory,
    DepartmentFactory,
    DepartmentMemberFactory,
    MarketDayFactory,
    TownFactory,
    UserFactory,
    VillageCadreFactory,
    VillageFactory,
    complete,
    open_case,
    route_matter,
    stamp,
)


@dataclass
class County:
    a: object  # 华隆镇, 天等县
    b: object  # 向都镇, 天等县
    c: object  # 德保县's town: another county
    department: object  # 县民政局 of 天等县
    other_department: object  # 县人社局 of 天等县
    far_department: object  # 县民政局 of 德保县
    officer: object
    colleague: object
    other_officer: object
    far_officer: object
    clerk_a: object
    day_a: dt.date  # a coming market day of A (and not of B)
    day_b: dt.date  # a coming market day of B (and not of A)
    cases: dict


def _town_with_desk(town, *, key: str):
    village = VillageFactory(town=town, name=f"{town.name}{key}村", is_sample=False)
    cadre = VillageCadreFactory(village=village, user__username=f"cadre_{key}", user__town=town).user
    desk = DepartmentFactory(town=town, name=f"{town.name}民政办")
    clerk = DepartmentMemberFactory(department=desk, user__username=f"clerk_{key}", user__town=town).user
    return village, cadre, desk, clerk


def _to_county(*, town, village, cadre, desk, clerk, county_department, mode, name, applicant, phone):
    """A case of `town` that has reached its county step at `county_department` (booked or referred)."""
    matter = route_matter(
        town=town, departments=[desk], county_mode=mode, county_department=county_department, name=f"{name}事项"
    )
    case = open_case(actor=cadre, matter=matter, village=village, name=applicant, phone=phone)
    stamp(case, cadre)
    complete(case, clerk)
    return case


def book(case, clerk, day: dt.date, time=dt.time(9, 30)):
    return case_services.appointment_book(actor=clerk, case_id=case.pk, date=day, time=time, place="大厅")


def build_county() -> County:
    today = timezone.localdate()
    a = TownFactory(code="451425201", name="华隆镇", county="天等县")
    b = TownFactory(code="451425203", name="向都镇", county="天等县")
    c = TownFactory(code="451024101", name="都安镇", county="德保县")
    day_a, day_b = today + dt.timedelta(days=3), today + dt.timedelta(days=4)
    for town, first in ((a, day_a), (b, day_b), (c, day_a)):
        for n in range(4):
            MarketDayFactory(town=town, date=first + dt.timedelta(days=3 * n))
    department = CountyDepartmentFactory(name="县民政局", county="天等县")
    other_department = CountyDepartmentFactory(name="县人社局", county="天等县")
    far_department = CountyDepartmentFactory(name="县民政局", county="德保县")

    def officer(department, username, name):
        return DepartmentMemberFactory(
            department=department,
            role=DepartmentMember.Role.COUNTY_OFFICER,
            user__username=username,
            user__name=name,
        ).user

    world = {}
    for town, key in ((a, "a"), (b, "b"), (c, "c")):
        world[key] = _town_with_desk(town, key=key)
    cases = {}
    va, cadre_a, desk_a, clerk_a = world["a"]
    vb, cadre_b, desk_b, clerk_b = world["b"]
    vc, cadre_c, desk_c, clerk_c = world["c"]
    appointment = Matter.CountyMode.APPOINTMENT
    referral = Matter.CountyMode.REFERRAL
    common = {"county_department": department}
    cases["a_booked"] = _to_county(
        town=a, village=va, cadre=cadre_a, desk=desk_a, clerk=clerk_a, mode=appointment,
        name="华隆约办", applicant="黄必刘", phone="13811110001", **common,
    )  # fmt: skip
    book(cases["a_booked"], clerk_a, day_a)
    cases["a_referred"] = _to_county(
        town=a, village=va, cadre=cadre_a, desk=desk_a, clerk=clerk_a, mode=referral,
        name="华隆转县", applicant="农转县", phone="13811110002", **common,
    )  # fmt: skip
    cases["b_booked"] = _to_county(
        town=b, village=vb, cadre=cadre_b, desk=desk_b, clerk=clerk_b, mode=appointment,
        name="向都约办", applicant="赵国向", phone="13922220001", **common,
    )  # fmt: skip
    book(cases["b_booked"], clerk_b, day_b)
    cases["b_other_department"] = _to_county(
        town=b, village=vb, cadre=cadre_b, desk=desk_b, clerk=clerk_b, mode=appointment,
        name="向都人社", applicant="韦人社", phone="13922220002", county_department=other_department,
    )  # fmt: skip
    book(cases["b_other_department"], clerk_b, day_b)
    cases["c_far"] = _to_county(
        town=c, village=vc, cadre=cadre_c, desk=desk_c, clerk=clerk_c, mode=appointment,
        name="都安约办", applicant="陆德保", phone="13733330001", county_department=far_department,
    )  # fmt: skip
    book(cases["c_far"], clerk_c, day_a)
    return County(
        a=a,
        b=b,
        c=c,
        department=department,
        other_department=other_department,
        far_department=far_department,
        officer=officer(department, "county_minzheng", "邓慧敏"),
        colleague=officer(department, "county_minzheng2", "马立新"),
        other_officer=officer(other_department, "county_renshe", "何晓燕"),
        far_officer=officer(far_department, "debao_minzheng", "周德保"),
        clerk_a=clerk_a,
        day_a=day_a,
        day_b=day_b,
        cases=cases,
    )


@pytest.fixture
def county(db) -> County:
    return build_county()


def plan(county: County, *, actor=None, town=None, day=None, staff=None, note="带公章"):
    return services.visit_round_plan(
        actor=actor or county.officer,
        department_id=county.department.pk,
        town_id=(town or county.a).pk,
        date=day or county.day_a,
        staff_ids=[u.pk for u in (staff if staff is not None else [county.officer])],
        note=note,
    )


def _code(call) -> str:
    with pytest.raises(services.RoundError) as caught:
        call()
    return caught.value.code


# --- who may plan (departments.access) -----------------------------------------------------------------------------


def test_officer_plans_for_their_own_county_department_only(county):
    assert list(county_departments(county.officer)) == [county.department]
    assert may_plan_rounds(county.officer, county.department.pk)
    assert not may_plan_rounds(county.officer, county.other_department.pk)
    assert not may_plan_rounds(county.clerk_a, county.department.pk)


def test_a_county_department_serves_only_its_countys_towns(county):
    assert set(county_towns(county.department)) == {county.a, county.b}
    assert set(county_towns(county.far_department)) == {county.c}


def test_an_ended_membership_no_longer_plans(county):
    DepartmentMember.objects.filter(user=county.officer).update(is_active=False)

    assert _code(lambda: plan(county)) == "not_allowed"


# --- plan --------------------------------------------------------------------------------------------------------


def test_officer_plans_a_visit_on_a_market_day_of_a_town_of_the_county(county):
    visit = plan(county, staff=[county.officer, county.colleague], note="  带公章  ")

    visit.refresh_from_db()
    assert (visit.town, visit.date, visit.state, visit.version) == (county.a, county.day_a, "planned", 1)
    assert set(visit.staff.all()) == {county.officer, county.colleague}
    assert visit.note == "带公章"
    assert visit.planned_by == county.officer


@pytest.mark.parametrize("who", ["other_officer", "far_officer", "clerk_a", "nobody"])
def test_anyone_but_an_officer_of_the_department_is_refused(county, who):
    actor = UserFactory() if who == "nobody" else getattr(county, who)

    assert _code(lambda: plan(county, actor=actor)) == "not_allowed"
    assert not VisitRound.objects.exists()


def test_a_town_of_another_county_is_refused(county):
    assert _code(lambda: plan(county, town=county.c)) == "not_allowed"


def test_a_day_that_is_not_the_towns_market_day_is_refused_in_chinese(county):
    with pytest.raises(services.InvalidInput) as caught:
        plan(county, town=county.b, day=county.day_a)  # A's market day, not B's

    day = county.day_a
    assert f"{day.year}年{day.month}月{day.day}日" in str(caught.value)
    assert "向都镇" in str(caught.value)
    assert not VisitRound.objects.exists()


def test_a_cancelled_market_day_is_not_a_market_day(county):
    county.a.market_days.filter(date=county.day_a).update(is_cancelled=True)

    assert _code(lambda: plan(county)) == "invalid_input"


def test_a_past_day_is_refused(county):
    past = timezone.localdate() - dt.timedelta(days=3)
    MarketDayFactory(town=county.a, date=past)

    assert _code(lambda: plan(county, day=past)) == "invalid_input"


def test_nobody_to_send_or_someone_outside_the_department_is_refused(county):
    assert _code(lambda: plan(county, staff=[])) == "invalid_input"
    assert _code(lambda: plan(county, staff=[county.officer, county.other_officer])) == "invalid_input"
    assert not VisitRound.objects.exists()


def test_planning_the_same_hall_and_day_twice_is_refused_as_a_double_submit(county):
    plan(county)

    assert _code(lambda: plan(county)) == "stale"
    assert VisitRound.objects.count() == 1


def test_another_department_may_plan_the_same_hall_and_day(county):
    plan(county)

    services.visit_round_plan(
        actor=county.other_officer,
        department_id=county.other_department.pk,
        town_id=county.a.pk,
        date=county.day_a,
        staff_ids=[county.other_officer.pk],
    )

    assert VisitRound.objects.filter(state="planned").count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_submits_at_once_plan_one_visit():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises writers anyway")
    county = build_county()
    barrier, results = threading.Barrier(2), []

    def submit():
        try:
            barrier.wait()
            plan(county)
            results.append("planned")
        except services.RoundError as error:
            results.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == ["planned", "stale"]
    assert VisitRound.objects.filter(state="planned").count() == 1


# --- change and cancel -------------------------------------------------------------------------------------------


def change(county, visit, *, version=None, actor=None, town=None, day=None, staff=None, note="改期"):
    return services.visit_round_change(
        actor=actor or county.officer,
        round_id=visit.pk,
        expected_version=visit.version if version is None else version,
        town_id=(town or visit.town).pk,
        date=day or visit.date,
        staff_ids=[u.pk for u in (staff if staff is not None else [county.colleague])],
        note=note,
    )


def test_officer_moves_a_visit_to_another_hall_and_day_and_changes_who_goes(county):
    visit = plan(county)

    change(county, visit, town=county.b, day=county.day_b, staff=[county.colleague])

    visit.refresh_from_db()
    assert (visit.town, visit.date, visit.version, visit.note) == (county.b, county.day_b, 2, "改期")
    assert list(visit.staff.all()) == [county.colleague]
    assert visit.changed_by == county.officer


def test_a_colleague_in_the_department_may_change_it(county):
    visit = plan(county)

    change(county, visit, actor=county.colleague)

    visit.refresh_from_db()
    assert visit.changed_by == county.colleague


def test_a_stale_change_form_is_refused_and_changes_nothing(county):
    visit = plan(county)
    change(county, visit, note="第一次")

    assert _code(lambda: change(county, visit, version=1, note="第二次")) == "stale"
    visit.refresh_from_db()
    assert (visit.note, visit.version) == ("第一次", 2)


@pytest.mark.parametrize("who", ["other_officer", "far_officer", "clerk_a"])
def test_change_by_another_department_or_role_is_refused(county, who):
    visit = plan(county)

    assert _code(lambda: change(county, visit, actor=getattr(county, who))) == "not_allowed"


def test_moving_to_a_day_that_is_not_a_market_day_is_refused(county):
    visit = plan(county)

    assert _code(lambda: change(county, visit, day=county.day_b)) == "invalid_input"


def test_moving_onto_a_day_already_planned_is_refused(county):
    plan(county, town=county.b, day=county.day_b)
    visit = plan(county)

    assert _code(lambda: change(county, visit, town=county.b, day=county.day_b)) == "stale"


def test_moving_to_another_countys_town_is_refused(county):
    visit = plan(county)

    assert _code(lambda: change(county, visit, town=county.c)) == "not_allowed"


def test_officer_cancels_a_visit_and_the_day_can_be_planned_again(county):
    visit = plan(county)

    services.visit_round_cancel(actor=county.officer, round_id=visit.pk, expected_version=1, reason="会议冲突")
    again = plan(county)

    visit.refresh_from_db()
    assert (visit.state, visit.cancel_reason, visit.version) == ("cancelled", "会议冲突", 2)
    assert again.pk != visit.pk


def test_cancelling_twice_is_refused(county):
    visit = plan(county)
    services.visit_round_cancel(actor=county.officer, round_id=visit.pk, expected_version=1)

    assert _code(lambda: services.visit_round_cancel(actor=county.officer, round_id=visit.pk, expected_version=1)) == (
        "stale"
    )
    assert _code(lambda: services.visit_round_cancel(actor=county.officer, round_id=visit.pk, expected_version=2)) == (
        "wrong_state"
    )


def test_a_cancelled_visit_cannot_be_changed(county):
    visit = plan(county)
    services.visit_round_cancel(actor=county.officer, round_id=visit.pk, expected_version=1)

    assert _code(lambda: change(county, visit, version=2)) == "wrong_state"


def test_cancel_by_another_department_is_refused(county):
    visit = plan(county)

    assert (
        _code(lambda: services.visit_round_cancel(actor=county.other_officer, round_id=visit.pk, expected_version=1))
        == "not_allowed"
    )
    visit.refresh_from_db()
    assert visit.is_planned


def test_a_visit_whose_day_has_passed_is_kept_as_it_was(county, time_machine):
    visit = plan(county)
    time_machine.move_to(dt.datetime.combine(county.day_a + dt.timedelta(days=1), dt.time(10)), tick=False)

    assert _code(lambda: change(county, visit)) == "wrong_state"
    assert (
        _code(lambda: services.visit_round_cancel(actor=county.officer, round_id=visit.pk, expected_version=1))
        == "wrong_state"
    )


def test_an_unknown_round_is_refused(county):
    assert _code(lambda: services.visit_round_cancel(actor=county.officer, round_id=999999, expected_version=1)) == (
        "not_allowed"
    )


# --- the board (departments.selectors.county_board) ---------------------------------------------------------------


def _numbers(board) -> set[str]:
    found = set()
    for town in board.towns:
        for day in town.days:
            found |= {a.case.number for a in day.appointments} | {s.case.number for s in day.referrals}
        found |= {s.case.number for s in town.open_referrals}
    return found


def test_board_shows_the_departments_appointments_and_referrals_in_every_town_of_the_county(county):
    board = county_board(department=county.department)

    cases = county.cases
    assert _numbers(board) == {cases[k].number for k in ("a_booked", "a_referred", "b_booked")}
    assert [t.town for t in board.towns] == [county.a, county.b]


def test_board_groups_by_town_and_market_day_with_counts_and_flags_days_without_a_visit(county):
    board = county_board(department=county.department)

    a, b = board.towns
    assert [(d.date, d.is_market_day, d.open_appointments, d.unplanned) for d in a.days] == [
        (county.day_a, True, 1, True)
    ]
    assert [s.case for s in a.open_referrals] == [county.cases["a_referred"]]
    assert (a.open_appointments, a.referrals, a.unplanned_days) == (1, 1, 1)
    assert [(d.date, d.open_appointments, d.unplanned) for d in b.days] == [(county.day_b, 1, True)]
    assert board.unplanned_days == 2


def test_a_planned_visit_clears_the_flag_and_a_cancelled_one_does_not(county):
    visit = plan(county)
    plan(county, town=county.b, day=county.day_b)
    services.visit_round_cancel(actor=county.officer, round_id=visit.pk, expected_version=1)

    a, b = county_board(department=county.department).towns

    assert a.days[0].unplanned and a.days[0].planned_round is None
    assert [r.state for r in a.days[0].rounds] == ["cancelled"]
    assert not b.days[0].unplanned and b.days[0].planned_round is not None


def test_a_visit_without_appointments_is_listed_on_its_day(county):
    later = county.day_a + dt.timedelta(days=3)
    plan(county, day=later)

    a = county_board(department=county.department).towns[0]

    assert [(d.date, d.open_appointments, d.unplanned) for d in a.days] == [
        (county.day_a, 1, True),
        (later, 0, False),
    ]


def test_past_days_are_reachable_latest_first(county, time_machine):
    plan(county)
    time_machine.move_to(dt.datetime.combine(county.day_b + dt.timedelta(days=1), dt.time(10)), tick=False)

    coming = county_board(department=county.department)
    past = county_board(department=county.department, past=True)

    assert all(not t.days for t in coming.towns)
    # The latest first: A's market day, then the day its referral was written (today, when the county was built).
    assert [d.date for d in past.towns[0].days] == [
        county.day_a,
        timezone.localdate(county.cases["a_referred"].received_at),
    ]
    assert past.towns[0].days[0].planned_round is not None
    assert [d.date for d in past.towns[1].days] == [county.day_b]


def test_past_view_lists_referrals_on_the_day_they_were_written(county, time_machine):
    today = timezone.localdate()
    time_machine.move_to(timezone.now() + dt.timedelta(days=1), tick=False)

    past = county_board(department=county.department, past=True)

    a = past.towns[0]
    assert [(d.date, [s.case for s in d.referrals]) for d in a.days] == [(today, [county.cases["a_referred"]])]


def test_another_department_sees_only_its_own_appointment(county):
    board = county_board(department=county.other_department)

    assert _numbers(board) == {county.cases["b_other_department"].number}


def test_board_costs_the_same_queries_with_one_or_many_appointments(county, django_assert_num_queries):
    plan(county)
    with django_assert_num_queries(7):
        county_board(department=county.department)
    clerk = county.clerk_a
    desk = clerk.department_memberships.get().department
    village = county.a.villages.get()
    cadre = village.cadres.get().user
    for n in range(12):
        case = _to_county(
            town=county.a, village=village, cadre=cadre, desk=desk, clerk=clerk,
            county_department=county.department, mode=Matter.CountyMode.APPOINTMENT,
            name=f"批量{n}", applicant="批量", phone=f"138111{n:05d}",
        )  # fmt: skip
        book(case, clerk, county.day_a + dt.timedelta(days=3 * (n % 3)))
    plan(county, day=county.day_a + dt.timedelta(days=3))

    with django_assert_num_queries(7):
        board = county_board(department=county.department)
    assert board.towns[0].open_appointments == 13
