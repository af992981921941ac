"""Issue 5, point 7: a known month (March 2026, Asia/Shanghai) built row by row, and every figure asserted exactly —
the headline, each breakdown, cadre attendance, the thirteen months, the totals, and the Excel and CSV exports.

Every expected number below is worked out by hand from the rows built in `world`; the comments say how.
March 2026 starts on a Sunday. The report is taken on Wednesday 15 April 2026 at 10:00 (NOW).
"""

import csv
import datetime as dt
import io
from types import SimpleNamespace

import openpyxl
import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from cases.models import Case, CaseStep, Matter, MediationOutcome
from departments.models import Department
from stats import tally
from stats.periods import Period
from stats.queries import DEFINITIONS, TOTAL_LABEL, monthly_report
from stats.queries import report as report_of
from tests.factories import (
    ConsultationFactory,
    CountyDepartmentFactory,
    DepartmentFactory,
    DutyShiftFactory,
    MarketDayFactory,
    MatterFactory,
    TownFactory,
    UserFactory,
    VillageFactory,
)
from tests.stats.conftest import county_step, desk_step, local, make_case, mar, rate, rectify, village_step
from villages.models import ShiftCorrection

MONTH = Period.month(2026, 3)
NOW = local(2026, 4, 15, 10, 0)

DONE = CaseStep.State.DONE
ACTIVE = CaseStep.State.ACTIVE
PENDING = CaseStep.State.PENDING
SKIPPED = CaseStep.State.SKIPPED
S = Case.State


def feb(day, hour=0, minute=0):
    return local(2026, 2, day, hour, minute)


def apr(day, hour=0, minute=0):
    return local(2026, 4, day, hour, minute)


# Completed in March (C1–C14), time from reception to completion in hours:
#   1, 2, 3, 4, 5.5, 72, 48, 104, 1.5, 14, 72 (C11, received in February), 272 (C12, February), 7, 264
# sorted: 1, 1.5, 2, 3, 4, 5.5, 7 | 14, 48, 72, 72, 104, 264, 272   (n = 14)
# percentile_cont(0.5): position 13 × 0.5 = 6.5  → 7 + 0.5 × (14 − 7)       = 10.5
# percentile_cont(0.9): position 13 × 0.9 = 11.7 → 104 + 0.7 × (264 − 104)  = 216.0
# Same local day: C1, C2, C3, C4, C5, C9, C13 = 7 of 14 → 50.0 %. (C10 runs 17:00 → 07:00 the next local day,
# which is one UTC day: a report grouping by UTC date would count 8.)
EXPECTED_HEADLINE = {
    "visits": 39,  # 21 applications + 18 people in consultations
    "consultations": 18,  # 3 + 1 + 2 + 5 + 1 + 4 (no village) + 2; not 6 (1 April 00:00), 7 (February), 8 (2025)
    "applications": 21,  # C1–C10 and C13–C23; C11 and C12 came in February
    "received": 21,  # 受理: the same 21, all accepted at intake (tests/stats/test_definitions.py: 补正中)
    "pending_materials": 0,
    "completed": 14,  # C1–C14
    "one_visit_rate": 50.0,  # the 7 same-day ones; every matter here is collected at the desk
    "same_day_rate": 50.0,
    "median_hours": 10.5,
    "p90_hours": 216.0,
    # due in March and late: C14 党政办 (finished late), C17 民政办 (rejected after its due time), C19 民政办 (open),
    # C22 village (open), C23 民政办 (finished late) and 党政办 (open). Not C12's 民政办 (due in February), not
    # C20/C21 (due in April).
    "overdue_steps": 6,
    # received in March with a village step and a town desk step: C2 C3 C5 C6 C8 C13–C15 C17–C20 C22 C23
    "joint": 14,
    "proxied": 3,  # 代办: C1 (the cadre), C6 (a relative), C19 (open); not C11 (February)
    "trips_saved": 5,  # those 3, and the trip back of C6 and C11, completed in March but not in one visit
    "disputes": 1,  # 现场调处 counts the successful: C13; C14 failed
    "disputes_failed": 1,
    "disputes_referred": 0,
    "ratings": 9,  # levels 5 5 4 5 3 4 2 1 3; not C12's (1 April 00:00)
    "satisfaction_rate": 77.8,  # 7 of 9 at 基本满意 or better
    "bad_ratings": 2,  # C7 (2) and C13 (1)
    "rectifications_done": 2,
    "rectifications_late": 1,  # C13's: due 28 March, done 30 March
    "rejected": 2,  # 不予办理: C15 (at the village), C16 (at 民政办); C17 was rejected in April
    "refused": 0,  # 不予受理: none this month (tests/cases/test_papers.py counts one)
}
# the counts the rates are made of
EXPECTED_PARTS = {"same_day": 7, "one_visit": 7, "satisfied": 7, "proxied_returns": 2}
# 环比: February 2026 (C11 C12 F1–F4 accepted; F1–F3 completed; ratings 4, 1, 5); 同比: March 2025 (O1)
EXPECTED_PREVIOUS = {"received": 6, "completed": 3, "ratings": 3, "satisfaction_rate": 66.7}
EXPECTED_YEAR_BEFORE = {"received": 1, "completed": 1, "ratings": 1, "satisfaction_rate": 100.0}

# name, received, completed, joint, 代办 (applications), consultations (people)
EXPECTED_BY_VILLAGE = [
    ("爱乐村", 3, 3, 0, 1, 4),  # C1 C4 C16 / C1 C4 C11 / — / C1 / 3 + 1
    ("印勇村", 3, 3, 2, 0, 2),  # C2 C7 C18 / C2 C7 C12 / C2 C18
    ("高州村", 4, 2, 3, 1, 5),  # C3 C9 C17 C19 / C3 C9 / C3 C17 C19 / C19
    ("进结村", 3, 2, 2, 0, 0),  # C5 C10 C20 / C5 C10 / C5 C20
    ("岜独村", 3, 2, 2, 1, 1),  # C6 C13 C21 / C6 C13 / C6 C13 / C6
    ("百合村", 3, 2, 3, 0, 0),  # C8 C14 C22 / C8 C14 / all three
    ("伏龙村", 2, 0, 2, 0, 2),  # C15 C23
]

