"""`manage.py generate_load_data --cases N [--years 4] [--seed 1]`: realistic synthetic cases for `make bench`.

Tops a town (the demo town by default; `seed_demo --if-empty` runs first when there is none) up to N cases, so
`--cases 10000` then `--cases 200000` adds only the difference. Each case lives the life the services would give
it, played forward from its intake time up to now:

- intake spread over the last few years, mostly on market days, with villages and matters weighted;
- the matter's route copied into steps (village certificate → town desks → county), each step started, due
  (working days from the holiday calendar, like `cases.calendar`), file received, finished, and by whom;
- most cases completed; some rejected, withdrawn (often after being asked for materials that never came),
  returned a step or skipped by the town office; the cases whose life has not ended by now are open — in progress,
  or awaiting materials with the clock stopped — with exactly one active step, and some of them overdue;
- county appointments (booked for a market day, confirmed, done or no-show and rebooked) and referrals;
- disputes with their parties and mediation outcome; 村镇联办 flagged (`is_joint`);
- 好差评 for about half the finished cases (mostly satisfied), a rectification for each bad one, most answered;
- one seal-register entry per village stamp, a hash-chained history per case with its head on the case
  (`verify_history` passes), case numbers that continue each day's sequence and the matching `CaseCounter` rows;
- about one consultation (a visit that opened no case) per three cases, for the statistics.

Each batch is one transaction. Ids are reserved first (a case points at its current step, events at steps, and the
hashes cover the ids), then the rows go in with COPY on PostgreSQL or `bulk_create` elsewhere. The history is
written directly: `CaseEvent.save()` refuses changes, not new rows, and every event's hash is computed by the
model's own code before it is stored.
"""

import bisect
import datetime as dt
import random
import secrets
import time
import zoneinfo
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import JSONField
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from stdnum.cn import ric

from cases import history_keys, workflow
from cases.models import (
    Appointment,
    Case,
    CaseCounter,
    CaseEvent,
    CaseStep,
    Holiday,
    Matter,
    MediationOutcome,
    Proxy,
    Rating,
    Rectification,
    SealUse,
)
from departments.models import DepartmentMember
from villages.models import Consultation, Hamlet, MarketDay, Town, TownStaff, Village, VillageCadre

DEMO_TOWN_CODE = "451425102"
UTC = dt.UTC
NOBODY = (None, "")  # the actor of a rating through the receipt's QR code
A = CaseEvent.Action
S = Case.State
SS = CaseStep.State
M = workflow.Move

# How often things happen (per case or per step); tuned to look like a rural hall, not measured.
P_OPEN_AWAITING = 0.04  # opened as awaiting materials at intake
P_REQUEST_MATERIALS = 0.05  # a town desk asks for missing materials
P_NEVER_BROUGHT = 0.25  # ... and the villager gives up (withdrawn)
P_REJECT = 0.012  # per step
P_WITHDRAW = 0.004  # per step
P_RETURN = 0.02  # a desk sends the case back one step (once per case)
P_SKIP = 0.003  # the town office skips a desk
P_OVERDUE = 0.10  # a step takes longer than its time limit
P_STUCK = 0.004  # ... much longer: weeks (what oversight is for)
P_NOT_ACCEPTED_SAME_DAY = 0.15  # the paper file reaches the desk the next working day
P_NO_SHOW = 0.06
P_DESK_INTAKE = 0.6  # a matter without village certificate taken in at the department desk
P_HAMLET = 0.9
P_NOTES = 0.1
P_PROXY_CADRE = 0.06  # 代办 by the village cadre (the applicant old, or away)
P_PROXY_RELATIVE = 0.03  # ... by a relative with written authorisation
PROXY_RELATIONS = ("儿子", "女儿", "儿媳", "孙子", "配偶")

# Matter codes of the demo catalogue and how common they are; unknown codes get DEFAULT_MATTER_WEIGHT.
MATTER_WEIGHTS = {
    "juzhu-qinshu-zhengming": 12,
    "yibao-canbao": 8,
    "jiating-kunnan-zhengming": 7,
    "dianbiao-anzhuang": 6,
    "gaoling-jintie": 6,
    "yanglao-canbao": 6,
    "yiliao-jiuzhu": 5,
    "dibao": 4,
    "gengdi-butie": 4,
    "yanglao-daiyu": 4,
    "yibao-lingxing-baoxiao": 4,
    "linshi-jiuzhu": 3,
    "canji-zheng": 2,
    "canji-liangxiang-butie": 2,
    "linmu-caifa": 2,
    "zhaijidi-jianfang": 2,
    "renmin-tiaojie": 2,
    "weifang-gaizao": 1.5,
    "yishiyiyi-gaizhang": 1.5,
    "tekun-gongyang": 1,
    "tudi-chengbao-tiaojie": 1,
    "falv-yuanzhu": 1,
}
DEFAULT_MATTER_WEIGHT = 2
# Villages by desk order: the near, big ones bring more cases.
VILLAGE_WEIGHTS = [3.0, 2.4, 2.0, 1.8, 1.6, 1.4, 1.3, 1.2, 1.1, 1.0, 0.9, 0.8, 0.7]
OLD_AGE_MATTERS = {"gaoling-jintie"}  # the applicant is 80 or older

SURNAMES = "黄黄黄韦韦韦农农覃覃陆陆蓝梁梁李莫马邓卢周赵何凌廖黎冯潘闭零许罗谭宁苏"
GIVEN = "秀美丽春海建国志明文德永福玉兰桂芳小红振华海燕雪梅立新晓慧敏必刘向勇军平强英凤琼桃金银宝贵荣"
PHONE_PREFIXES = [
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "155",
    "156", "157", "158", "159", "177", "180", "181", "182", "183", "186", "187", "188", "189", "198", "199",
]  # fmt: skip

