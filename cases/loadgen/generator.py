"""A town's synthetic cases: reference data, intake times, and the batches written with COPY."""

import bisect
import datetime as dt
import operator
import random
import secrets
import zoneinfo
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric

from cases import history_keys
from cases.models import (
    Appointment,
    Case,
    CaseCounter,
    CaseEvent,
    CaseStep,
    Matter,
    Rating,
    Rectification,
    SealUse,
)
from departments.models import DepartmentMember
from villages.models import Consultation, Hamlet, MarketDay, Town, TownStaff, Village, VillageCadre

from .life import Life
from .records import MatterInfo, People, Plan, StepTemplate, Texts, WorkDays
from .shape import (
    CONSULTATION_TOPICS,
    DEFAULT_MATTER_WEIGHT,
    GIVEN,
    MATTER_WEIGHTS,
    MEDIATION_NOTES,
    OLD_AGE_MATTERS,
    P_DESK_INTAKE,
    P_OPEN_AWAITING,
    SURNAMES,
    UTC,
    VILLAGE_WEIGHTS,
)
from .writing import Inserter, Table

# --- the generator ---------------------------------------------------------------------------------------------


class _Event:
    """A history row without the model's weight; signed by the model's own code, so the chain is the real one."""

    def __init__(self, **fields):
        self.__dict__.update(fields)

    payload = CaseEvent.payload
    compute_hash = CaseEvent.compute_hash


# The columns of each table in the order `Generator.write` builds its rows (every concrete column: `Table` checks).
STEP_KEYS = (
    "order", "kind", "department_id", "desk_department_id", "action", "time_limit_days", "county_mode", "state",
    "started_at", "due_on", "due_at", "accepted_at", "accepted_by_id", "finished_at", "finished_by_id", "outcome",
    "return_count",
)  # fmt: skip
EVENT_COLUMNS = (
    "case_id", "seq", "at", "actor_id", "actor_name", "action", "step_id", "from_state", "to_state", "note",
    "prev_hash", "hash", "key_id",
)  # fmt: skip
SEAL_COLUMNS = ("village_id", "seal", "case_id", "step_id", "used_by_id", "used_at", "purpose")
APPOINTMENT_KEYS = (
    "department_id", "date", "time", "place", "state", "booked_by_id", "booked_at", "confirmed_by_id", "confirmed_at",
    "finished_at", "note",
)  # fmt: skip


def _every(model) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields)


class Tables:
    """The tables a batch writes, and how a planned step or appointment becomes its row."""

    def __init__(self):
        every = _every
        self.case = Table(Case, every(Case))
        self.step = Table(CaseStep, (*STEP_KEYS, "id", "case_id", "town_id", "village_id"))
        self.event = Table(CaseEvent, EVENT_COLUMNS)
        self.seal = Table(SealUse, SEAL_COLUMNS)
        self.appointment = Table(Appointment, (*APPOINTMENT_KEYS, "case_id", "step_id"))
        self.rating = Table(Rating, every(Rating))
        self.rectification = Table(Rectification, tuple(n for n in every(Rectification) if n != "id"))
        self.consultation = Table(Consultation, tuple(n for n in every(Consultation) if n != "id"))
        self.step_values = operator.itemgetter(*STEP_KEYS)
        self.appointment_values = operator.itemgetter(*APPOINTMENT_KEYS)