# name, steps completed (done) in March, overdue steps due in March, bad ratings; county first, then town
# desks, then utility desks (the department ordering); a county department only when it worked this month.
EXPECTED_BY_DEPARTMENT = [
    ("县民政局", 2, 0, 0),  # C8 and C12's referrals
    ("民政办", 11, 3, 1),  # C3 C4 C5 C6 C7 C8 C9 C11 C12 C16(rejection) C23; overdue C17 C19 C23
    ("党政办", 6, 2, 1),  # C3 C5 C6 C11 C13 C14; overdue C14 C23
    ("农业站", 0, 0, 0),  # a town desk with nothing this month still shows
    ("供电所", 1, 0, 0),  # C2
]

# name, received, completed, not granted (不予办理), not accepted (不予受理); by category (certificate, dispute,
# service, welfare), then display order
EXPECTED_BY_MATTER = [
    ("社保卡补办", 5, 3, 1, 0),  # C4 C7 C9 C16 C21 / C4 C7 C9 / C16
    ("居住证明", 2, 2, 0, 0),  # C1 C10
    ("土地纠纷调处", 2, 2, 0, 0),  # C13 C14
    ("电表安装", 2, 1, 0, 0),  # C2 C22 / C2
    ("城乡医疗救助证明", 9, 4, 1, 0),  # C3 C5 C6 C15 C17–C20 C23 / C3 C5 C6 C11 / C15
    ("残疾人补贴", 1, 2, 0, 0),  # C8 / C8 C12
]

# name, expected, attended, absent (缺岗), on time, late, early (早退), not signed out (未签退), under 7 hours,
# seal not confirmed, hours (947: in by 09:00, out from 16:00, 7 hours). Two market days (3 and 6 March; 9 March was
# cancelled) expect every one of the 7 villages: 14 desks. No cadre in this world confirmed the seal.
EXPECTED_ATTENDANCE = [
    ("爱乐村", 2, 2, 0, 1, 1, 0, 0, 1, 2, 15.0),  # 08:30–16:30 (8 h); 09:00:01–16:00:00 late and 6 h 59 min 59 s
    ("印勇村", 2, 1, 1, 0, 0, 1, 0, 0, 1, 7.1),  # 08:55–15:59:59 early (7 h 4 min 59 s); a shift nobody signed in to
    ("高州村", 2, 2, 0, 1, 1, 1, 0, 1, 2, 12.5),  # 09:30–15:00 late, early and short (5.5 h); 09:00:00–16:00:00
    ("进结村", 2, 2, 0, 1, 0, 0, 1, 0, 2, 7.7),  # 08:45 never signed out (未签退, not 早退); corrected 08:40–16:20
    ("岜独村", 2, 1, 1, 1, 0, 0, 0, 0, 1, 9.0),  # nobody signed in; 08:00–17:00
    ("百合村", 2, 2, 0, 1, 1, 0, 0, 1, 2, 13.5),  # 08:59:59–16:00:01; 10:15–16:45 late and 6.5 h
    ("伏龙村", 2, 1, 1, 1, 0, 0, 0, 0, 1, 7.7),  # 08:18–16:00; no shift at all on 6 March: 缺岗 all the same
]
EXPECTED_ATTENDANCE_TOTAL = ("合计", 14, 11, 3, 6, 3, 2, 1, 3, 11, 72.5)
ATTENDANCE_KEYS = ["name", "expected", "attended", "absent", "on_time", "late", "early", "not_signed_out", "short",
                   "seal_unconfirmed", "hours"]  # fmt: skip

# the chosen month and the twelve before it: received, completed, satisfaction
EXPECTED_SERIES = [
    ("2025-03", 1, 1, 100.0),  # O1, rated 5
    ("2025-04", 0, 0, None),
    ("2025-05", 0, 0, None),
    ("2025-06", 0, 0, None),
    ("2025-07", 0, 0, None),
    ("2025-08", 0, 0, None),
    ("2025-09", 0, 0, None),
    ("2025-10", 0, 0, None),
    ("2025-11", 0, 0, None),
    ("2025-12", 1, 0, None),  # Y1 received 31 Dec 23:30 local …
    ("2026-01", 0, 1, None),  # … completed 1 Jan 00:30 local (both 31 Dec in UTC)
    ("2026-02", 6, 3, 66.7),  # C11 C12 F1–F4 / F1–F3 / ratings 4, 1, 5
    ("2026-03", 21, 14, 77.8),
]

# since the start: every case of the town (31) and every consultation (39 people)
EXPECTED_TOTALS = {
    "visits": 70,
    "received": 31,
    "joint": 19,  # March's 14 + C11 C12 F1 F3 O1
    "disputes": 2,  # mediated successfully: C13 and F3 (C14 failed)
    "satisfaction_rate": 75.0,  # 12 of 16 ratings
}