DONE_OUTCOMES = [
    "材料齐全，审核通过",
    "已核实，同意办理",
    "已录入系统并告知申请人",
    "已出具证明并盖章",
    "审核通过，转下一环节",
    "经入户核实，符合条件",
]
COUNTY_OUTCOMES = ["县里已审核通过", "已核发", "审核通过，按月发放", "已办结，结果已告知申请人"]
REJECT_REASONS = [
    "不符合申请条件",
    "经核实，家庭收入超过标准",
    "非本镇户籍，请到户籍所在地办理",
    "提供的材料与实际情况不符",
    "已享受同类待遇，不能重复申请",
]
WITHDRAW_REASONS = ["群众申请撤回", "已通过其他渠道办理", "暂不办理，以后再申请", "未能补齐材料，群众自愿撤回"]
BAD_REASONS = ["slow", "trips", "attitude", "unclear", "result"]  # Rating.Reason values a villager ticks
REFUSE_REASON = "一次性告知的补正材料在补正期限内未补齐，不予受理；补齐后可重新申请"
RETURN_REASONS = ["村委证明内容不完整，请补充核实", "上一环节审核意见缺少签字", "证明事项与申请不符，请重新核实"]
SKIP_REASONS = ["该环节已在县里一并办理", "部门意见已书面提交，不再到窗口"]
NOTES = ["申请人行动不便，由家属代办", "电话联系时请说壮话", "已电话告知补交时间", "申请人为低保户"]
P_RATED = 0.55  # finished cases the villager rates
P_RATED_AT_DESK = 0.6
RATING_LEVELS = [5, 4, 3, 2, 1]
RATING_WEIGHTS = [62, 26, 8, 3, 1]  # about the article's 96% satisfied
RATING_WEIGHTS_REJECTED = [15, 30, 30, 15, 10]
RATING_COMMENTS = {
    5: ["一趟就办好了，感谢！", "村干部在大厅帮忙，很方便", "不用跑县城了"],
    4: ["办得挺快", "态度好"],
    3: ["等的时间有点长"],
    2: ["来回跑了两趟", "窗口人少，排队久"],
    1: ["材料一次没说清楚", "办理太慢"],
}
RECTIFICATION_DAYS = 15
RECTIFICATION_ACTIONS = ["已约谈窗口经办人，规范一次性告知", "已调整圩日窗口人手", "已向群众说明办理时限并道歉"]
MEDIATION_OUTCOMES = [MediationOutcome.SUCCESS, MediationOutcome.FAILED, MediationOutcome.REFERRED]
MEDIATION_WEIGHTS = [75, 15, 10]
MEDIATION_NOTES = {
    MediationOutcome.SUCCESS: "双方达成调解协议",
    MediationOutcome.FAILED: "双方意见分歧较大，已告知申请仲裁或诉讼的途径",
    MediationOutcome.REFERRED: "已转县司法局处理",
}
APPOINTMENT_TIMES = [dt.time(9, 30), dt.time(10, 0), dt.time(10, 30), dt.time(14, 30), dt.time(15, 0)]
CONSULTATION_TOPICS = [
    (Consultation.Topic.WELFARE, 5),
    (Consultation.Topic.SOCIAL_SECURITY, 5),
    (Consultation.Topic.CERTIFICATE, 4),
    (Consultation.Topic.LAND, 3),
    (Consultation.Topic.AGRICULTURE, 3),
    (Consultation.Topic.DISPUTE, 2),
    (Consultation.Topic.UTILITY, 2),
    (Consultation.Topic.MISSING_MATERIALS, 3),
    (Consultation.Topic.OTHER, 2),
]


# --- time ------------------------------------------------------------------------------------------------------


class WorkDays:
    """The working days of `cases.calendar` for a whole span at once (one query, then bisect): the calendar that
    `cases.workflow.deadline` counts on here, so generated due dates follow the product's own rule."""

    def __init__(self, start: dt.date, end: dt.date, tz: dt.tzinfo):
        overrides = dict(Holiday.objects.filter(date__gte=start, date__lte=end).values_list("date", "kind"))
        self.tz = tz
        self.days: list[dt.date] = []
        day = start
        while day <= end:
            kind = overrides.get(day)
            if kind == Holiday.Kind.WORKDAY or (kind != Holiday.Kind.HOLIDAY and day.weekday() < 5):
                self.days.append(day)
            day += dt.timedelta(days=1)

    def local(self, moment: dt.datetime) -> dt.date:
        return moment.astimezone(self.tz).date()

    def nth(self, day: dt.date, n: int) -> dt.date:
        """n == 0: the first working day on or after `day`; n > 0: the n-th working day after it."""
        i = bisect.bisect_left(self.days, day) if n == 0 else bisect.bisect_right(self.days, day) + n - 1
        return self.days[min(i, len(self.days) - 1)]

    def between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Like `cases.calendar.working_days_between`."""
        first, last = self.local(start), self.local(end)
        if last <= first:
            return 0
        return bisect.bisect_right(self.days, last) - bisect.bisect_right(self.days, first)

    def at(self, day: dt.date, rng: random.Random, start=(8, 30), end=(17, 30)) -> dt.datetime:
        minute = rng.randint(start[0] * 60 + start[1], end[0] * 60 + end[1])
        return dt.datetime.combine(day, dt.time(minute // 60, minute % 60, rng.randint(0, 59)), tzinfo=self.tz)

    def after(self, moment: dt.datetime, workdays: int, rng: random.Random) -> dt.datetime:
        """A plausible time `workdays` working days later (minutes later for 0)."""
        if workdays <= 0:
            return moment + dt.timedelta(minutes=rng.randint(5, 150), seconds=rng.randint(0, 59))
        later = self.at(self.nth(self.local(moment), workdays), rng)
        return max(later, moment + dt.timedelta(minutes=1))


# --- who and what ----------------------------------------------------------------------------------------------


@dataclass
class StepTemplate:
    kind: str
    department_id: int | None
    desk_department_id: int | None
    department_name: str
    action: str
    time_limit_days: int
    county_mode: str
    label: str


@dataclass
class MatterInfo:
    matter: Matter
    steps: list[StepTemplate]
    materials: list[dict]
    first_department_id: int | None


@dataclass
class People:
    """Who acts at each desk: (user id, name) pairs."""

    cadres: dict[int, list[tuple[int, str]]]
    clerks: dict[int, list[tuple[int, str]]]
    officers: dict[int, list[tuple[int, str]]]
    office: list[tuple[int, str]]

    def cadre(self, rng, village_id):
        return rng.choice(self.cadres.get(village_id) or self.office)

    def clerk(self, rng, department_id):
        return rng.choice(self.clerks.get(department_id) or self.office)

    def officer(self, rng, department_id, desk_department_id):
        return rng.choice(self.officers.get(department_id) or self.clerks.get(desk_department_id) or self.office)


@dataclass
class Plan:
    """One case as it stands now: the rows to write, with steps referred to by their index."""

    case: dict
    steps: list[dict]
    events: list[tuple] = field(default_factory=list)  # (action, at, (user id, name), step index, from, to, note)
    seals: list[tuple] = field(default_factory=list)  # (step index, at, (user id, name))
    appointments: list[dict] = field(default_factory=list)  # with "step": index
    rating: dict | None = None
    rectification: dict | None = None
    current: int | None = None  # index of the active step of an open case


class Stop(Exception):
    """The case's life reached the present: it stays open as it is."""


