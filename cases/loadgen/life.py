"""One synthetic case played forward from intake, as the services would play it."""

import datetime as dt
import random
from typing import TYPE_CHECKING

from cases import workflow
from cases.models import (
    Appointment,
    Case,
    CaseEvent,
    CaseStep,
    Matter,
    Proxy,
    Rating,
)
from villages.models import Village

from .records import MatterInfo, Plan
from .shape import (
    APPOINTMENT_TIMES,
    BAD_REASONS,
    COUNTY_OUTCOMES,
    DONE_OUTCOMES,
    MEDIATION_OUTCOMES,
    MEDIATION_WEIGHTS,
    NOBODY,
    NOTES,
    P_HAMLET,
    P_NEVER_BROUGHT,
    P_NO_SHOW,
    P_NOT_ACCEPTED_SAME_DAY,
    P_NOTES,
    P_OVERDUE,
    P_PROXY_CADRE,
    P_PROXY_RELATIVE,
    P_RATED,
    P_RATED_AT_DESK,
    P_REJECT,
    P_REQUEST_MATERIALS,
    P_RETURN,
    P_SKIP,
    P_STUCK,
    P_WITHDRAW,
    PHONE_PREFIXES,
    PROXY_RELATIONS,
    RATING_COMMENTS,
    RATING_LEVELS,
    RATING_WEIGHTS,
    RATING_WEIGHTS_REJECTED,
    RECTIFICATION_ACTIONS,
    RECTIFICATION_DAYS,
    REFUSE_REASON,
    REJECT_REASONS,
    RETURN_REASONS,
    SKIP_REASONS,
    SS,
    WITHDRAW_REASONS,
    A,
    M,
    S,
)

if TYPE_CHECKING:
    from .generator import Generator


class Stop(Exception):
    """The case's life reached the present: it stays open as it is."""


class Life:
    """Plays one case forward from intake, as the services would, until it closes or reaches `now`."""

    def __init__(self, gen: "Generator", rng: random.Random, info: MatterInfo, village: Village, received_at):
        self.g, self.rng, self.info, self.village = gen, rng, info, village
        self.cal = gen.cal
        self.text = gen.text
        self.now = gen.now
        self.state = S.RECEIVED
        self.paused_from = ""
        self.paused_at = None
        self.closed_at = None
        self.closing_reason = ""
        self.mediation_outcome = ""
        self.returned = False
        self.steps = [dict(row) for row in info.step_rows]  # the route copied into steps, each waiting
        self.plan = Plan(case={}, steps=self.steps)
        self.received_at = received_at
        self.accepted_at = received_at  # 受理 at intake, unless it opens awaiting materials (run)
        self.expected_on, self.expected_at = self.cal.deadline(received_at, info.matter.promised_days)

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
        due_on, due_at = self.cal.deadline(at, step["time_limit_days"])
        step.update(
            state=workflow.step_started(step["state"]),
            started_at=at,
            due_on=due_on,
            due_at=due_at,
            accepted_at=None,
            accepted_by_id=None,
            finished_at=None,
            finished_by_id=None,
        )
        self.current = i
        if step["kind"] == CaseStep.Kind.COUNTY and step["county_mode"] == Matter.CountyMode.REFERRAL:
            note = self.text.referred % {"department": self.info.steps[i].label}
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
            step["due_on"], step["due_at"] = self.cal.extended(step["due_on"], waited)
            self.expected_on, self.expected_at = self.cal.extended(self.expected_on, waited)
        self.missing_ids = set()
        if self.accepted_at is None:
            self.accepted_at = brought_at
        note = self.text.clock_stopped % {"days": waited}
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
        outcome = self.text.stamped
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
            outcome = self.text.mediation[self.mediation_outcome]
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
            place = self.text.hall
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
        label = self.text.levels[level]
        if reasons:
            label = f"{label}：{'、'.join(self.text.reasons[r] for r in reasons)}"
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
        due_on, due_at = self.cal.deadline(rated_at, RECTIFICATION_DAYS)
        rectification = {
            "town_id": self.village.town_id,
            "department_id": department_id,
            "village_id": self.village.pk,
            "opened_at": rated_at,
            "due_on": due_on,
            "due_at": due_at,
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
            note = self.text.rectified % {"action": action, "result": self.text.satisfied}
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