@pytest.fixture
def world(town, town_office):
    """The town's March 2026, with a little of February, 2025 and April around it, and another town's noise."""
    villages = [
        VillageFactory(town=town, name=name, desk_order=order, is_sample=False)
        for order, name in enumerate(("爱乐村", "印勇村", "高州村", "进结村", "岜独村", "百合村", "伏龙村"), start=1)
    ]
    v1, v2, v3, v4, v5, v6, v7 = villages
    d1 = DepartmentFactory(town=town, name="民政办", desk_order=1)
    d2 = DepartmentFactory(town=town, name="党政办", desk_order=2)
    d3 = DepartmentFactory(town=town, name="供电所", desk_order=3, level=Department.Level.UTILITY)
    DepartmentFactory(town=town, name="农业站", desk_order=4)
    c1 = CountyDepartmentFactory(name="县民政局")
    CountyDepartmentFactory(name="县人社局")  # no step this month: not listed

    def matter(code, name, category, order=1, **kwargs):
        return MatterFactory(town=town, code=code, name=name, category=category, display_order=order, **kwargs)

    m1 = matter("t5-medical-aid", "城乡医疗救助证明", Matter.Category.WELFARE, 1)
    m2 = matter("t5-meter", "电表安装", Matter.Category.SERVICE)
    m3 = matter("t5-sscard", "社保卡补办", Matter.Category.CERTIFICATE, 1, needs_village_certificate=False)
    m4 = matter("t5-residence", "居住证明", Matter.Category.CERTIFICATE, 2)
    m5 = matter("t5-land-dispute", "土地纠纷调处", Matter.Category.DISPUTE)
    m6 = matter(
        "t5-disability",
        "残疾人补贴",
        Matter.Category.WELFARE,
        2,
        county_mode=Matter.CountyMode.REFERRAL,
        county_department=c1,
    )
    matter("t5-unused", "未办理事项", Matter.Category.CERTIFICATE, 3)  # no case: not in the breakdown

    def welfare(*, village, received, village_due, village_done, d1_due, d1_done, d2_due, d2_done=None, **kwargs):
        """城乡医疗救助证明: village certificate → 民政办 → 党政办 (the 赵国向 story); 党政办 active if not done."""
        return make_case(
            matter=m1,
            village=village,
            received_at=received,
            steps=[
                village_step(started=received, due=village_due, finished=village_done),
                desk_step(d1, started=village_done, due=d1_due, finished=d1_done),
                desk_step(d2, state=DONE if d2_done else ACTIVE, started=d1_done, due=d2_due, finished=d2_done),
            ],
            **kwargs,
        )

    # --- completed in March ---------------------------------------------------------------------------------
    c = {}
    c[1] = make_case(
        matter=m4,
        village=v1,
        received_at=mar(3, 9, 10),
        state=S.COMPLETED,
        closed_at=mar(3, 10, 10),
        proxy="cadre",
        steps=[village_step(started=mar(3, 9, 10), due=mar(4), finished=mar(3, 10, 10))],
    )
    c[2] = make_case(
        matter=m2,
        village=v2,
        received_at=mar(3, 9, 20),
        state=S.COMPLETED,
        closed_at=mar(3, 11, 20),
        steps=[
            village_step(started=mar(3, 9, 20), due=mar(4), finished=mar(3, 10)),
            desk_step(d3, started=mar(3, 10), due=mar(4), finished=mar(3, 11, 20)),
        ],
    )
    c[3] = welfare(
        village=v3,
        received=mar(3, 9, 30),
        village_due=mar(4),
        village_done=mar(3, 10),
        d1_due=mar(5),
        d1_done=mar(3, 11),
        d2_due=mar(5),
        d2_done=mar(3, 12, 30),
        state=S.COMPLETED,
        closed_at=mar(3, 12, 30),
    )
    c[4] = make_case(
        matter=m3,
        village=v1,
        received_at=mar(6, 9),
        state=S.COMPLETED,
        closed_at=mar(6, 13),
        steps=[desk_step(d1, started=mar(6, 9), due=mar(11), finished=mar(6, 13), time_limit_days=2)],
    )
    c[5] = welfare(
        village=v4,
        received=mar(6, 10),
        village_due=mar(7),
        village_done=mar(6, 10, 30),
        d1_due=mar(10),
        d1_done=mar(6, 12),
        d2_due=mar(10),
        d2_done=mar(6, 15, 30),
        state=S.COMPLETED,
        closed_at=mar(6, 15, 30),
    )
    c[6] = welfare(
        village=v5,
        received=mar(6, 15),
        village_due=mar(7),
        village_done=mar(6, 15, 30),
        d1_due=mar(10),
        d1_done=mar(9, 10),
        d2_due=mar(11),
        d2_done=mar(9, 15),
        state=S.COMPLETED,
        closed_at=mar(9, 15),
        proxy="relative",
    )
    c[7] = make_case(
        matter=m3,
        village=v2,
        received_at=mar(9, 9),
        state=S.COMPLETED,
        closed_at=mar(11, 9),
        steps=[desk_step(d1, started=mar(9, 9), due=mar(12), finished=mar(11, 9), time_limit_days=2)],
    )
    c[8] = make_case(
        matter=m6,
        village=v6,
        received_at=mar(12, 9),
        state=S.COMPLETED,
        closed_at=mar(16, 17),
        steps=[
            village_step(started=mar(12, 9), due=mar(13), finished=mar(12, 9, 30)),
            desk_step(d1, started=mar(12, 9, 30), due=mar(14), finished=mar(13, 10)),
            county_step(c1, desk_department=d1, started=mar(13, 10), due=mar(19), finished=mar(16, 17)),
        ],
    )
    c[9] = make_case(
        matter=m3,
        village=v3,
        received_at=mar(13, 8),
        state=S.COMPLETED,
        closed_at=mar(13, 9, 30),
        steps=[desk_step(d1, started=mar(13, 8), due=mar(18), finished=mar(13, 9, 30), time_limit_days=2)],
    )
    c[10] = make_case(
        matter=m4,
        village=v4,
        received_at=mar(13, 17),
        state=S.COMPLETED,
        closed_at=mar(14, 7),
        steps=[village_step(started=mar(13, 17), due=mar(17), finished=mar(14, 7))],
    )
    c[11] = welfare(
        village=v1,
        received=feb(27, 10),
        village_due=feb(28),
        village_done=feb(27, 10, 30),
        d1_due=mar(3),
        d1_done=mar(2, 9),
        d2_due=mar(4),
        d2_done=mar(2, 10),
        state=S.COMPLETED,
        closed_at=mar(2, 10),
        proxy="relative",
    )
    c[12] = make_case(
        matter=m6,
        village=v2,
        received_at=feb(20, 9),
        state=S.COMPLETED,
        closed_at=mar(3, 17),
        steps=[
            village_step(started=feb(20, 9), due=feb(21), finished=feb(20, 10)),
            desk_step(d1, started=feb(20, 10), due=feb(24), finished=mar(2, 10)),  # late, but due in February
            county_step(c1, desk_department=d1, started=mar(2, 10), due=mar(6), finished=mar(3, 17)),
        ],
    )
    c[13] = make_case(
        matter=m5,
        village=v5,
        received_at=mar(6, 9),
        state=S.COMPLETED,
        closed_at=mar(6, 16),
        mediation_outcome=MediationOutcome.SUCCESS,
        steps=[
            village_step(started=mar(6, 9), due=mar(7), finished=mar(6, 9, 30)),
            desk_step(d2, started=mar(6, 9, 30), due=mar(14), finished=mar(6, 16), time_limit_days=5),
        ],
    )
    c[14] = make_case(
        matter=m5,
        village=v6,
        received_at=mar(9, 10),
        state=S.COMPLETED,
        closed_at=mar(20, 10),
        mediation_outcome=MediationOutcome.FAILED,
        steps=[
            village_step(started=mar(9, 10), due=mar(10), finished=mar(9, 11)),
            desk_step(d2, started=mar(9, 11), due=mar(17), finished=mar(20, 10), time_limit_days=5),
        ],
    )
    # --- rejected, withdrawn, still open --------------------------------------------------------------------
    c[15] = make_case(
        matter=m1,
        village=v7,
        received_at=mar(10, 9),
        state=S.REJECTED,
        closed_at=mar(10, 11),
        steps=[
            village_step(started=mar(10, 9), due=mar(11), finished=mar(10, 11)),
            desk_step(d1, state=PENDING),
            desk_step(d2, state=PENDING),
        ],
    )
    c[16] = make_case(
        matter=m3,
        village=v1,
        received_at=mar(2, 9),
        state=S.REJECTED,
        closed_at=mar(4, 16),
        steps=[desk_step(d1, started=mar(2, 9), due=mar(5), finished=mar(4, 16), time_limit_days=2)],
    )
    c[17] = make_case(
        matter=m1,
        village=v3,
        received_at=mar(25, 9),
        state=S.REJECTED,
        closed_at=apr(2, 10),
        steps=[
            village_step(started=mar(25, 9), due=mar(26), finished=mar(25, 9, 30)),
            desk_step(d1, started=mar(25, 9, 30), due=mar(27), finished=apr(2, 10)),
            desk_step(d2, state=PENDING),
        ],
    )
    c[18] = make_case(
        matter=m1,
        village=v2,
        received_at=mar(11, 9),
        state=S.WITHDRAWN,
        closed_at=mar(12, 10),
        steps=[
            village_step(started=mar(11, 9), due=mar(12), finished=mar(11, 9, 30)),
            desk_step(d1, state=SKIPPED, started=mar(11, 9, 30), due=mar(13), finished=mar(12, 10)),
            desk_step(d2, state=PENDING),
        ],
    )
    c[19] = make_case(
        matter=m1,
        village=v3,
        received_at=mar(23, 9),
        state=S.IN_PROGRESS,
        proxy="cadre",
        steps=[
            village_step(started=mar(23, 9), due=mar(24), finished=mar(23, 9, 30)),
            desk_step(d1, state=ACTIVE, started=mar(23, 9, 30), due=mar(25)),
            desk_step(d2, state=PENDING),
        ],
    )
    c[20] = make_case(
        matter=m1,
        village=v4,
        received_at=mar(30, 9),
        state=S.IN_PROGRESS,
        steps=[
            village_step(started=mar(30, 9), due=mar(31), finished=mar(30, 9, 30)),
            desk_step(d1, state=ACTIVE, started=mar(30, 9, 30), due=apr(2), time_limit_days=2),
            desk_step(d2, state=PENDING),
        ],
    )
    c[21] = make_case(
        matter=m3,
        village=v5,
        received_at=mar(31, 9),
        state=S.AWAITING,
        paused_at=mar(31, 9),
        steps=[desk_step(d1, state=ACTIVE, started=mar(31, 9), due=apr(3), time_limit_days=2)],
    )
    c[22] = make_case(
        matter=m2,
        village=v6,
        received_at=mar(27, 10),
        state=S.RECEIVED,
        steps=[
            village_step(state=ACTIVE, started=mar(27, 10), due=mar(28), time_limit_days=0),
            desk_step(d3, state=PENDING),
        ],
    )
    c[23] = welfare(
        village=v7,
        received=mar(20, 9),
        village_due=mar(21),
        village_done=mar(20, 9, 30),
        d1_due=mar(24),
        d1_done=mar(24, 10),
        d2_due=mar(26),
        state=S.IN_PROGRESS,
    )
    # --- other months ---------------------------------------------------------------------------------------
    f1 = welfare(
        village=v1,
        received=feb(10, 9),
        village_due=feb(11),
        village_done=feb(10, 9, 30),
        d1_due=feb(12),
        d1_done=feb(10, 10),
        d2_due=feb(12),
        d2_done=feb(10, 11),
        state=S.COMPLETED,
        closed_at=feb(10, 11),
    )
    f2 = make_case(
        matter=m3,
        village=v2,
        received_at=feb(12, 9),
        state=S.COMPLETED,
        closed_at=feb(13, 9),
        steps=[desk_step(d1, started=feb(12, 9), due=feb(17), finished=feb(13, 9), time_limit_days=2)],
    )
    f3 = make_case(
        matter=m5,
        village=v3,
        received_at=feb(16, 9),
        state=S.COMPLETED,
        closed_at=feb(16, 15),
        mediation_outcome=MediationOutcome.SUCCESS,
        steps=[
            village_step(started=feb(16, 9), due=feb(17), finished=feb(16, 9, 30)),
            desk_step(d2, started=feb(16, 9, 30), due=feb(24), finished=feb(16, 15), time_limit_days=5),
        ],
    )
    make_case(
        matter=m4,
        village=v4,
        received_at=feb(25, 9),
        state=S.REJECTED,
        closed_at=feb(25, 10),
        steps=[village_step(started=feb(25, 9), due=feb(26), finished=feb(25, 10))],
    )
    o1 = welfare(
        village=v5,
        received=local(2025, 3, 14, 9),
        village_due=local(2025, 3, 15),
        village_done=local(2025, 3, 14, 9, 30),
        d1_due=local(2025, 3, 18),
        d1_done=local(2025, 3, 14, 10, 30),
        d2_due=local(2025, 3, 18),
        d2_done=local(2025, 3, 14, 12),
        state=S.COMPLETED,
        closed_at=local(2025, 3, 14, 12),
    )
    o2 = make_case(
        matter=m3,
        village=v6,
        received_at=local(2025, 2, 20, 9),
        state=S.COMPLETED,
        closed_at=local(2025, 2, 21, 9),
        steps=[desk_step(d1, started=local(2025, 2, 20, 9), due=local(2025, 2, 25), finished=local(2025, 2, 21, 9))],
    )
    a1 = make_case(
        matter=m4,
        village=v7,
        received_at=apr(3, 9),
        state=S.COMPLETED,
        closed_at=apr(3, 10),
        steps=[village_step(started=apr(3, 9), due=apr(4), finished=apr(3, 10))],
    )
    make_case(  # Y1: New Year's Eve at 23:30, done half past midnight
        matter=m3,
        village=v1,
        received_at=local(2025, 12, 31, 23, 30),
        state=S.COMPLETED,
        closed_at=local(2026, 1, 1, 0, 30),
        steps=[
            desk_step(
                d1,
                started=local(2025, 12, 31, 23, 30),
                due=local(2026, 1, 3),
                finished=local(2026, 1, 1, 0, 30),
            )
        ],
    )
    # --- ratings and rectifications -------------------------------------------------------------------------
    for number, level, at in (
        (1, 5, mar(3, 10, 30)),
        (2, 5, mar(3, 11, 30)),
        (3, 4, mar(3, 13)),
        (4, 5, mar(6, 13, 30)),
        (5, 3, mar(6, 16)),
        (6, 4, mar(9, 16)),
        (15, 3, mar(10, 12)),
    ):
        rate(c[number], level, at)
    r7 = rate(c[7], 2, mar(11, 9, 30))
    rectify(r7, department=d1, opened=mar(11, 9, 30), due=apr(2), done=mar(20, 15))  # in time
    r13 = rate(c[13], 1, mar(6, 16, 30))
    rectify(r13, department=d2, opened=mar(6, 16, 30), due=mar(28), done=mar(30, 10))  # late
    rate(c[12], 5, apr(1))  # 1 April 00:00 local is still 31 March in UTC: April's
    rate(f1, 4, feb(10, 12))
    rf2 = rate(f2, 1, feb(13, 10))
    rectify(rf2, department=d1, opened=feb(13, 10), due=mar(7))  # open and late, but February's
    rate(f3, 5, feb(16, 16))
    rate(o1, 5, local(2025, 3, 14, 13))
    rate(o2, 2, local(2025, 2, 21, 10))
    rate(a1, 3, apr(3, 11))
    # --- consultations --------------------------------------------------------------------------------------
    for village, people, at in (
        (v1, 3, mar(3, 10)),
        (v1, 1, mar(1, 7)),  # 28 February in UTC, March locally
        (v2, 2, mar(6, 9, 30)),
        (v3, 5, mar(6, 14)),
        (v5, 1, mar(9, 10)),
        (None, 4, mar(12, 9)),  # at a town desk: in the town's figure, in no village's
        (v7, 2, mar(31, 23, 30)),
        (v1, 6, apr(1)),  # 31 March in UTC, April locally
        (v2, 7, local(2026, 2, 28, 23, 59)),
        (v4, 8, local(2025, 6, 10, 10)),
    ):
        ConsultationFactory(town=town, village=village, people=people, recorded_at=at, recorded_by=town_office)
    # --- 13 duty shifts on two market days ------------------------------------------------------------------
    day_a = MarketDayFactory(town=town, date=mar(3).date())
    day_b = MarketDayFactory(town=town, date=mar(6).date())

    def shift(day, village, signed_in=None, signed_out=None, **kwargs):
        return DutyShiftFactory(
            market_day=day,
            village=village,
            cadre=UserFactory(),
            signed_in_at=signed_in,
            signed_out_at=signed_out,
            **kwargs,
        )

    shift(day_a, v1, mar(3, 8, 30), mar(3, 16, 30))
    shift(day_b, v1, mar(6, 9, 0, 1), mar(6, 16))
    shift(day_a, v2, mar(3, 8, 55), mar(3, 15, 59, 59))
    shift(day_b, v2)
    shift(day_a, v3, mar(3, 9, 30), mar(3, 15))
    shift(day_b, v3, mar(6, 9), mar(6, 16))
    shift(day_a, v4, mar(3, 8, 45))
    corrected = shift(day_b, v4, mar(6, 8, 40), mar(6, 16, 20), is_corrected=True)
    ShiftCorrection.objects.create(
        shift=corrected,
        corrected_by=town_office,
        corrected_at=mar(6, 17),
        reason="签到机故障，按值班登记簿更正",
        old_signed_in_at=mar(6, 9, 40),
        new_signed_in_at=mar(6, 8, 40),
        old_signed_out_at=None,
        new_signed_out_at=mar(6, 16, 20),
    )
    shift(day_a, v5)
    shift(day_b, v5, mar(6, 8), mar(6, 17))
    shift(day_a, v6, mar(3, 8, 59, 59), mar(3, 16, 0, 1))
    shift(day_b, v6, mar(6, 10, 15), mar(6, 16, 45))
    shift(day_a, v7, mar(3, 8, 18), mar(3, 16))
    # not counted: a cancelled market day, and market days in February and April
    shift(MarketDayFactory(town=town, date=mar(9).date(), is_cancelled=True), v1)
    shift(MarketDayFactory(town=town, date=feb(27).date()), v1, feb(27, 8, 30), feb(27, 16, 30))
    shift(MarketDayFactory(town=town, date=apr(2).date()), v1)
    # --- another town's March: none of it may show ----------------------------------------------------------
    elsewhere = TownFactory(name="向都镇")
    x_village = VillageFactory(town=elsewhere, name="向都村")
    x_department = DepartmentFactory(town=elsewhere, name="向都民政办")
    x_matter = MatterFactory(town=elsewhere, code="t5-elsewhere", name="外镇事项", needs_village_certificate=False)
    x_case = make_case(
        matter=x_matter,
        village=x_village,
        received_at=mar(5, 9),
        state=S.COMPLETED,
        closed_at=mar(5, 10),
        mediation_outcome="",
        steps=[desk_step(x_department, started=mar(5, 9), due=mar(5, 9, 30), finished=mar(5, 10))],
        is_joint=True,
    )
    x_rating = rate(x_case, 1, mar(5, 11))
    rectify(x_rating, department=x_department, opened=mar(5, 11), due=mar(26))
    ConsultationFactory(town=elsewhere, village=x_village, people=9, recorded_at=mar(5, 9), recorded_by=town_office)
    shift(MarketDayFactory(town=elsewhere, date=mar(3).date()), x_village)

    return SimpleNamespace(town=town, cases=c)