class Life:
    """Plays one case forward from intake, as the services would, until it closes or reaches `now`."""

    def __init__(self, gen: "Generator", rng: random.Random, info: MatterInfo, village: Village, received_at):
        self.g, self.rng, self.info, self.village = gen, rng, info, village
        self.cal = gen.cal
        self.now = gen.now
        self.state = S.RECEIVED
        self.paused_from = ""
        self.paused_at = None
        self.closed_at = None
        self.closing_reason = ""
        self.mediation_outcome = ""
        self.returned = False
        self.steps = [
            {
                "order": i + 1,
                "kind": t.kind,
                "department_id": t.department_id,
                "desk_department_id": t.desk_department_id,
                "action": t.action,
                "time_limit_days": t.time_limit_days,
                "county_mode": t.county_mode,
                "state": SS.PENDING,
                "started_at": None,
                "due_on": None,
                "due_at": None,
                "accepted_at": None,
                "accepted_by_id": None,
                "finished_at": None,
                "finished_by_id": None,
                "outcome": "",
                "return_count": 0,
            }
            for i, t in enumerate(info.steps)
        ]
        self.plan = Plan(case={}, steps=self.steps)
        self.received_at = received_at
        self.accepted_at = received_at  # 受理 at intake, unless it opens awaiting materials (run)
        promised = workflow.deadline(received_at, info.matter.promised_days, calendar=self.cal)
        self.expected_on, self.expected_at = promised.due_on, promised.overdue_at

    # the services' moves --------------------------------------------------------------------------------------

    def event(self, action, at, actor, step=None, from_state="", to_state="", note=""):
        self.plan.events.append((action, at, actor, step, from_state, to_state, note))

    def move(self, move, at, actor, step=None, note="") -> None:
        """Like services._core.transition: the workflow gives the new state, the history records the move."""
        before = self.state
        accepted = self.accepted_at is not None
        self.state = workflow.enter(before, move, paused_from=self.paused_from, accepted=accepted)
        self.event(workflow.MOVES[move].event, at, actor, step, before, self.state, note)

    def end_step(self, i: int, move, at, actor, outcome: str, **fields) -> None:
        """Like services._core.finish_step, without the hand-on (the caller advances)."""
        step = self.steps[i]
        step.update(
            state=workflow.step_after(step["state"], move),
            finished_at=at,
            finished_by_id=actor[0],
            outcome=outcome,
            **fields,
        )
        self.move(move, at, actor, i, outcome)

    def check(self, moment: dt.datetime) -> dt.datetime:
        if moment > self.now:
            raise Stop
        return moment

    def activate(self, i: int, at, actor) -> None:
        step = self.steps[i]
        step.update(
            state=workflow.step_started(step["state"]),
            started_at=at,
            due_on=(due := workflow.deadline(at, step["time_limit_days"], calendar=self.cal)).due_on,
            due_at=due.overdue_at,
            accepted_at=None,
            accepted_by_id=None,
            finished_at=None,
            finished_by_id=None,
        )
        self.current = i
        if step["kind"] == CaseStep.Kind.COUNTY and step["county_mode"] == Matter.CountyMode.REFERRAL:
            note = _("Approved form to be taken to %(department)s.") % {"department": self.info.steps[i].label}
            self.move(M.REFER, at, actor, i, note)

    def advance(self, i: int, at, actor) -> None:
        nxt = next(
            (j for j in range(i + 1, len(self.steps)) if self.steps[j]["state"] in workflow.NEXT_STEP_FROM), None
        )
        if nxt is None:
            self.move(M.FINISH, at, actor)
            self.closed_at = at
            self.current = None
            return
        before = self.state
        self.state = workflow.enter(before, M.NEXT_STEP)
        self.activate(nxt, at, actor)
        self.event(A.STEP_STARTED, at, actor, nxt, before, self.state, self.info.steps[nxt].label)

    def close(self, i: int, at, actor, move, reason: str) -> None:
        """Like services.closing: 不予受理/不予办理 (M.REJECT) or withdrawn (M.WITHDRAW)."""
        self.end_step(i, move, at, actor, reason)
        self.closed_at = at
        self.closing_reason = reason
        self.current = None
        self.paused_at = None
        self.paused_from = ""

    def request_materials(self, i: int, at, actor, missing: str) -> None:
        self.paused_from = self.state
        self.paused_at = at
        self.move(M.REQUEST_MATERIALS, at, actor, i, missing)

    def wait_for_materials(self, i: int, actor) -> bool:
        """The villager brings them (the clock restarts) or gives up (withdrawn). False when the case closed."""
        brought_at = self.check(self.cal.after(self.paused_at, self.rng.randint(1, 8), self.rng))
        if self.rng.random() < P_NEVER_BROUGHT:
            if self.accepted_at is None and self.rng.random() < 0.5:
                # Never accepted, and the 补正期限 passed: 不予受理.
                self.close(i, brought_at, actor, M.REFUSE, REFUSE_REASON)
            else:
                self.close(i, brought_at, actor, M.WITHDRAW, WITHDRAW_REASONS[3])
            return False
        waited = self.cal.between(self.paused_at, brought_at)
        step = self.steps[i]
        if waited:
            due = workflow.extended(step["due_on"], waited, calendar=self.cal)
            step["due_on"], step["due_at"] = due.due_on, due.overdue_at
            promised = workflow.extended(self.expected_on, waited, calendar=self.cal)
            self.expected_on, self.expected_at = promised.due_on, promised.overdue_at
        self.missing_ids = set()
        if self.accepted_at is None:
            self.accepted_at = brought_at
        note = _("Clock stopped for %(days)s working day(s).") % {"days": waited}
        self.move(M.MATERIALS_BROUGHT, brought_at, actor, i, note)
        self.paused_from, self.paused_at = "", None
        self.cursor = brought_at
        return True

    # the life -------------------------------------------------------------------------------------------------

    def work_days(self, limit: int) -> int:
        r = self.rng.random()
        if r < P_STUCK:
            return limit + self.rng.randint(10, 60)
        if r < P_OVERDUE:
            return limit + self.rng.randint(1, 5)
        return int(limit * self.rng.random() ** 1.5 + 0.5) if limit else 0

    def run(self, receiver, intake_department_id, open_awaiting: bool) -> Plan:
        self.current = None
        self.missing_ids: set[int] = set()
        t = self.received_at
        self.state = ""
        self.move(M.OPEN, t, receiver, None, self.info.matter.name)
        self.activate(0, t, receiver)
        self.move(M.FIRST_STEP, t, receiver, 0, self.info.steps[0].label)
        self.cursor = t
        try:
            if open_awaiting:
                self.accepted_at = None
                required = [m for m in self.info.materials if m["required"]]
                missing = self.rng.sample(required, k=min(len(required), self.rng.choice((1, 1, 2))))
                self.missing_ids = {m["id"] for m in missing}
                self.request_materials(0, t, receiver, "、".join(m["name"] for m in missing))
                self.wait_for_materials(0, receiver)
            while self.state in Case.OPEN_STATES:
                i = self.current
                kind = self.steps[i]["kind"]
                if kind == CaseStep.Kind.VILLAGE:
                    self.village_step(i)
                elif kind == CaseStep.Kind.DEPARTMENT:
                    self.department_step(i)
                elif self.steps[i]["county_mode"] == Matter.CountyMode.APPOINTMENT:
                    self.appointment_step(i)
                else:
                    self.referral_step(i)
        except Stop:
            pass
        return self.finish(receiver, intake_department_id)

    def village_step(self, i: int) -> None:
        step, rng = self.steps[i], self.rng
        actor = self.g.people.cadre(rng, self.village.pk)
        end = self.check(self.cal.after(self.cursor, self.work_days(step["time_limit_days"]), rng))
        fate = rng.random()
        if fate < P_REJECT:
            self.close(i, end, actor, M.REJECT, rng.choice(REJECT_REASONS))
            return
        if fate < P_REJECT + P_WITHDRAW:
            self.close(i, end, actor, M.WITHDRAW, rng.choice(WITHDRAW_REASONS[:3]))
            return
        outcome = _("Facts verified; village certificate stamped.")
        self.plan.seals.append((i, end, actor))
        self.end_step(
            i,
            M.STAMP,
            end,
            actor,
            outcome,
            accepted_at=step["accepted_at"] or end,
            accepted_by_id=step["accepted_by_id"] or actor[0],
        )
        self.advance(i, end, actor)
        self.cursor = end

    def department_step(self, i: int) -> None:
        step, rng, template = self.steps[i], self.rng, self.info.steps[i]
        actor = self.g.people.clerk(rng, template.department_id)
        accepted = self.check(self.cal.after(self.cursor, int(rng.random() < P_NOT_ACCEPTED_SAME_DAY), rng))
        step.update(accepted_at=accepted, accepted_by_id=actor[0])
        self.move(M.ACCEPT, accepted, actor, i)
        self.cursor = accepted
        if rng.random() < P_REQUEST_MATERIALS:
            asked = self.check(self.cal.after(accepted, 0, rng))
            self.request_materials(i, asked, actor, rng.choice(["户口簿复印件", "医疗费用票据原件", "收入证明"]))
            if not self.wait_for_materials(i, actor):
                return
        end = self.check(self.cal.after(self.cursor, self.work_days(step["time_limit_days"]), rng))
        fate = rng.random()
        if fate < P_REJECT:
            self.close(i, end, actor, M.REJECT, rng.choice(REJECT_REASONS))
            return
        fate -= P_REJECT
        if fate < P_WITHDRAW:
            self.close(i, end, actor, M.WITHDRAW, rng.choice(WITHDRAW_REASONS[:3]))
            return
        fate -= P_WITHDRAW
        previous = next((j for j in range(i - 1, -1, -1) if self.steps[j]["state"] == SS.DONE), None)
        if fate < P_RETURN and previous is not None and not self.returned:
            self.returned = True
            step.update(state=workflow.step_after(step["state"], M.RETURN), return_count=step["return_count"] + 1)
            self.activate(previous, end, actor)
            self.move(M.RETURN, end, actor, previous, rng.choice(RETURN_REASONS))
            self.cursor = end
            return
        fate -= P_RETURN
        if fate < P_SKIP and self.g.people.office:
            office = rng.choice(self.g.people.office)
            reason = rng.choice(SKIP_REASONS)
            self.end_step(i, M.SKIP, end, office, reason)
            self.advance(i, end, office)
            self.cursor = end
            return
        outcome = rng.choice(DONE_OUTCOMES)
        is_last_desk = not any(s.kind == CaseStep.Kind.DEPARTMENT for s in self.info.steps[i + 1 :])
        if self.info.matter.category == Matter.Category.DISPUTE and is_last_desk:
            # The last desk of a dispute records how the mediation ended, like services.step_complete.
            self.mediation_outcome = rng.choices(MEDIATION_OUTCOMES, weights=MEDIATION_WEIGHTS)[0]
            outcome = f"{MediationOutcome(self.mediation_outcome).label}：{MEDIATION_NOTES[self.mediation_outcome]}"
        self.end_step(i, M.COMPLETE, end, actor, outcome)
        self.advance(i, end, actor)
        self.cursor = end

    def desk_actor(self, i: int):
        desk = self.steps[i]["desk_department_id"]
        return self.g.people.clerk(self.rng, desk) if desk else self.g.people.cadre(self.rng, self.village.pk)

    def appointment_step(self, i: int) -> None:
        step, rng, template = self.steps[i], self.rng, self.info.steps[i]
        desk = self.desk_actor(i)
        officer = self.g.people.officer(rng, template.department_id, template.desk_department_id)
        booked = self.check(self.cal.after(self.cursor, rng.randint(0, 1), rng))
        for attempt in range(3):
            day = self.g.market_day_on_or_after(self.cal.local(booked) + dt.timedelta(days=3))
            when = rng.choice(APPOINTMENT_TIMES)
            place = _("Town service hall")
            appointment = {
                "step": i,
                "department_id": template.department_id,
                "date": day,
                "time": when,
                "place": place,
                "state": Appointment.State.BOOKED,
                "booked_by_id": desk[0],
                "booked_at": booked,
                "confirmed_by_id": None,
                "confirmed_at": None,
                "finished_at": None,
                "note": "",
            }
            self.plan.appointments.append(appointment)
            note = f"{template.department_name} {day:%Y-%m-%d} {when:%H:%M} {place}"
            self.move(M.BOOK, booked, desk, i, note)
            self.cursor = booked
            starts = dt.datetime.combine(day, when, tzinfo=self.cal.tz)
            confirmed = self.check(min(self.cal.after(booked, 1, rng), starts - dt.timedelta(hours=1)))
            appointment.update(state=Appointment.State.CONFIRMED, confirmed_by_id=officer[0], confirmed_at=confirmed)
            self.move(M.CONFIRM, confirmed, officer, i, f"{day:%Y-%m-%d} {when:%H:%M}")
            self.cursor = confirmed
            ended = self.check(starts + dt.timedelta(minutes=rng.randint(20, 150)))
            if attempt < 2 and rng.random() < P_NO_SHOW:
                appointment.update(state=Appointment.State.NO_SHOW, finished_at=ended, note="群众未到场")
                self.move(M.NO_SHOW, ended, officer, i, "群众未到场")
                booked = self.check(self.cal.after(ended, 1, rng))
                continue
            outcome = rng.choice(COUNTY_OUTCOMES)
            appointment.update(state=Appointment.State.DONE, finished_at=ended, note=outcome)
            self.end_step(i, M.APPOINTMENT_DONE, ended, officer, outcome, accepted_at=step["accepted_at"] or ended)
            self.advance(i, ended, officer)
            self.cursor = ended
            return

    def referral_step(self, i: int) -> None:
        step, rng = self.steps[i], self.rng
        desk = self.desk_actor(i)
        end = self.check(self.cal.after(self.cursor, self.work_days(step["time_limit_days"]), rng))
        outcome = rng.choice(COUNTY_OUTCOMES)
        self.end_step(i, M.COUNTY_OUTCOME, end, desk, outcome, accepted_at=step["accepted_at"] or end)
        self.advance(i, end, desk)
        self.cursor = end

    def rate(self, applicant_name: str) -> None:
        """好差评 of a finished case, and the rectification a bad one opens (as services.rating_submit)."""
        rng = self.rng
        if not workflow.allows(self.state, M.RATE, accepted=True) or rng.random() >= P_RATED:
            return
        at_desk = rng.random() < P_RATED_AT_DESK
        if at_desk:
            rated_at = self.closed_at + dt.timedelta(minutes=rng.randint(1, 20))
            recorder = self.g.people.cadre(rng, self.village.pk)
        else:
            rated_at = self.cal.after(self.closed_at, rng.randint(0, 5), rng)
            recorder = None
        if rated_at > self.now:
            return
        weights = RATING_WEIGHTS_REJECTED if self.state in (S.REJECTED, S.REFUSED) else RATING_WEIGHTS
        level = rng.choices(RATING_LEVELS, weights=weights)[0]
        # A 差评 says why (国办发〔2019〕51号), as services.ratings.rating_submit requires.
        reasons = []
        if level <= Rating.Level.DISSATISFIED:
            reasons = sorted(rng.sample(BAD_REASONS, k=rng.choice((1, 1, 2))), key=Rating.Reason.values.index)
        self.plan.rating = {
            "level": level,
            "reasons": reasons,
            "comment": rng.choice(RATING_COMMENTS[level]) if rng.random() < 0.3 else "",
            "channel": Rating.Channel.DESK if at_desk else Rating.Channel.QR,
            "rated_at": rated_at,
            "recorded_by_id": recorder[0] if recorder else None,
        }
        label = str(Rating.Level(level).label)
        if reasons:
            label = f"{label}：{'、'.join(str(Rating.Reason(r).label) for r in reasons)}"
        self.move(M.RATE, rated_at, recorder or NOBODY, None, label)
        if level > Rating.Level.DISSATISFIED:
            return
        finished = [(s["finished_at"], s["order"], s) for s in self.steps if s["finished_at"] is not None]
        last = max(finished, key=lambda item: item[:2])[2] if finished else None
        department_id = None
        if last is not None and last["kind"] == CaseStep.Kind.COUNTY:
            department_id = last["desk_department_id"] or last["department_id"]
        elif last is not None:
            department_id = last["department_id"]
        due = workflow.deadline(rated_at, RECTIFICATION_DAYS, calendar=self.cal)
        rectification = {
            "town_id": self.village.town_id,
            "department_id": department_id,
            "village_id": self.village.pk,
            "opened_at": rated_at,
            "due_on": due.due_on,
            "due_at": due.overdue_at,
        }
        done_at = self.cal.after(rated_at, rng.randint(1, RECTIFICATION_DAYS + 8), rng)
        if done_at <= self.now and rng.random() < 0.9:
            doer = (
                self.g.people.clerk(rng, department_id)
                if department_id
                else recorder or self.g.people.cadre(rng, self.village.pk)
            )
            action = rng.choice(RECTIFICATION_ACTIONS)
            rectification.update(
                action_taken=action,
                callback_note=f"已电话回访{applicant_name[:1]}**，群众表示理解",
                callback_at=done_at,
                callback_result="satisfied",
                done_at=done_at,
                done_by_id=doer[0],
            )
            note = _("%(action)s (follow-up call: %(result)s)") % {"action": action, "result": _("Satisfied")}
            self.move(M.RECTIFY, done_at, doer, None, note)
        self.plan.rectification = rectification

    def finish(self, receiver, intake_department_id) -> Plan:
        rng, info = self.rng, self.info
        applicant_name = self.g.name(rng)
        parties = ""
        if info.matter.category == Matter.Category.DISPUTE:
            other = self.g.name(rng)
            phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            parties = f"申请人：{applicant_name}；被申请人：{other}（{phone}）"
        self.rate(applicant_name)
        self.plan.current = self.current if self.state in Case.OPEN_STATES else None
        kinds = {t.kind for t in info.steps}
        materials = info.materials
        if self.missing_ids:
            materials = [{**m, "received": m["id"] not in self.missing_ids} for m in materials]
        self.plan.case = {
            "matter_id": info.matter.pk,
            "result_delivery": info.matter.result_delivery,
            "village_id": self.village.pk,
            "hamlet_id": rng.choice(self.g.hamlets[self.village.pk])
            if self.g.hamlets.get(self.village.pk) and rng.random() < P_HAMLET
            else None,
            "applicant_name": applicant_name,
            "applicant_id_number": self.g.id_number(rng, self.received_at, info.matter.code),
            "applicant_phone": rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}",
            "notes": rng.choice(NOTES) if rng.random() < P_NOTES else "",
            "materials": materials,
            "state": self.state,
            "paused_from": self.paused_from,
            "paused_at": self.paused_at,
            "received_at": self.received_at,
            "received_by_id": receiver[0],
            "intake_department_id": intake_department_id,
            "expected_on": self.expected_on,
            "accepted_at": self.accepted_at,
            "expected_at": self.expected_at,
            "closed_at": self.closed_at,
            "closing_reason": self.closing_reason,
            "version": len(self.plan.events),
            "is_joint": {CaseStep.Kind.VILLAGE, CaseStep.Kind.DEPARTMENT} <= kinds,
            "had_materials_round": any(event[0] == CaseEvent.Action.MATERIALS_REQUESTED for event in self.plan.events),
            "county_mode": next((s["county_mode"] for s in self.plan.steps if s["kind"] == CaseStep.Kind.COUNTY), ""),
            "parties": parties,
            "mediation_outcome": self.mediation_outcome,
            **self.proxy(receiver, intake_department_id),
        }
        return self.plan

    def proxy(self, receiver, intake_department_id) -> dict:
        """代办 as cases.services.intake.proxy_fields records it: the cadre who took it in, or a relative."""
        rng = self.rng
        draw = rng.random()
        if draw < P_PROXY_CADRE and intake_department_id is None:
            return {"proxy": Proxy.CADRE, "proxy_name": receiver[1]}
        if draw < P_PROXY_CADRE + P_PROXY_RELATIVE:
            return {
                "proxy": Proxy.RELATIVE,
                "proxy_name": self.g.name(rng),
                "proxy_id_number": self.g.id_number(rng, self.received_at, ""),
                "proxy_relation": rng.choice(PROXY_RELATIONS),
            }
        return {}


