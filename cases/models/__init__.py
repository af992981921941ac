from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .. import workflow
from .catalogue import (  # noqa: F401 — the catalogue, re-exported
    Material,
    Matter,
    RouteStep,
    TemplateMaterial,
    TemplateMatter,
    TemplateRouteStep,
)


class Holiday(models.Model):
    """The holiday calendar: days off that would be working days, and make-up working days (调休).

    Shared rows (town empty) are the national days every town keeps, imported from the State Council's calendar, and
    days a superuser sets for the whole deployment; a town's own rows are the days where that town differs (a local
    festival, a day the county gives off). On a date with both, the town's row decides for that town
    (cases.calendar.WorkCalendar)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday (no work)")
        WORKDAY = "workday", _("Make-up working day")

    class Source(models.TextChoices):
        NATIONAL = "national", _("National (imported)")
        REGIONAL = "regional", _("Regional day")
        MANUAL = "manual", _("Entered by hand")

    town = models.ForeignKey(
        "villages.Town",
        on_delete=models.PROTECT,
        related_name="holidays",
        null=True,
        blank=True,
        verbose_name=_("town"),
        help_text=_("Empty: a day of every town (the national calendar). A town's own day applies to it alone."),
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.HOLIDAY)
    name = models.CharField(_("name"), max_length=50, blank=True)
    # The import of the national calendar (cases.holidays) rewrites only its own rows, never a regional or hand-entered
    # day: those are the town office's decisions.
    source = models.CharField(
        _("source"),
        max_length=10,
        choices=Source.choices,
        default=Source.MANUAL,
        help_text=_(
            "National days come from the import of the State Council's calendar and are replaced by the next import. "
            "Regional days are Guangxi's own: 壮族三月三 (the third day of the third lunar month) and the days "
            "around it that the region gives off. The import never changes a regional or hand-entered day."
        ),
    )

    class Meta:
        verbose_name = _("holiday calendar day")
        verbose_name_plural = _("holiday calendar")
        ordering = ["date", "town"]
        constraints = [
            models.UniqueConstraint(
                fields=["date"],
                condition=Q(town__isnull=True),
                name="holiday_unique_shared_date",
                violation_error_message=_(
                    "The shared calendar already has an entry on this date; change that one instead."
                ),
            ),
            models.UniqueConstraint(
                fields=["town", "date"],
                condition=Q(town__isnull=False),
                name="holiday_unique_town_date",
                violation_error_message=_("The town already has an entry on this date; change that one instead."),
            ),
            models.CheckConstraint(
                condition=Q(town__isnull=True) | ~Q(source="national"), name="holiday_national_is_shared"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}".strip()


class CaseCounter(models.Model):
    """The last case number given out per town and day; locked at intake so numbers never repeat or skip."""

    town = models.ForeignKey("villages.Town", on_delete=models.PROTECT, related_name="+", verbose_name=_("town"))
    date = models.DateField(_("date"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("case number counter")
        verbose_name_plural = _("case number counters")
        constraints = [models.UniqueConstraint(fields=["town", "date"], name="casecounter_unique_town_date")]

    def __str__(self) -> str:
        return f"{self.town_id} {self.date} {self.last}"


class MediationOutcome(models.TextChoices):
    SUCCESS = "success", _("Mediated successfully")
    FAILED = "failed", _("Mediation failed")
    REFERRED = "referred", _("Referred on")


class Proxy(models.TextChoices):
    """Who carries the matter when the applicant does not (代办). Blank: the applicant in person."""

    CADRE = "cadre", _("by the village cadre")
    RELATIVE = "relative", _("by a relative with written authorisation")


class Case(models.Model):
    """One villager's application (办件)."""

    # The states and what may be done in each are the workflow's (cases.workflow).
    State = workflow.CaseState
    OPEN_STATES = workflow.OPEN_STATES
    CLOSED_STATES = workflow.CLOSED_STATES

    number = models.CharField(_("case number"), max_length=30, unique=True)
    token = models.CharField(_("public token"), max_length=40, unique=True, editable=False)
    town = models.ForeignKey("villages.Town", on_delete=models.PROTECT, related_name="cases", verbose_name=_("town"))
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="cases", verbose_name=_("matter"))
    village = models.ForeignKey(
        "villages.Village", on_delete=models.PROTECT, related_name="cases", verbose_name=_("village")
    )
    hamlet = models.ForeignKey(
        "villages.Hamlet",
        on_delete=models.PROTECT,
        related_name="cases",
        null=True,
        blank=True,
        verbose_name=_("hamlet"),
    )
    applicant_name = models.CharField(_("applicant name"), max_length=50)
    applicant_id_number = models.CharField(_("ID number"), max_length=18)
    applicant_phone = models.CharField(_("mobile phone"), max_length=11)
    notes = models.TextField(_("notes"), blank=True)
    parties = models.TextField(_("parties to the dispute"), blank=True)
    mediation_outcome = models.CharField(
        _("mediation outcome"), max_length=10, choices=MediationOutcome.choices, blank=True
    )
    materials = models.JSONField(_("materials checklist"), default=list, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.RECEIVED)
    paused_from = models.CharField(
        _("state before awaiting"), max_length=12, choices=State.choices, blank=True, editable=False
    )
    paused_at = models.DateTimeField(_("awaiting materials since"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("received by")
    )
    intake_department = models.ForeignKey(
        "departments.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("taken in at department"),
    )
    # The promised date (cases.workflow): `expected_on` is shown, `expected_at` is when the promise is broken.
    expected_on = models.DateField(_("expected completion"), null=True, blank=True)
    expected_at = models.DateTimeField(_("late from"), null=True, blank=True)
    # 受理 (cases.workflow.is_accepted): when the materials were complete — at intake, or when what the one-time
    # notice asked for was brought. Before it a refusal is 不予受理, after it 不予办理.
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closing_reason = models.TextField(_("reason"), blank=True)
    current_step = models.ForeignKey(
        "CaseStep",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("current step"),
    )
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)
    history_length = models.PositiveIntegerField(_("history length"), default=0, editable=False)
    history_head = models.CharField(_("latest history hash"), max_length=64, blank=True, editable=False)
    intake_key = models.UUIDField(_("intake key"), null=True, blank=True, unique=True, editable=False)
    # 一次办结 (stats.figures.one_visit_q) reads these two facts of the case itself, not its history: whether the
    # villager was ever asked to bring missing materials, and the county step's mode (copied at intake, as the steps).
    had_materials_round = models.BooleanField(_("missing materials were asked for"), default=False, editable=False)
    county_mode = models.CharField(
        _("county mode"), max_length=12, choices=Matter.CountyMode.choices, blank=True, editable=False
    )
    # How the result reaches the villager, copied at intake like the county mode: a later catalogue edit must not
    # change whether a case closed last year was 一次办结 (the stored month figures, stats.tally, rely on it).
    result_delivery = models.CharField(
        _("result delivery"), max_length=10, choices=Matter.Delivery.choices, blank=True, editable=False
    )
    # 代办: the matter is carried on the villager's behalf, so the villager need not come (DESIGN "代办").
    proxy = models.CharField(_("handled on behalf by"), max_length=10, choices=Proxy.choices, blank=True)
    proxy_name = models.CharField(_("proxy name"), max_length=50, blank=True)
    proxy_id_number = models.CharField(_("proxy ID number"), max_length=18, blank=True)
    proxy_relation = models.CharField(_("relation to the applicant"), max_length=20, blank=True)
    # The villager said at intake not to send text messages (notices keeps the state of those it sends).
    messages_declined = models.BooleanField(_("declined text messages"), default=False)
    is_joint = models.BooleanField(
        _("village and town together"),
        default=False,
        editable=False,
        help_text=_("Has a village certificate step and a town desk step (村镇联办); fixed at intake."),
    )

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["village", "-received_at"], name="case_village_recent"),
            # Covering indexes: the month's figures and the since-start totals are index-only scans.
            models.Index(
                fields=["town", "received_at"], include=["is_joint", "mediation_outcome"], name="case_town_received"
            ),
            # 受理件数 and the joint cases of a period, and the since-start totals, count by when a case was accepted.
            models.Index(fields=["town", "accepted_at"], include=["is_joint"], name="case_town_accepted"),
            models.Index(fields=["town", "state"], name="case_town_state"),
            # The cases awaiting materials (few): their steps' clocks are stopped, so overdue counts leave them out
            # (cases.workflow.overdue_q) — read index-only, not from every case of the town in that state's index.
            models.Index(fields=["town", "id"], condition=Q(state="awaiting"), name="case_town_awaiting"),
            models.Index(
                fields=["town", "closed_at"],
                include=["state", "received_at", "mediation_outcome"],
                name="case_town_closed_cover",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=models.F("received_at")),
                name="case_closed_after_received",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["completed", "rejected", "refused", "withdrawn"], closed_at__isnull=False)
                | Q(state__in=["received", "in_progress", "awaiting"], closed_at__isnull=True),
                name="case_closed_iff_final",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.matter.name}"

    def get_absolute_url(self) -> str:
        # Positional: Django's reverse() takes some 70 µs with kwargs and 15 µs with args, and the desk and the
        # queue ask it for every row.
        return reverse("cases:detail", args=[self.number])

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def masked_name(self) -> str:
        return mask_name(self.applicant_name)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.applicant_id_number)

    @property
    def masked_phone(self) -> str:
        p = self.applicant_phone
        return f"{p[:3]}****{p[-4:]}" if len(p) == 11 else "****"

    @property
    def proxy_statement(self) -> str:
        """代办 as the papers and the history say it: 代办人 and how (cadre, or relative with their ID masked)."""
        if not self.proxy:
            return ""
        if self.proxy == Proxy.CADRE:
            return _("Handled on the applicant's behalf by the village cadre %(name)s") % {"name": self.proxy_name}
        return _(
            "Handled on the applicant's behalf by %(name)s (%(relation)s, ID number %(id)s), with the applicant's "
            "written authorisation"
        ) % {"name": self.proxy_name, "relation": self.proxy_relation, "id": mask_id_number(self.proxy_id_number)}

    @property
    def missing_materials(self) -> list[str]:
        return [m["name"] for m in self.materials if m.get("required", True) and not m.get("received")]