@pytest.fixture(params=["rows", "stored"])
def counted_from(request, world):
    """Every exact figure twice: counted from the rows, and with every finished month stored (stats.tally) — the
    store must never change a figure."""
    if request.param == "stored":
        stored = tally.store(world.town, now=NOW)
        assert dt.date(2026, 3, 1) in stored
    return request.param


@pytest.fixture
def report(world, counted_from):
    return monthly_report(town=world.town, month=MONTH, now=NOW)


def _rows(table, keys):
    return [tuple(row[k] for k in keys) for row in table["rows"]]


def test_headline_figures_are_exact(report):
    assert {key: report["figures"][key] for key in EXPECTED_HEADLINE} == EXPECTED_HEADLINE
    assert {key: report["figures"][key] for key in EXPECTED_PARTS} == EXPECTED_PARTS
    assert [row["key"] for row in report["headline"]] == list(EXPECTED_HEADLINE)
    assert {row["key"]: row["value"] for row in report["headline"]} == EXPECTED_HEADLINE
    assert report["month"] == "2026-03"
    assert report["town"] == {"code": "451425102", "name": "进结镇", "government": "天等县进结镇人民政府"}
    assert report["title"] == "进结镇“村事镇办”便民服务站2026年3月工作情况统计表"


def test_headline_is_compared_with_the_month_before_and_the_year_before(report):
    assert {key: report["previous"][key] for key in EXPECTED_PREVIOUS} == EXPECTED_PREVIOUS
    assert {key: report["year_before"][key] for key in EXPECTED_YEAR_BEFORE} == EXPECTED_YEAR_BEFORE
    rows = {row["key"]: row for row in report["headline"]}
    assert (rows["received"]["previous"], rows["received"]["previous_change"]) == (6, "+250.0%")
    assert (rows["received"]["year_before"], rows["received"]["year_before_change"]) == (1, "+2000.0%")
    # a rate moves in percentage points: 77.8 against 66.7 and 100.0
    assert rows["satisfaction_rate"]["previous_change"] == "+11.1个百分点"
    assert rows["satisfaction_rate"]["year_before_change"] == "-22.2个百分点"
    assert report["period"]["previous"] == "2026年2月"
    assert report["period"]["year_before"] == "2025年3月"