# --- the generator ---------------------------------------------------------------------------------------------


class _Event:
    """A history row without the model's weight; signed by the model's own code, so the chain is the real one."""

    def __init__(self, **fields):
        self.__dict__.update(fields)

    payload = CaseEvent.payload
    compute_hash = CaseEvent.compute_hash


class Inserter:
    """`bulk_create` everywhere; on PostgreSQL, COPY (several times faster: no per-value preparation in the ORM, no
    giant INSERT statement). Rows are dicts keyed by attname, with their id when it was reserved."""

    def __init__(self):
        self.copy = connection.vendor == "postgresql"

    def reserve(self, model, count: int) -> list[int]:
        """Ids for rows to be inserted in this transaction, so rows can point at each other before they exist."""
        if not count:
            return []
        table, pk = model._meta.db_table, model._meta.pk.column
        with connection.cursor() as cursor:
            if self.copy:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, count]
                )
                return [value for (value,) in cursor.fetchall()]
            # SQLite: the settings take the write lock at BEGIN, so nobody else can insert until we commit.
            quote = connection.ops.quote_name
            cursor.execute(f"SELECT COALESCE(MAX({quote(pk)}), 0) FROM {quote(table)}")
            first = cursor.fetchone()[0] + 1
            return list(range(first, first + count))

    def insert(self, model, rows: list[dict]) -> None:
        if not rows:
            return
        if not self.copy:
            model.objects.bulk_create([model(**row) for row in rows], batch_size=1000)
            return
        from psycopg.types.json import Jsonb

        fields = [f for f in model._meta.concrete_fields if not f.primary_key or f.attname in rows[0]]
        defaults = {f.attname: f.get_default() for f in fields}
        json = {f.attname for f in fields if isinstance(f, JSONField)}
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(
                    [
                        Jsonb(row.get(f.attname, defaults[f.attname]))
                        if f.attname in json
                        else row.get(f.attname, defaults[f.attname])
                        for f in fields
                    ]
                )


