"""Issue 11 point 4: the definitions that match the article — 受理件数 without the applications still waiting for
materials at intake (补正中), 现场调处 counting successful mediations beside failed and referred, 一次办结率, and the
since-start totals from an opening balance the town office enters."""

import datetime as dt

import pytest

from cases.models import Case, CaseEvent, Matter, MediationOutcome
from stats import figures as f
from stats.models import OpeningBalance
from stats.periods import Period
from stats.queries import report, totals
from tests.factories import ConsultationFactory, MatterFactory, UserFactory, open_case, route_matter
from tests.stats.conftest import add_event, county_step, desk_step, local, make_case, mar, rate

pytestmark = pytest.mark.django_db

S = Case.State
MARCH = Period.month(2026, 3)
APRIL = Period.month(2026, 4)


def _figures(town, period, now=None):
    return report(town=town, period=period, now=now or local(2026, 5, 10, 12))["figures"]


def test_an_application_waiting_for_materials_is_not_accepted_until_they_are_brought(
    town, village, department, cadre, clerk, freeze
):
    """Through the real intake: handed in on 10 March without its materials, brought on 2 April."""
    matter = route_matter(town=town, departments=[department], needs_village_certificate=False)
    freeze(mar(10, 9))
    case = open_case(actor=clerk, matter=matter, village=village, bring_all=False, open_awaiting=True,
                     intake_department=department)  # fmt: skip
    assert case.accepted_at is None
    assert case.had_materials_round is True  # the one-time notice at intake: not 一次办结, whatever follows

    freeze(local(2026, 4, 15, 12))
    march = _figures(town, MARCH, now=local(2026, 4, 15, 12))
    assert (march["applications"], march["received"], march["pending_materials"]) == (1, 0, 1)
    assert march["visits"] == 1  # the villager came: a visit, not yet a 受理

    freeze(local(2026, 4, 2, 9))
    from cases import services

    services.case_materials_brought(actor=clerk, case_id=case.pk)
    march = _figures(town, MARCH, now=local(2026, 4, 15, 12))
    april = _figures(town, APRIL, now=local(2026, 5, 15, 12))
    # March stays as it was filed: at its end the application was still waiting; April counts the 受理
    assert (march["applications"], march["received"], march["pending_materials"]) == (1, 0, 1)
    assert (april["applications"], april["received"], april["pending_materials"]) == (0, 1, 0)


def test_an_application_refused_before_acceptance_is_not_waiting_for_materials(town, village):
    matter = MatterFactory(town=town)
    make_case(matter=matter, village=village, received_at=mar(3, 9), state=S.REFUSED, closed_at=mar(20, 9),
              steps=[], accepted_at=None)  # fmt: skip
    make_case(matter=matter, village=village, received_at=mar(4, 9), state=S.AWAITING, paused_at=mar(4, 9),
              steps=[], accepted_at=None)  # fmt: skip
    march = _figures(town, MARCH)
    assert (march["applications"], march["received"], march["pending_materials"], march["refused"]) == (2, 0, 1, 1)


def test_on_the_spot_mediation_counts_only_the_successful_ones(town, village, department):
    dispute = MatterFactory(town=town, category=Matter.Category.DISPUTE)
    for outcome, n in ((MediationOutcome.SUCCESS, 3), (MediationOutcome.FAILED, 2), (MediationOutcome.REFERRED, 1)):
        for _ in range(n):
            make_case(matter=dispute, village=village, received_at=mar(5, 9), state=S.COMPLETED,
                      closed_at=mar(5, 11), mediation_outcome=outcome,
                      steps=[desk_step(department, started=mar(5, 9), due=mar(6), finished=mar(5, 11))])  # fmt: skip
    march = _figures(town, MARCH)
    assert (march["disputes"], march["disputes_failed"], march["disputes_referred"]) == (3, 2, 1)


def _completed(matter, village, department, *, received, closed, steps=None):
    return make_case(matter=matter, village=village, received_at=received, state=S.COMPLETED, closed_at=closed,
                     steps=steps or [desk_step(department, started=received, due=closed + dt.timedelta(days=1),
                                               finished=closed)])  # fmt: skip