def test_every_headline_figure_carries_its_label_and_definition(report):
    for row in report["headline"]:
        assert row["label"].strip()
        assert row["definition"] == str(DEFINITIONS[row["key"]])
        assert len(row["definition"]) > len(row["label"])


def test_by_village_is_exact_and_lists_every_village_of_the_town(report):
    keys = [key for key, _label in report["by_village"]["columns"]]
    assert keys == ["name", "received", "completed", "joint", "proxied", "consultations"]
    assert _rows(report["by_village"], keys) == EXPECTED_BY_VILLAGE


def test_by_department_is_exact(report):
    keys = [key for key, _label in report["by_department"]["columns"]]
    assert keys == ["name", "handled", "overdue", "bad_ratings"]
    assert _rows(report["by_department"], keys) == EXPECTED_BY_DEPARTMENT


def test_by_matter_is_exact_and_lists_only_matters_with_cases_this_month(report):
    keys = [key for key, _label in report["by_matter"]["columns"]]
    assert keys == ["name", "received", "completed", "rejected", "refused"]
    assert _rows(report["by_matter"], keys) == EXPECTED_BY_MATTER


def test_attendance_is_exact_to_the_second(report):
    table = report["attendance"]["by_village"]
    assert [key for key, _label in table["columns"]] == ATTENDANCE_KEYS
    assert _rows(table, ATTENDANCE_KEYS) == EXPECTED_ATTENDANCE
    assert tuple(table["total"][key] for key in ATTENDANCE_KEYS) == (str(TOTAL_LABEL), *EXPECTED_ATTENDANCE_TOTAL[1:])
    # per cadre: the same 合计, the desk with no duty record in a row of its own
    by_cadre = report["attendance"]["by_cadre"]
    assert tuple(by_cadre["total"][key] for key in ATTENDANCE_KEYS[1:]) == EXPECTED_ATTENDANCE_TOTAL[1:]
    assert sum(row["expected"] for row in by_cadre["rows"]) == 14


