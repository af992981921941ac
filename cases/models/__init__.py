from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .. import workflow


class Matter(models.Model):
    """One entry of the service guide (办事指南): what a villager can apply for and how it travels."""

    class Category(models.TextChoices):
        CERTIFICATE = "certificate", _("Certificate")
        WELFARE = "welfare", _("Welfare and assistance")
        PERMIT = "permit", _("Permit and approval")
        SERVICE = "service", _("Service")
        DISPUTE = "dispute", _("Dispute mediation")

    class Kind(models.TextChoices):
        SAME_DAY = "same_day", _("Same-day matter")
        PROMISED = "promised", _("Promised-time matter")

    class CountyMode(models.TextChoices):
        NONE = "", _("No county step")
        APPOINTMENT = "appointment", _("Appointment at the hall")
        REFERRAL = "referral", _("Referral to the county office")
        SUBMISSION = "submission", _("Sent up by the town")

    class Delivery(models.TextChoices):
        DESK = "desk", _("Collected at the hall desk")
        VILLAGE = "village", _("Brought back by the village cadre")
        MAIL = "mail", _("Sent by post")
        NOTICE = "notice", _("Notified by text message")

    town = models.ForeignKey("villages.Town", on_delete=models.PROTECT, related_name="matters", verbose_name=_("town"))
    code = models.SlugField(_("code"), max_length=30, unique=True, help_text=_("Used in the guide's address."))
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PROMISED)
    promised_days = models.PositiveSmallIntegerField(
        _("promised working days"), default=0, help_text=_("Total promised time; 0 for same-day matters.")
    )
    needs_village_certificate = models.BooleanField(_("needs village certificate"), default=True)
    village_time_limit_days = models.PositiveSmallIntegerField(
        _("village certificate time limit (working days)"), default=0, help_text=_("0 means the same day.")
    )
    summary = models.CharField(_("summary"), max_length=200, blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    fee = models.CharField(_("fee"), max_length=100, default="免费")
    # 办事指南 (the national service-guide fields): the legal time limit beside the promised one, what the villager
    # gets and how, how many times they must come, and how long they have to bring missing materials.
    legal_days = models.PositiveSmallIntegerField(
        _("legal time limit (working days)"), default=0, help_text=_("0 when no law sets one.")
    )
    correction_days = models.PositiveSmallIntegerField(
        _("time to bring missing materials (working days)"),
        default=5,
        help_text=_("补正期限 printed on the one-time notice."),
    )
    result_name = models.CharField(_("result"), max_length=100, blank=True, help_text=_("办理结果, e.g. 低保证"))
    result_delivery = models.CharField(
        _("how the result is delivered"), max_length=10, choices=Delivery.choices, default=Delivery.DESK
    )
    visits = models.PositiveSmallIntegerField(
        _("visits needed"), default=1, help_text=_("到现场次数: 0 or 1 (one trip instead of many).")
    )
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    county_department = models.ForeignKey(
        "departments.Department",
        on_delete=models.PROTECT,
        related_name="county_matters",
        null=True,
        blank=True,
        verbose_name=_("county department"),
    )
    county_mode = models.CharField(
        _("county step"), max_length=12, choices=CountyMode.choices, default=CountyMode.NONE, blank=True
    )
    county_action = models.CharField(_("county step: what it does"), max_length=100, blank=True)
    county_time_limit_days = models.PositiveSmallIntegerField(_("county step time limit (working days)"), default=0)
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)
    is_active = models.BooleanField(_("published"), default=True)

    class Meta:
        verbose_name = _("matter")
        verbose_name_plural = _("matters (service guide)")
        ordering = ["category", "display_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(county_mode="", county_department__isnull=True))
                | (Q(county_mode__in=["appointment", "referral", "submission"], county_department__isnull=False)),
                name="matter_county_step_complete",
            ),
            models.CheckConstraint(
                condition=Q(kind="promised") | Q(promised_days=0), name="matter_same_day_has_no_days"
            ),
            models.CheckConstraint(condition=Q(visits__lte=1), name="matter_at_most_one_visit"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cases:guide_detail", kwargs={"code": self.code})

    def clean(self) -> None:
        errors = {}
        if self.kind == self.Kind.SAME_DAY and self.promised_days:
            errors["promised_days"] = _("A same-day matter has no promised days.")
        if self.kind == self.Kind.PROMISED and not self.promised_days:
            errors["promised_days"] = _("A promised-time matter needs its promised working days.")
        if self.county_mode and not self.county_department_id:
            errors["county_department"] = _("A county step needs a county department.")
        if self.county_department_id and not self.county_mode:
            errors["county_mode"] = _("Choose appointment, referral or sending up for the county step.")
        if self.county_department_id and self.county_department.level != "county":
            errors["county_department"] = _("The county step must go to a county-level department.")
        if self.county_mode and self.county_time_limit_days < 1:
            # The county office decides after the town has finished: not on the same day by rule.
            errors["county_time_limit_days"] = _(
                "A county step needs the county office's time limit (1 working day or more)."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def is_same_day(self) -> bool:
        return self.kind == self.Kind.SAME_DAY

    @property
    def has_county_step(self) -> bool:
        return bool(self.county_mode)


class RouteStep(models.Model):
    """One town desk on a matter's route, in order."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="route", verbose_name=_("matter"))
    order = models.PositiveSmallIntegerField(_("order"))
    department = models.ForeignKey(
        "departments.Department",
        on_delete=models.PROTECT,
        related_name="route_steps",
        verbose_name=_("department"),
    )
    action = models.CharField(_("what it does"), max_length=100)
    time_limit_days = models.PositiveSmallIntegerField(
        _("time limit (working days)"), default=0, help_text=_("0 means the same day.")
    )

    class Meta:
        verbose_name = _("route step")
        verbose_name_plural = _("route steps")
        ordering = ["matter", "order"]
        constraints = [
            models.UniqueConstraint(fields=["matter", "order"], name="routestep_unique_order"),
            models.CheckConstraint(condition=Q(order__gte=1), name="routestep_order_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.department} — {self.action}"

    def clean(self) -> None:
        if not self.department_id:
            return
        if self.department.level == "county":
            raise ValidationError(
                {"department": _("A town route step must be a town department or utility desk, not a county one.")}
            )
        if self.matter_id and self.department.town_id != self.matter.town_id:
            raise ValidationError({"department": _("The department belongs to another town.")})


class Material(models.Model):
    """A document the villager must bring (一次性告知)."""

    class Form(models.TextChoices):
        ORIGINAL = "original", _("Original")
        COPY = "copy", _("Copy")
        BOTH = "both", _("Original and copy")

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="materials", verbose_name=_("matter"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=100)
    form = models.CharField(_("form"), max_length=10, choices=Form.choices, default=Form.ORIGINAL)
    copies = models.PositiveSmallIntegerField(_("copies"), default=1)
    is_required = models.BooleanField(_("required"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["matter", "order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(copies__gte=1), name="material_at_least_one_copy"),
        ]

    def __str__(self) -> str:
        return self.name


class Holiday(models.Model):
    """The town office's calendar: days off that would be working days, and make-up working days (调休)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday (no work)")
        WORKDAY = "workday", _("Make-up working day")

    class Source(models.TextChoices):
        NATIONAL = "national", _("National (imported)")
        REGIONAL = "regional", _("Regional day")
        MANUAL = "manual", _("Entered by hand")

    date = models.DateField(_("date"), unique=True)
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
        ordering = ["date"]

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
        return reverse("cases:detail", kwargs={"number": self.number})

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
            models.Index(
                fields=["department", "started_at"], condition=Q(state="active"), name="casestep_active_queue"
            ),
            models.Index(
                fields=["desk_department", "started_at"],
                condition=Q(state="active"),
                name="casestep_active_county",
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
    "mask_id_number",
    "mask_name",
]