class Generator:
    def __init__(self, *, town: Town, years: float, rng: random.Random):
        self.town, self.rng = town, rng
        self.tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        self.now = timezone.now().astimezone(self.tz)
        self.today = self.now.date()
        self.start = self.today - dt.timedelta(days=round(365.25 * years))
        self.cal = WorkDays(self.start - dt.timedelta(days=7), self.today + dt.timedelta(days=800), self.tz)
        self.market_days = self._market_days(self.start, self.today + dt.timedelta(days=800))
        self.villages = list(Village.objects.filter(town=town).order_by("desk_order", "pk"))
        if not self.villages:
            raise CommandError(f"Town {town.code} has no villages.")
        self.hamlets: dict[int, list[int]] = defaultdict(list)
        for hamlet_id, village_id in Hamlet.objects.filter(village__town=town).values_list("pk", "village_id"):
            self.hamlets[village_id].append(hamlet_id)
        self.matters = self._catalogue()
        self.people = self._people()
        self.inserter = Inserter()
        self.village_names = {v.pk: v.name for v in self.villages}
        self.matter_names = {m.matter.pk: m.matter.name for m in self.matters}
        self.matter_weights = list(
            _accumulate(MATTER_WEIGHTS.get(m.matter.code, DEFAULT_MATTER_WEIGHT) for m in self.matters)
        )
        self.village_weights = list(
            _accumulate(VILLAGE_WEIGHTS[i % len(VILLAGE_WEIGHTS)] for i in range(len(self.villages)))
        )
        self._intake_days()

    # reference data -------------------------------------------------------------------------------------------

    def _market_days(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """The town's recorded market days, and every third day where none are recorded (the usual 圩期)."""
        known = sorted(
            MarketDay.objects.filter(town=self.town, is_cancelled=False, date__gte=start, date__lte=end).values_list(
                "date", flat=True
            )
        )
        anchor = dt.date(2015, 1, 1)
        cycle = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
        cycle = [d for d in cycle if (d - anchor).days % 3 == 0]
        if not known:
            return cycle
        return [d for d in cycle if d < known[0]] + known + [d for d in cycle if d > known[-1]]

    def market_day_on_or_after(self, day: dt.date) -> dt.date:
        i = bisect.bisect_left(self.market_days, day)
        return self.market_days[i] if i < len(self.market_days) else day

    def _catalogue(self) -> list[MatterInfo]:
        matters = (
            Matter.objects.filter(town=self.town, is_active=True)
            .select_related("county_department")
            .prefetch_related("route__department", "materials")
            .order_by("pk")
        )
        village_label = str(_("Village certificate"))
        infos = []
        for matter in matters:
            steps = []
            if matter.needs_village_certificate:
                steps.append(
                    StepTemplate(
                        CaseStep.Kind.VILLAGE,
                        None,
                        None,
                        "",
                        _("Verify the facts and stamp the village certificate"),
                        matter.village_time_limit_days,
                        "",
                        village_label,
                    )
                )
            last_department = None
            for route_step in sorted(matter.route.all(), key=lambda r: r.order):
                department = route_step.department
                steps.append(
                    StepTemplate(
                        CaseStep.Kind.DEPARTMENT,
                        department.pk,
                        None,
                        department.name,
                        route_step.action,
                        route_step.time_limit_days,
                        "",
                        department.name,
                    )
                )
                last_department = department
            if matter.county_mode:
                county = matter.county_department
                steps.append(
                    StepTemplate(
                        CaseStep.Kind.COUNTY,
                        county.pk,
                        last_department.pk if last_department else None,
                        county.name,
                        matter.county_action or str(matter.get_county_mode_display()),
                        matter.county_time_limit_days,
                        matter.county_mode,
                        county.name,
                    )
                )
            if not steps:
                continue
            materials = [
                {
                    "id": m.pk,
                    "name": m.name,
                    "form": str(m.get_form_display()),
                    "copies": m.copies,
                    "required": m.is_required,
                    "received": True,
                }
                for m in sorted(matter.materials.all(), key=lambda m: (m.order, m.pk))
            ]
            first_department = next((s.department_id for s in steps if s.kind == CaseStep.Kind.DEPARTMENT), None)
            infos.append(MatterInfo(matter, steps, materials, first_department))
        if not infos:
            raise CommandError(f"Town {self.town.code} has no published matter with a route.")
        return infos

    def _people(self) -> People:
        def grouped(rows):
            result: dict[int, list[tuple[int, str]]] = defaultdict(list)
            for key, user_id, name, username in rows:
                result[key].append((user_id, name or username))
            return dict(result)

        cadres = grouped(
            VillageCadre.objects.filter(village__town=self.town, is_active=True).values_list(
                "village_id", "user_id", "user__name", "user__username"
            )
        )
        members = DepartmentMember.objects.filter(is_active=True).values_list(
            "department_id", "user_id", "user__name", "user__username"
        )
        clerks = grouped(members.filter(role=DepartmentMember.Role.CLERK, department__town=self.town))
        officers = grouped(members.filter(role=DepartmentMember.Role.COUNTY_OFFICER))
        office = [
            (user_id, name or username)
            for user_id, name, username in TownStaff.objects.filter(
                town=self.town, role=TownStaff.Role.OFFICE, is_active=True
            ).values_list("user_id", "user__name", "user__username")
        ]
        if not office:
            user = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
            user = user or get_user_model().objects.order_by("pk").first()
            if user is None:
                raise CommandError("No users to act in the cases: run seed_demo first.")
            office = [(user.pk, user.get_full_name())]
        return People(cadres, clerks, officers, office)

    # applicants -----------------------------------------------------------------------------------------------

    def name(self, rng: random.Random) -> str:
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2, 2))))

    def id_number(self, rng: random.Random, received_at: dt.datetime, matter_code: str) -> str:
        """GB 11643: the county code at birth (天等县 was 452131 before 2002), birth date, sequence, check digit."""
        year = received_at.year
        age = rng.randint(80, 98) if matter_code in OLD_AGE_MATTERS else int(rng.triangular(18, 88, 45))
        birth = dt.date(year - age, 1, 1) + dt.timedelta(days=rng.randrange(365))
        area = "452131" if birth.year < 2002 else "451425"
        body = f"{area}{birth:%Y%m%d}{rng.randrange(1000):03d}"
        return body + ric.calc_check_digit(body + "0")

    # when cases come ------------------------------------------------------------------------------------------

    def _intake_days(self) -> None:
        market = set(self.market_days)
        working = set(self.cal.days)
        days, weights = [], []
        span = max((self.today - self.start).days, 1)
        day = self.start
        while day <= self.today:
            base = 5.0 if day in market else (1.0 if day in working else 0.15)
            days.append(day)
            weights.append(base * (0.75 + 0.5 * (day - self.start).days / span))  # a slowly busier hall
            day += dt.timedelta(days=1)
        self.days = days
        self.cum_weights = list(_accumulate(weights))

    def intake_times(self, count: int) -> list[dt.datetime]:
        """`count` intake moments, oldest first: office hours, mostly market days, none in the future."""
        rng = self.rng
        times = []
        for day in rng.choices(self.days, cum_weights=self.cum_weights, k=count):
            moment = self.cal.at(day, rng, (8, 40), (16, 30))
            if moment >= self.now:
                moment = self.now - dt.timedelta(minutes=rng.randint(1, 90), seconds=rng.randint(0, 59))
            times.append(moment)
        times.sort()
        return times

    # one case -------------------------------------------------------------------------------------------------

    def plan(self, received_at: dt.datetime) -> Plan:
        rng = self.rng
        village = rng.choices(self.villages, cum_weights=self.village_weights)[0]
        info = rng.choices(self.matters, cum_weights=self.matter_weights)[0]
        intake_department_id = None
        if info.steps[0].kind != CaseStep.Kind.VILLAGE and info.first_department_id and rng.random() < P_DESK_INTAKE:
            intake_department_id = info.first_department_id
            receiver = self.people.clerk(rng, intake_department_id)
        else:
            receiver = self.people.cadre(rng, village.pk)
        open_awaiting = rng.random() < P_OPEN_AWAITING and any(m["required"] for m in info.materials)
        return Life(self, rng, info, village, received_at).run(receiver, intake_department_id, open_awaiting)

    # writing --------------------------------------------------------------------------------------------------

    def write(self, plans: list[Plan], counters: dict[dt.date, int]) -> tuple[int, int]:
        """One batch, one transaction. Returns (steps, events) written."""
        town, inserter = self.town, self.inserter
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # Synthetic rows: a crash may lose the last batches, never corrupt; commits stop waiting for the disk.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            # Ids first: a case points at its current step, events at steps, and each chain's hash covers the ids.
            case_ids = inserter.reserve(Case, len(plans))
            step_ids = iter(inserter.reserve(CaseStep, sum(len(plan.steps) for plan in plans)))
            rating_ids = iter(inserter.reserve(Rating, sum(1 for plan in plans if plan.rating)))
            touched: set[dt.date] = set()
            key_id = history_keys.current_key_id()  # signed like the services sign: HMAC under the current key
            cases, steps, events, seals, appointments, ratings, rectifications = [], [], [], [], [], [], []
            for case_id, plan in zip(case_ids, plans, strict=True):
                day = plan.case["received_at"].astimezone(self.tz).date()
                counters[day] = counters.get(day, 0) + 1
                touched.add(day)
                number = f"{town.code}-{day:%Y%m%d}-{counters[day]:04d}"
                ids = [next(step_ids) for _ in plan.steps]
                steps += [
                    {**step, "id": pk, "case_id": case_id, "town_id": town.pk, "village_id": plan.case["village_id"]}
                    for pk, step in zip(ids, plan.steps, strict=True)
                ]
                prev = ""
                for seq, (action, at, actor, index, from_state, to_state, note) in enumerate(plan.events, 1):
                    event = _Event(
                        case_id=case_id,
                        seq=seq,
                        at=at.astimezone(UTC),  # as it reads back from the database: the hash covers it
                        actor_id=actor[0],
                        actor_name=actor[1],
                        action=action,
                        step_id=ids[index] if index is not None else None,
                        from_state=from_state,
                        to_state=to_state,
                        note=note,
                        prev_hash=prev,
                        key_id=key_id,
                    )
                    event.hash = prev = event.compute_hash()
                    events.append(event.__dict__)
                cases.append(
                    {
                        **plan.case,
                        "id": case_id,
                        "number": number,
                        "token": secrets.token_urlsafe(24),
                        "town_id": town.pk,
                        "current_step_id": ids[plan.current] if plan.current is not None else None,
                        "history_length": len(plan.events),
                        "history_head": prev,
                    }
                )
                village, matter = self.village_names[plan.case["village_id"]], self.matter_names[plan.case["matter_id"]]
                for index, at, actor in plan.seals:
                    seals.append(
                        {
                            "village_id": plan.case["village_id"],
                            "seal": _("%(village)s villagers' committee seal") % {"village": village},
                            "case_id": case_id,
                            "step_id": ids[index],
                            "used_by_id": actor[0],
                            "used_at": at,
                            "purpose": _("Village certificate for %(matter)s, case %(number)s")
                            % {"matter": matter, "number": number},
                        }
                    )
                for appointment in plan.appointments:
                    row = {key: value for key, value in appointment.items() if key != "step"}
                    appointments.append({**row, "case_id": case_id, "step_id": ids[appointment["step"]]})
                if plan.rating:
                    rating_id = next(rating_ids)
                    ratings.append({**plan.rating, "id": rating_id, "case_id": case_id, "town_id": town.pk})
                    if plan.rectification:
                        rectifications.append({**plan.rectification, "rating_id": rating_id})
            # Foreign keys are checked at commit (Django makes them deferrable), so the order is free.
            inserter.insert(Case, cases)
            inserter.insert(CaseStep, steps)
            inserter.insert(CaseEvent, events)
            inserter.insert(SealUse, seals)
            inserter.insert(Appointment, appointments)
            inserter.insert(Rating, ratings)
            inserter.insert(Rectification, rectifications)
            CaseCounter.objects.bulk_create(
                [CaseCounter(town=town, date=day, last=counters[day]) for day in sorted(touched)],
                update_conflicts=True,
                unique_fields=["town", "date"],
                update_fields=["last"],
            )
        return len(steps), len(events)

    def consultations(self, count: int, batch: int) -> None:
        rng = self.rng
        topics, weights = zip(*CONSULTATION_TOPICS, strict=True)
        for start in range(0, count, batch):
            rows = []
            for moment in self.intake_times(min(batch, count - start)):
                village = (
                    rng.choices(self.villages, cum_weights=self.village_weights)[0] if rng.random() < 0.9 else None
                )
                who = self.people.cadre(rng, village.pk) if village else rng.choice(self.people.office)
                rows.append(
                    {
                        "town_id": self.town.pk,
                        "village_id": village.pk if village else None,
                        "topic": rng.choices(topics, weights=weights)[0],
                        "people": rng.choices((1, 2, 3, 4, 6), weights=(80, 12, 5, 2, 1))[0],
                        "recorded_at": moment,
                        "recorded_by_id": who[0],
                    }
                )
            with transaction.atomic():
                self.inserter.insert(Consultation, rows)