def test_series_covers_thirteen_months_in_local_time(report):
    assert [(r["month"], r["received"], r["completed"], r["satisfaction_rate"]) for r in report["series"]] == (
        EXPECTED_SERIES
    )


def test_totals_since_start(report):
    assert {row["key"]: row["value"] for row in report["totals"]["rows"]} == EXPECTED_TOTALS
    assert all(row["label"].strip() for row in report["totals"]["rows"])
    assert report["totals"]["since_label"] == "2025年2月20日"  # O2, the town's first case


def test_a_closed_months_figures_do_not_change_when_asked_later(world):
    """March asked on 15 April and again on 1 May reads the same numbers (nothing in it depends on the day asked)."""
    first = monthly_report(town=world.town, month=MONTH, now=NOW)
    later = monthly_report(town=world.town, month=MONTH, now=local(2026, 5, 1, 12))
    assert first["figures"] == later["figures"]
    assert {key: first["figures"][key] for key in EXPECTED_HEADLINE} == EXPECTED_HEADLINE
    assert first["by_department"] == later["by_department"]


# --- the exports, through the real admin URLs ----------------------------------------------------------------


def _expected_tables():
    """The numbers of each exported table, in the order of the workbook's sheets: the overview (this period, the
    period before, the year before), the since-start totals, every breakdown ending with its 合计 row, attendance by
    village and by cadre, and the thirteen months."""
    headline = [(EXPECTED_HEADLINE[key],) for key in EXPECTED_HEADLINE]
    return [
        headline,
        [(value, value) for value in EXPECTED_TOTALS.values()],  # all of it counted by the system (no ledger)
        [*(row[1:] for row in EXPECTED_BY_VILLAGE), (0, 0, 0, 0, 4), (21, 14, 14, 3, 18)],  # 无村 consultations, 合计
        [*(row[1:] for row in EXPECTED_BY_DEPARTMENT), (15, 1, 0), (0, 0, 0), (35, 6, 2)],  # villages, upheld, 合计
        [*(row[1:] for row in EXPECTED_BY_VILLAGE_DESK), (15, 1, 0)],
        [*(row[1:] for row in EXPECTED_BY_MATTER), (21, 14, 2, 0)],
        [*(row[1:] for row in EXPECTED_ATTENDANCE), EXPECTED_ATTENDANCE_TOTAL[1:]],
        None,  # by cadre: rows per cadre (tests/villages/test_attendance.py), the same 合计
        [row[1:] for row in EXPECTED_SERIES],
    ]


def _export(client, name):
    return client.get(reverse(name), {"town": "451425102", "month": "2026-03"})


@pytest.fixture
def office_client(world, town_office, client_for, freeze, counted_from):
    freeze(NOW)
    return client_for(town_office)