class Generator:
    def __init__(self, *, town: Town, years: float, rng: random.Random):
        self.town, self.rng = town, rng
        self.tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        self.now = timezone.now().astimezone(self.tz)
        self.today = self.now.date()
        self.start = self.today - dt.timedelta(days=round(365.25 * years))
        self.cal = WorkDays(self.start - dt.timedelta(days=7), self.today + dt.timedelta(days=800), self.tz, town=town)
        self.market_days = self._market_days(self.start, self.today + dt.timedelta(days=800))
        self.villages = list(Village.objects.filter(town=town).order_by("desk_order", "pk"))
        if not self.villages:
            raise CommandError(f"Town {town.code} has no villages.")
        self.hamlets: dict[int, list[int]] = defaultdict(list)
        for hamlet_id, village_id in Hamlet.objects.filter(village__town=town).values_list("pk", "village_id"):
            self.hamlets[village_id].append(hamlet_id)
        self.matters = self._catalogue()
        self.people = self._people()
        self.tables = Tables()
        self.inserter = Inserter([t.model for t in vars(self.tables).values() if isinstance(t, Table)] + [CaseCounter])
        self.text = Texts(MEDIATION_NOTES)
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
        town, inserter, tables, tz = self.town, self.inserter, self.tables, self.tz
        town_id, code = town.pk, town.code
        step_values, appointment_values, case_row = tables.step_values, tables.appointment_values, tables.case.row
        seal_text, purpose_text = self.text.seal, self.text.seal_purpose
        with inserter.batch():
            # Ids first: a case points at its current step, events at steps, and each chain's hash covers the ids.
            case_ids = inserter.reserve(Case, len(plans))
            step_ids = iter(inserter.reserve(CaseStep, sum(len(plan.steps) for plan in plans)))
            rating_ids = iter(inserter.reserve(Rating, sum(1 for plan in plans if plan.rating)))
            touched: set[dt.date] = set()
            key_id = history_keys.current_key_id()  # signed like the services sign: HMAC under the current key
            cases, steps, events, seals, appointments, ratings, rectifications = [], [], [], [], [], [], []
            for case_id, plan in zip(case_ids, plans, strict=True):
                case = plan.case
                village_id = case["village_id"]
                day = case["received_at"].astimezone(tz).date()
                counters[day] = counters.get(day, 0) + 1
                touched.add(day)
                number = f"{code}-{day:%Y%m%d}-{counters[day]:04d}"
                ids = [next(step_ids) for _ in plan.steps]
                for pk, step in zip(ids, plan.steps, strict=True):
                    steps.append((*step_values(step), pk, case_id, town_id, village_id))
                head = _chain(case_id, key_id, plan.events, ids, events)
                cases.append(
                    case_row(
                        {
                            **case,
                            "id": case_id,
                            "number": number,
                            "token": secrets.token_urlsafe(24),
                            "town_id": town_id,
                            "current_step_id": ids[plan.current] if plan.current is not None else None,
                            "history_length": len(plan.events),
                            "history_head": head,
                        }
                    )
                )
                if plan.seals:
                    seal = seal_text % {"village": self.village_names[village_id]}
                    purpose = purpose_text % {"matter": self.matter_names[case["matter_id"]], "number": number}
                    for index, at, actor in plan.seals:
                        seals.append((village_id, seal, case_id, ids[index], actor[0], at, purpose))
                for appointment in plan.appointments:
                    appointments.append((*appointment_values(appointment), case_id, ids[appointment["step"]]))
                if plan.rating:
                    rating_id = next(rating_ids)
                    rating = {**plan.rating, "id": rating_id, "case_id": case_id, "town_id": town_id}
                    ratings.append(tables.rating.row(rating))
                    if plan.rectification:
                        rectifications.append(tables.rectification.row({**plan.rectification, "rating_id": rating_id}))
            # Foreign keys are checked at commit (Django makes them deferrable), so the order is free.
            inserter.insert(tables.case, cases)
            inserter.insert(tables.step, steps)
            inserter.insert(tables.event, events)
            inserter.insert(tables.seal, seals)
            inserter.insert(tables.appointment, appointments)
            inserter.insert(tables.rating, ratings)
            inserter.insert(tables.rectification, rectifications)
            inserter.referenced(Town, {town_id})
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
                    self.tables.consultation.row(
                        {
                            "town_id": self.town.pk,
                            "village_id": village.pk if village else None,
                            "topic": rng.choices(topics, weights=weights)[0],
                            "people": rng.choices((1, 2, 3, 4, 6), weights=(80, 12, 5, 2, 1))[0],
                            "recorded_at": moment,
                            "recorded_by_id": who[0],
                        }
                    )
                )
            with self.inserter.batch():
                self.inserter.insert(self.tables.consultation, rows)


def _chain(case_id: int, key_id: str, planned: list[tuple], step_ids: list[int], out: list[tuple]) -> str:
    """One case's history rows, each hashed by `CaseEvent.compute_hash` over its predecessor's hash; the head."""
    prev = ""
    event = _Event(case_id=case_id, key_id=key_id)
    for seq, (action, at, (actor_id, actor_name), index, from_state, to_state, note) in enumerate(planned, 1):
        at = at.astimezone(UTC)  # as it reads back from the database: the hash covers it
        step_id = step_ids[index] if index is not None else None
        event.seq, event.at, event.actor_id, event.actor_name, event.action = seq, at, actor_id, actor_name, action
        event.step_id, event.from_state, event.to_state, event.note = step_id, from_state, to_state, note
        event.prev_hash = prev
        digest = event.compute_hash()
        out.append(
            (case_id, seq, at, actor_id, actor_name, action, step_id, from_state, to_state, note, prev, digest, key_id)
        )
        prev = digest
    return prev


def _accumulate(values):
    total = 0.0
    for value in values:
        total += value
        yield total


def duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"