def test_one_visit_counts_the_cases_the_villager_did_not_come_back_for(town, village, department, cadre):
    at_desk = MatterFactory(town=town, code="ov-desk", result_delivery=Matter.Delivery.DESK)
    brought = MatterFactory(town=town, code="ov-village", result_delivery=Matter.Delivery.VILLAGE)
    county = MatterFactory(town=town, code="ov-county", result_delivery=Matter.Delivery.NOTICE)
    done_same_day = _completed(at_desk, village, department, received=mar(10, 9), closed=mar(10, 15))
    _completed(at_desk, village, department, received=mar(10, 9), closed=mar(12, 15))  # came back to collect
    brought_back = _completed(brought, village, department, received=mar(10, 9), closed=mar(13, 15))
    with_materials_round = _completed(brought, village, department, received=mar(10, 9), closed=mar(10, 16))
    add_event(with_materials_round, action=CaseEvent.Action.MATERIALS_REQUESTED, at=mar(10, 10), actor=cadre)
    appointment = _completed(
        county,
        village,
        department,
        received=mar(10, 9),
        closed=mar(16, 15),
        steps=[county_step(department, started=mar(11, 9), due=mar(17), finished=mar(16, 15))],
    )
    Case.objects.filter(pk=appointment.pk).update(county_mode=Matter.CountyMode.APPOINTMENT)
    sent_up = _completed(
        county,
        village,
        department,
        received=mar(10, 9),
        closed=mar(16, 15),
        steps=[county_step(department, started=mar(11, 9), due=mar(17), finished=mar(16, 15))],
    )
    Case.objects.filter(pk=sent_up.pk).update(county_mode=Matter.CountyMode.SUBMISSION)
    make_case(matter=brought, village=village, received_at=mar(10, 9), state=S.REJECTED, closed_at=mar(10, 10),
              steps=[])  # fmt: skip

    march = _figures(town, MARCH)
    span = f.Span(*MARCH.bounds(), now=local(2026, 5, 10, 12))
    counted = set(f.FIGURES["one_visit"].rows(town, span).values_list("pk", flat=True))
    assert counted == {done_same_day.pk, brought_back.pk, sent_up.pk}
    assert (march["one_visit"], march["completed"], march["one_visit_rate"]) == (3, 6, 50.0)


def test_since_start_totals_start_from_the_opening_balance(town, village, department):
    """The article's figures: the paper ledgers from 2015 up to the day before the system, then the system."""
    OpeningBalance.objects.create(town=town, counted_from=dt.date(2015, 3, 1), system_from=dt.date(2026, 3, 1),
                                  visits=20000, received=6090, joint=1890, disputes=88, ratings=1000,
                                  satisfied=960, source="进结镇村事镇办台账（2015—2026）")  # fmt: skip
    matter = MatterFactory(town=town)
    dispute = MatterFactory(town=town, code="ob-dispute", category=Matter.Category.DISPUTE)
    before = _completed(matter, village, department, received=local(2026, 2, 20, 9), closed=local(2026, 2, 20, 10))
    rate(before, 1, local(2026, 2, 20, 11))  # in the ledger already: not counted twice
    for day in range(2, 12):
        case = _completed(matter, village, department, received=mar(day, 9), closed=mar(day, 10))
        rate(case, 5, mar(day, 11))
    make_case(matter=dispute, village=village, received_at=mar(3, 9), state=S.COMPLETED, closed_at=mar(3, 11),
              mediation_outcome=MediationOutcome.SUCCESS, steps=[])  # fmt: skip
    ConsultationFactory(town=town, village=village, people=5, recorded_at=mar(4, 9), recorded_by=UserFactory())

    result = totals(town=town, now=local(2026, 4, 1, 12))
    values = {row["key"]: row["value"] for row in result["rows"]}
    assert values == {
        "visits": 20000 + 11 + 5,  # 11 applications since 1 March and 5 people in a consultation
        "received": 6090 + 11,
        "joint": 1890 + 0,
        "disputes": 88 + 1,  # 89起
        "satisfaction_rate": 96.0,  # (960 + 10) / (1000 + 10) = 96.04 %
    }
    assert result["since_label"] == "2015年3月1日"
    assert result["balance"]["source"] == "进结镇村事镇办台账（2015—2026）"


def test_without_an_opening_balance_the_totals_say_since_the_first_case(town, village, department):
    matter = MatterFactory(town=town)
    _completed(matter, village, department, received=local(2025, 7, 8, 9), closed=local(2025, 7, 8, 10))
    result = totals(town=town, now=local(2026, 4, 1, 12))
    assert result["since_label"] == "2025年7月8日"
    assert result["balance"] is None
    assert {row["key"]: row["value"] for row in result["rows"]}["received"] == 1


def test_the_services_record_a_materials_round_and_the_county_mode_on_the_case(
    town, village, department, clerk, freeze
):
    county = MatterFactory(town=town, code="ov-county-mode")
    matter = route_matter(town=town, departments=[department], needs_village_certificate=False,
                          county_mode=Matter.CountyMode.REFERRAL, county_department=department)  # fmt: skip
    freeze(mar(10, 9))
    case = open_case(actor=clerk, matter=matter, village=village, intake_department=department)
    assert (case.had_materials_round, case.county_mode) == (False, Matter.CountyMode.REFERRAL)
    from cases import services

    services.case_request_materials(actor=clerk, case_id=case.pk, missing="户口簿复印件")
    assert Case.objects.get(pk=case.pk).had_materials_round is True
    assert county.county_mode == ""