def _is_number(value) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def test_excel_export_is_the_form_as_filed_with_numbers_stored_as_numbers(office_client):
    response = _export(office_client, "admin:stats_xlsx")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="jinjie-451425102-2026-03.xlsx"' in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    expected_tables = _expected_tables()
    assert len(workbook.worksheets) == len(expected_tables) == len(set(workbook.sheetnames))
    for index, (sheet, expected) in enumerate(zip(workbook.worksheets, expected_tables, strict=True)):
        rows = list(sheet.iter_rows(values_only=True))
        if index == 0:
            assert rows[0][0] == "进结镇“村事镇办”便民服务站2026年3月工作情况统计表"
            assert rows[1][1] == "2026年3月"
            rows = rows[2:]
            body = rows[1 : 1 + len(expected)]
            signatures = [row[0] for row in rows[2 + len(expected) :] if row and row[0]]
            assert signatures[:4] == ["填报单位（盖章）", "填报人", "审核人", "分管领导"]
            signed = {row[0]: row[1] for row in rows[2 + len(expected) :] if row and row[0]}
            assert signed["填报单位（盖章）"] == "天等县进结镇人民政府"
            assert signed["日期"] == "2026年4月15日"
        else:
            body = rows[1:]
        headings = rows[0]
        assert all(isinstance(h, str) and h.strip() for h in headings), (sheet.title, headings)
        if expected is None:
            total = body[-1]
            assert tuple(total[1:]) == EXPECTED_ATTENDANCE_TOTAL[1:], sheet.title
            continue
        assert len(body) == len(expected), sheet.title
        numbers = [tuple(row[1 : 1 + len(exp)]) for row, exp in zip(body, expected, strict=True)]
        assert numbers == expected, sheet.title
        assert all(_is_number(value) for row in numbers for value in row), sheet.title
    overview = list(workbook.worksheets[0].iter_rows(values_only=True))[3 : 3 + len(EXPECTED_HEADLINE)]
    assert [row[-1] for row in overview] == [str(DEFINITIONS[key]) for key in EXPECTED_HEADLINE]
    # 环比 (February) and 同比 (March 2025) beside each figure, as numbers
    received = overview[list(EXPECTED_HEADLINE).index("received")]
    assert (received[2], received[4]) == (6, 1)
    by_village = list(workbook.worksheets[2].iter_rows(values_only=True))[1:]
    assert [row[0] for row in by_village[:-2]] == [row[0] for row in EXPECTED_BY_VILLAGE]
    assert by_village[-1][0] == str(TOTAL_LABEL)


def _has_chinese(text) -> bool:
    return isinstance(text, str) and any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_excel_sheet_titles_headings_and_figure_names_are_in_chinese(office_client):
    workbook = openpyxl.load_workbook(io.BytesIO(_export(office_client, "admin:stats_xlsx").content))

    for index, sheet in enumerate(workbook.worksheets):
        rows = list(sheet.iter_rows(values_only=True))
        headings = rows[2] if index == 0 else rows[0]
        assert _has_chinese(sheet.title), sheet.title
        assert all(_has_chinese(heading) for heading in headings if heading), headings
    overview = list(workbook.worksheets[0].iter_rows(values_only=True))[3 : 3 + len(EXPECTED_HEADLINE)]
    assert all(_has_chinese(row[0]) and _has_chinese(row[-1]) for row in overview)


def _text(value) -> str:
    return "" if value is None else str(value)


def test_csv_export_carries_the_same_numbers(office_client):
    response = _export(office_client, "admin:stats_csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="jinjie-451425102-2026-03.csv"' in response["Content-Disposition"]
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["进结镇“村事镇办”便民服务站2026年3月工作情况统计表"]
    sections, current = [], []
    for row in rows[3:]:
        if row:
            current.append(row)
        elif current:
            sections.append(current)
            current = []
    if current:
        sections.append(current)
    expected_tables = _expected_tables()
    assert len(sections) == len(expected_tables)
    for section, expected in zip(sections, expected_tables, strict=True):
        title, headings, body = section[0], section[1], section[2:]
        assert len(title) == 1 and title[0].strip()
        assert all(h.strip() for h in headings)
        if expected is None:
            assert tuple(body[-1][1:]) == tuple(_text(v) for v in EXPECTED_ATTENDANCE_TOTAL[1:])
            continue
        assert [tuple(row[1 : 1 + len(exp)]) for row, exp in zip(body, expected, strict=True)] == [
            tuple(_text(v) for v in exp) for exp in expected
        ], title
    assert [row[0] for row in sections[2][2:-2]] == [row[0] for row in EXPECTED_BY_VILLAGE]


def test_api_gives_the_same_figures(office_client):
    response = office_client.get(reverse("api_stats_monthly"), {"town": "451425102", "month": "2026-03"})

    assert response.status_code == 200
    data = response.json()
    assert {key: data["figures"][key] for key in EXPECTED_HEADLINE} == EXPECTED_HEADLINE
    assert [tuple(row[k] for k in ATTENDANCE_KEYS) for row in data["attendance"]["by_village"]["rows"]] == (
        EXPECTED_ATTENDANCE
    )
    assert [(r["month"], r["received"], r["completed"], r["satisfaction_rate"]) for r in data["series"]] == (
        EXPECTED_SERIES
    )
    assert set(EXPECTED_HEADLINE) <= set(data["definitions"])


def test_stats_page_shows_the_month_figures(office_client):
    response = office_client.get(reverse("admin:stats"), {"town": "451425102", "month": "2026-03"})

    assert response.status_code == 200
    assert {key: response.context["report"]["figures"][key] for key in EXPECTED_HEADLINE} == EXPECTED_HEADLINE
    content = response.content.decode()
    for name, *_figures in EXPECTED_BY_DEPARTMENT:
        assert name in content


# --- percentiles: the same definition on SQLite and PostgreSQL ------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "median", "p90"),
    [
        ([], None, None),
        ([5], 5.0, 5.0),
        ([1, 3], 2.0, 2.8),  # 1 + 0.9 × 2
        ([1, 2, 4, 8, 16], 4.0, 12.8),  # position 3.6: 8 + 0.6 × 8
        ([0.25, 0.5, 10, 30, 31, 33, 40, 41, 50, 70, 71], 33.0, 70.0),  # position 9.0 exactly
        ([2, 6, 7, 9, 30, 31.8], 8.0, 30.9),  # median halfway 7–9; p90 at 4.5: 30 + 0.5 × 1.8
    ],
)
def test_percentiles_follow_percentile_cont_on_every_database(town, village, department, hours, median, p90):
    matter = MatterFactory(town=town, needs_village_certificate=False)
    for index, length in enumerate(hours):
        received = mar(2 + index, 9)
        closed = received + dt.timedelta(hours=length)
        make_case(
            matter=matter,
            village=village,
            received_at=received,
            state=S.COMPLETED,
            closed_at=closed,
            steps=[desk_step(department, started=received, due=closed, finished=closed)],
        )

    figures = monthly_report(town=town, month=MONTH, now=NOW)["figures"]

    assert (figures["median_hours"], figures["p90_hours"]) == (median, p90)
    assert figures["completed"] == len(hours)


# --- the edges of the definitions --------------------------------------------------------------------------------


def _one_step_case(*, town, village, department, due, state=S.IN_PROGRESS, paused_at=None):
    matter = MatterFactory(town=town, needs_village_certificate=False)
    started = due - dt.timedelta(days=1)
    return make_case(
        matter=matter,
        village=village,
        received_at=started,
        state=state,
        paused_at=paused_at,
        steps=[desk_step(department, state=ACTIVE, started=started, due=due)],
    )


def _overdue(town, month):
    report = monthly_report(town=town, month=month, now=NOW)
    return report["figures"]["overdue_steps"], [row["overdue"] for row in report["by_department"]["rows"]]