def _accumulate(values):
    total = 0.0
    for value in values:
        total += value
        yield total


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class Command(BaseCommand):
    help = "Top a town up to N realistic synthetic cases (steps, history, appointments, seals) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, required=True, help="Total number of cases the town should have.")
        parser.add_argument("--years", type=float, default=4, help="Spread intake over this many past years.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (the data's shape, not its tokens).")
        parser.add_argument("--town", default=None, help=f"Town code (default: {DEMO_TOWN_CODE} or the first town).")
        parser.add_argument("--batch", type=int, default=5000, help="Cases per transaction.")
        parser.add_argument("--no-consultations", action="store_true", help="Do not add consultations.")

    def handle(self, *args, **options):
        if options["cases"] < 0 or options["years"] <= 0 or options["batch"] < 1:
            raise CommandError("--cases must be ≥ 0, --years > 0 and --batch ≥ 1.")
        if not Town.objects.exists():
            call_command("seed_demo", if_empty=True, stdout=self.stdout)
        code = options["town"]
        town = Town.objects.filter(code=code or DEMO_TOWN_CODE).first() or (
            None if code else Town.objects.order_by("code").first()
        )
        if town is None:
            raise CommandError(f"No town with code {code}.")
        with translation.override(settings.LANGUAGE_CODE):
            self.generate(town, options)

    def generate(self, town: Town, options) -> None:
        target, batch = options["cases"], options["batch"]
        existing = Case.objects.filter(town=town).count()
        missing = max(target - existing, 0)
        consultations_missing = 0
        if not options["no_consultations"]:
            consultations_missing = max(target // 3 - Consultation.objects.filter(town=town).count(), 0)
        if not missing and not consultations_missing:
            self.stdout.write(f"generate_load_data: {town.name} already has {existing} cases; nothing to add.")
            return
        rng = random.Random(f"{options['seed']}:{town.code}:{existing}")
        generator = Generator(town=town, years=options["years"], rng=rng)
        self.stdout.write(
            f"generate_load_data: {town.name} has {existing} cases; adding {missing} over {options['years']} years"
            f" and {consultations_missing} consultations."
        )
        counters = dict(CaseCounter.objects.filter(town=town).values_list("date", "last"))
        started = time.monotonic()
        states: Counter = Counter()
        totals = Counter()
        intake = generator.intake_times(missing)
        for start in range(0, missing, batch):
            plans = [generator.plan(moment) for moment in intake[start : start + batch]]
            steps, events = generator.write(plans, counters)
            states.update(plan.case["state"] for plan in plans)
            totals.update(cases=len(plans), steps=steps, events=events)
            done = start + len(plans)
            elapsed = time.monotonic() - started
            rate = done / elapsed if elapsed else 0
            eta = (missing - done) / rate if rate else 0
            self.stdout.write(
                f"  {existing + done:>8} cases ({done / missing:6.1%} of this run) · {totals['steps']} steps · "
                f"{totals['events']} events · {rate:,.0f} cases/s · ETA {_duration(eta)}"
            )
            self.stdout.flush()
        if consultations_missing:
            generator.consultations(consultations_missing, batch * 4)
        elapsed = time.monotonic() - started
        summary = ", ".join(f"{state} {n}" for state, n in states.most_common())
        self.stdout.write(
            self.style.SUCCESS(
                f"generate_load_data: added {totals['cases']} cases ({summary}), {totals['steps']} steps, "
                f"{totals['events']} events, {consultations_missing} consultations in {_duration(elapsed)}; "
                f"{town.name} now has {existing + totals['cases']} cases."
            )
        )
        # History was written into past months: their stored figures (stats.tally) are counted again. By name, as
        # the statistics app sits above this one.
        call_command("stats_store", town=town.code, rebuild=True, stdout=self.stdout)