def mask_name(name: str) -> str:
    """黄必刘 → 黄**: the family name only, as on every public page."""
    return f"{name[:1]}{'*' * max(len(name) - 1, 1)}" if name else ""


def mask_id_number(number: str) -> str:
    """451425********123X: the area code and the last four, nothing of the birth date."""
    return f"{number[:6]}{'*' * (len(number) - 10)}{number[-4:]}" if len(number) == 18 else "*" * len(number)


class CaseStep(models.Model):
    """One station of a case's pipeline, copied from the matter's route at intake."""

    Kind = workflow.StepKind
    State = workflow.StepState

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="steps", verbose_name=_("case"))
    # The case's town and village, copied at intake (they never change): the statistics count steps by town and
    # village without joining every step to its case.
    town = models.ForeignKey(
        "villages.Town", on_delete=models.PROTECT, related_name="+", editable=False, verbose_name=_("town")
    )
    village = models.ForeignKey(
        "villages.Village", on_delete=models.PROTECT, related_name="+", editable=False, verbose_name=_("village")
    )
    order = models.PositiveSmallIntegerField(_("order"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    department = models.ForeignKey(
        "departments.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case_steps",
        verbose_name=_("department"),
        help_text=_("Empty for the village certificate, which belongs to the case's village."),
    )
    desk_department = models.ForeignKey(
        "departments.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="county_desk_steps",
        verbose_name=_("booked by desk"),
        help_text=_("For the county step: the town desk that books the appointment or writes the referral."),
    )
    action = models.CharField(_("what it does"), max_length=100)
    time_limit_days = models.PositiveSmallIntegerField(_("time limit (working days)"), default=0)
    county_mode = models.CharField(_("county mode"), max_length=12, choices=Matter.CountyMode.choices, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    # cases.workflow: `due_on` is the last working day of the limit, `due_at` the moment the step becomes overdue.
    due_on = models.DateField(_("due on"), null=True, blank=True)
    due_at = models.DateTimeField(_("overdue from"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("file received at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("file received by"),
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("finished by"),
    )
    outcome = models.TextField(_("outcome"), blank=True)
    return_count = models.PositiveSmallIntegerField(_("times returned"), default=0)

    class Meta:
        verbose_name = _("case step")
        verbose_name_plural = _("case steps")
        ordering = ["case", "order"]
        constraints = [
            models.UniqueConstraint(fields=["case", "order"], name="casestep_unique_order"),
            models.UniqueConstraint(fields=["case"], condition=Q(state="active"), name="casestep_one_active_per_case"),
            models.CheckConstraint(
                condition=Q(kind="village", department__isnull=True) | Q(department__isnull=False),
                name="casestep_department_unless_village",
            ),
            models.CheckConstraint(
                condition=Q(due_at__isnull=True) | Q(started_at__isnull=True) | Q(due_at__gte=models.F("started_at")),
                name="casestep_due_after_start",
            ),
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True) | Q(finished_at__gte=models.F("started_at")),
                name="casestep_finished_after_start",
            ),
        ]
        indexes = [
            # The open work of a desk, read from the steps active now only (a few thousand, however long the
            # history), and index-only for the counts: a queue, a county hand-on list, a village desk. The columns the
            # counts filter on are carried, so the planner need not fetch every active step of every town.
            models.Index(
                fields=["department", "started_at"],
                include=["kind", "state", "due_at", "accepted_at", "case"],
                condition=Q(state="active"),
                name="casestep_active_queue",
            ),
            models.Index(
                fields=["desk_department", "started_at"],
                include=["kind", "case"],
                condition=Q(state="active"),
                name="casestep_active_county",
            ),
            models.Index(
                fields=["village", "started_at"],
                include=["kind", "desk_department", "case"],
                condition=Q(state="active"),
                name="casestep_active_village",
            ),
            # A town's open work by desk (the hall board's 待办 numbers), not every active step of the county.
            models.Index(
                fields=["town", "kind", "department"],
                condition=Q(state="active"),
                name="casestep_active_town",
            ),
            models.Index(fields=["department", "state"], name="casestep_department_state"),
            models.Index(fields=["due_at"], name="casestep_due"),
            models.Index(fields=["due_on"], name="casestep_due_on"),
            # A period's steps for the report, index-only: due in the period, or finished in it.
            models.Index(
                fields=["town", "due_on"],
                include=["department", "village", "state", "finished_at", "due_at", "case"],
                name="casestep_town_due_cover",
            ),
            models.Index(
                fields=["town", "finished_at"], include=["department", "village", "state"], name="casestep_town_done"
            ),
            # The steps still open (few, however long the history): the report counts those of stored months from
            # their rows (stats.tally), with the ones finished since, from casestep_town_done.
            models.Index(
                fields=["town", "due_on"],
                include=["department", "village", "state", "due_at", "case"],
                condition=Q(finished_at__isnull=True),
                name="casestep_town_open_due",
            ),
            models.Index(fields=["finished_at"], name="casestep_finished"),
            models.Index(fields=["state", "due_at"], name="casestep_state_due"),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} #{self.order} {self.label}"

    @property
    def label(self) -> str:
        if self.kind == self.Kind.VILLAGE:
            return str(_("Village certificate"))
        return self.department.name if self.department_id else self.action

    @property
    def light(self) -> str | None:
        """Green, yellow or red (cases.workflow); None when not running."""
        return workflow.step_light(self)

    @property
    def is_overdue(self) -> bool:
        """Red now, or finished after it became overdue."""
        if self.state == self.State.ACTIVE:
            return self.light == workflow.Light.RED
        return self.finished_at is not None and workflow.is_late(finished_at=self.finished_at, due_at=self.due_at)


class SealUse(models.Model):
    """Each use of a village committee seal: who stamped what, when (用印登记)."""

    village = models.ForeignKey(
        "villages.Village", on_delete=models.PROTECT, related_name="seal_uses", verbose_name=_("village")
    )
    seal = models.CharField(_("seal"), max_length=100)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="seal_uses", verbose_name=_("case"))
    step = models.ForeignKey(CaseStep, on_delete=models.PROTECT, related_name="+", verbose_name=_("step"))
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("used by")
    )
    used_at = models.DateTimeField(_("used at"))
    purpose = models.CharField(_("purpose"), max_length=200)

    class Meta:
        verbose_name = _("seal use")
        verbose_name_plural = _("seal register")
        ordering = ["-used_at"]

    def __str__(self) -> str:
        return f"{self.seal} {self.used_at:%Y-%m-%d %H:%M} {self.purpose}"


class Appointment(models.Model):
    """A county step booked with a county department, normally for a market day at the hall (县级约办)."""

    class State(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CONFIRMED = "confirmed", _("Confirmed")
        DONE = "done", _("Done")
        NO_SHOW = "no_show", _("No-show")
        CANCELLED = "cancelled", _("Cancelled")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("case"))
    step = models.ForeignKey(CaseStep, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("step"))
    department = models.ForeignKey(
        "departments.Department",
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("county department"),
    )
    date = models.DateField(_("date"))
    time = models.TimeField(_("time"))
    place = models.CharField(_("place"), max_length=100)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.BOOKED)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("booked by")
    )
    booked_at = models.DateTimeField(_("booked at"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["date", "time"]
        constraints = [
            models.UniqueConstraint(
                fields=["step"],
                condition=Q(state__in=["booked", "confirmed"]),
                name="appointment_one_open_per_step",
            ),
        ]
        indexes = [models.Index(fields=["department", "date"], name="appointment_department_date")]

    def __str__(self) -> str:
        return f"{self.case.number} {self.department} {self.date}"


# The rest of the app's models, in modules by what they are about. Imported last: they refer to Case and CaseStep.
from .feedback import Rating, RatingAppeal, Rectification  # noqa: E402
from .guesses import GuessCounter  # noqa: E402
from .history import AppendOnlyModel, AppendOnlyQuerySet, CaseEvent, HistoryDigest  # noqa: E402
from .papers import Paper, PaperCounter  # noqa: E402
from .privacy import IdentityReveal  # noqa: E402
from .recount import StaleMonth  # noqa: E402

__all__ = [
    "AppendOnlyModel",
    "AppendOnlyQuerySet",
    "Appointment",
    "Case",
    "CaseCounter",
    "CaseEvent",
    "CaseStep",
    "GuessCounter",
    "HistoryDigest",
    "Holiday",
    "IdentityReveal",
    "Material",
    "Matter",
    "MediationOutcome",
    "Paper",
    "PaperCounter",
    "Rating",
    "RatingAppeal",
    "Rectification",
    "RouteStep",
    "SealUse",
    "StaleMonth",
    "TemplateMaterial",
    "TemplateMatter",
    "TemplateRouteStep",
    "mask_id_number",
    "mask_name",
]