def test_step_due_on_the_last_day_of_the_month_counts_in_that_month(town, village, department):
    # Due "on 31 March": the calendar gives the end of that day, 1 April 00:00 (cases.calendar.add_working_days).
    _one_step_case(town=town, village=village, department=department, due=apr(1))
    # Due "on 28 February": 1 March 00:00.
    _one_step_case(town=town, village=village, department=department, due=mar(1))

    assert _overdue(town, Period.month(2026, 3)) == (1, [1])
    assert _overdue(town, Period.month(2026, 4)) == (0, [0])
    assert _overdue(town, Period.month(2026, 2)) == (1, [1])


def test_step_of_a_case_awaiting_materials_is_not_an_overdue_step(town, village, department):
    _one_step_case(
        town=town, village=village, department=department, due=mar(20), state=S.AWAITING, paused_at=mar(18, 10)
    )

    assert _overdue(town, Period.month(2026, 3)) == (0, [0])


# --- 合计: every breakdown adds up to the month's headline figure (issue 11, point 1) -------------------------

# table → (its column, the headline figure its 合计 equals)
TOTALS_EQUAL_HEADLINE = {
    "by_village": {
        "received": "received",
        "completed": "completed",
        "joint": "joint",
        "consultations": "consultations",
    },
    "by_department": {"overdue": "overdue_steps", "bad_ratings": "bad_ratings"},
    "by_matter": {"received": "received", "completed": "completed", "rejected": "rejected", "refused": "refused"},
}

# name, village steps completed in March, overdue village steps due in March, 差评 answered by the village desk
EXPECTED_BY_VILLAGE_DESK = [
    ("爱乐村", 1, 0, 0),  # C1
    ("印勇村", 2, 0, 0),  # C2 C18
    ("高州村", 3, 0, 0),  # C3 C17 C19
    ("进结村", 3, 0, 0),  # C5 C10 C20
    ("岜独村", 2, 0, 0),  # C6 C13
    ("百合村", 2, 1, 0),  # C8 C14 / C22 still open past 28 March
    ("伏龙村", 2, 0, 0),  # C15 C23
]


@pytest.mark.parametrize("table", list(TOTALS_EQUAL_HEADLINE))
def test_every_breakdown_total_equals_its_headline_figure(report, table):
    total = report[table]["total"]
    assert total["name"] == str(TOTAL_LABEL)
    for column, figure in TOTALS_EQUAL_HEADLINE[table].items():
        assert total[column] == EXPECTED_HEADLINE[figure], (table, column)


def test_by_village_names_the_consultations_without_a_village_instead_of_leaving_them_out(report):
    extra = report["by_village"]["extra_rows"]
    assert [(row["name"], row["received"], row["consultations"]) for row in extra] == [(str(_("No village")), 0, 4)]


def test_village_steps_and_village_bad_ratings_get_their_own_table(report):
    keys = [key for key, _label in report["by_village_desk"]["columns"]]
    assert keys == ["name", "handled", "overdue", "bad_ratings"]
    assert _rows(report["by_village_desk"], keys) == EXPECTED_BY_VILLAGE_DESK
    total = report["by_village_desk"]["total"]
    assert (total["handled"], total["overdue"], total["bad_ratings"]) == (15, 1, 0)


def test_the_department_table_has_a_village_row_equal_to_the_village_table(report):
    village_row, upheld_row = report["by_department"]["extra_rows"]
    village_total = report["by_village_desk"]["total"]
    assert village_row["name"] == str(_("Villages (village committees)"))
    assert [village_row[k] for k in ("handled", "overdue", "bad_ratings")] == [15, 1, 0]
    assert [village_row[k] for k in ("handled", "overdue", "bad_ratings")] == [
        village_total[k] for k in ("handled", "overdue", "bad_ratings")
    ]
    assert upheld_row["bad_ratings"] == 0
    # 2 (县民政局) + 11 + 6 + 0 + 1 desks' steps and the villages' 15
    assert report["by_department"]["total"]["handled"] == 35


# --- a quarter and a range of the same world (issue 11 point 2) ------------------------------------------------

ADDITIVE = [key for key in EXPECTED_HEADLINE if key not in ("one_visit_rate", "same_day_rate", "median_hours",
                                                            "p90_hours", "satisfaction_rate")]  # fmt: skip


def test_a_quarter_is_its_three_months_and_its_totals_are_its_headline(world):
    months = [monthly_report(town=world.town, month=Period.month(2026, m), now=NOW)["figures"] for m in (1, 2, 3)]
    quarter = report_of(town=world.town, period=Period.parse("2026-Q1"), now=NOW)

    assert {key: quarter["figures"][key] for key in ADDITIVE} == {key: sum(m[key] for m in months) for key in ADDITIVE}
    # worked out by hand: March's 21 + February's 6 (C11 C12 F1–F4) accepted; 14 + 3 (F1–F3) + 1 (Y1) completed;
    # ratings 9 + 3, satisfied 7 + 2
    assert (quarter["figures"]["received"], quarter["figures"]["completed"]) == (27, 18)
    assert quarter["figures"]["satisfaction_rate"] == 75.0
    for key, figure in (("by_village", "received"), ("by_matter", "completed"), ("by_department", "overdue")):
        assert (
            quarter[key]["total"][{"overdue": "overdue"}.get(figure, figure)]
            == quarter["figures"][{"overdue": "overdue_steps"}.get(figure, figure)]
        )
    assert quarter["period"]["previous"] == "2025年第四季度"
    assert quarter["year_before"]["received"] == 2  # O2 (20 February 2025) and O1 (March 2025)


def test_a_range_of_the_whole_month_is_the_month_and_two_halves_add_up(world):
    month = monthly_report(town=world.town, month=MONTH, now=NOW)
    whole = report_of(town=world.town, period=Period.parse("2026-03-01..2026-03-31"), now=NOW)
    first = report_of(town=world.town, period=Period.parse("2026-03-01..2026-03-15"), now=NOW)["figures"]
    second = report_of(town=world.town, period=Period.parse("2026-03-16..2026-03-31"), now=NOW)["figures"]

    assert whole["figures"] == month["figures"]
    for key in ("by_village", "by_department", "by_village_desk", "by_matter"):
        assert whole[key]["total"] == month[key]["total"]
    assert {key: first[key] + second[key] for key in ADDITIVE} == {key: month["figures"][key] for key in ADDITIVE}
    assert whole["period"]["previous"] == "2026年1月29日至2026年2月28日"  # the 31 days before
