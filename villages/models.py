import datetime
import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Town(models.Model):
    code = models.CharField(
        _("code"), max_length=12, unique=True, help_text=_("Statistical area code, e.g. 451425102.")
    )
    name = models.CharField(_("name"), max_length=50)
    county = models.CharField(_("county"), max_length=50)
    address = models.CharField(_("hall address"), max_length=200, blank=True)
    phone = models.CharField(_("hall phone"), max_length=30, blank=True)
    intro = models.TextField(_("introduction"), blank=True)
    # Who the town is on paper (GB/T 9704: the issuer's full name, the 发文机关代字 in document numbers) and where a
    # villager can turn: the body that hears 行政复议 against the town, the court for 行政诉讼, the complaint phone.
    government_name = models.CharField(
        _("government's full name"), max_length=100, blank=True, help_text=_("e.g. 天等县进结镇人民政府")
    )
    doc_prefix = models.CharField(
        _("document number prefix"), max_length=10, blank=True, help_text=_("发文机关代字, e.g. 进结")
    )
    review_body = models.CharField(
        _("administrative review body"), max_length=100, blank=True, help_text=_("e.g. 天等县人民政府")
    )
    court_name = models.CharField(
        _("court for litigation"), max_length=100, blank=True, help_text=_("e.g. 天等县人民法院")
    )
    complaint_phone = models.CharField(_("supervision and complaint phone"), max_length=30, blank=True)
    office_hours = models.CharField(
        _("office hours"), max_length=200, blank=True, help_text=_("As the service guide prints them.")
    )
    sign_in_by = models.TimeField(
        _("sign in by"), default=datetime.time(9, 0), help_text=_("Signing in later than this is late (the 9 of 947).")
    )
    sign_out_from = models.TimeField(
        _("sign out from"),
        default=datetime.time(16, 0),
        help_text=_("Signing out earlier than this is leaving early (the 4 of 947)."),
    )

    class Meta:
        verbose_name = _("town")
        verbose_name_plural = _("towns")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def government(self) -> str:
        """The issuer's full name on a town paper."""
        return self.government_name or f"{self.county}{self.name}人民政府"

    @property
    def prefix(self) -> str:
        return self.doc_prefix or self.name.removesuffix("镇").removesuffix("乡")


class Village(models.Model):
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="villages", verbose_name=_("town"))
    code = models.CharField(_("code"), max_length=15, unique=True)
    name = models.CharField(_("name"), max_length=50)
    desk_order = models.PositiveSmallIntegerField(_("desk order"), default=0)
    distance_km = models.DecimalField(_("distance to town (km)"), max_digits=5, decimal_places=1, null=True, blank=True)
    is_sample = models.BooleanField(_("sample name"), default=False, help_text=_("Demo data: not a real village name."))
    committee_name = models.CharField(
        _("villagers' committee's full name"),
        max_length=100,
        blank=True,
        help_text=_("As on its seal; empty means 〈village name〉村民委员会."),
    )
    phone = models.CharField(_("village committee phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        ordering = ["town", "desk_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["town", "name"], name="village_unique_name_in_town"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def committee(self) -> str:
        """The issuer's full name on a village paper (村委证明)."""
        return self.committee_name or f"{self.name}村民委员会"


class Hamlet(models.Model):
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="hamlets", verbose_name=_("village"))
    name = models.CharField(_("name"), max_length=50)
    distance_km = models.DecimalField(
        _("distance to village committee (km)"), max_digits=5, decimal_places=1, null=True, blank=True
    )

    class Meta:
        verbose_name = _("hamlet")
        verbose_name_plural = _("hamlets")
        ordering = ["village", "name"]
        constraints = [
            models.UniqueConstraint(fields=["village", "name"], name="hamlet_unique_name_in_village"),
        ]

    def __str__(self) -> str:
        return f"{self.village.name}{self.name}"


class VillageCadre(models.Model):
    """A user who serves as a cadre of a village committee and may carry its seal to the hall desk."""

    class Title(models.TextChoices):
        SECRETARY = "secretary", _("Party branch secretary")
        DIRECTOR = "director", _("Committee director")
        MEMBER = "member", _("Committee member")
        CLERK = "clerk", _("Village clerk")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="village_memberships",
        verbose_name=_("user"),
    )
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="cadres", verbose_name=_("village"))
    title = models.CharField(_("title"), max_length=20, choices=Title.choices, default=Title.MEMBER)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("village cadre")
        verbose_name_plural = _("village cadres")
        ordering = ["village", "title", "user__name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "village"], name="cadre_unique_user_village"),
        ]

    def __str__(self) -> str:
        return f"{self.village.name} {self.get_title_display()} {self.user.get_full_name()}"


class TownStaff(models.Model):
    """Town office staff and supervisors: the two roles that see the whole town."""

    class Role(models.TextChoices):
        OFFICE = "office", _("Town office")
        SUPERVISOR = "supervisor", _("Supervisor (read-only)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="town_memberships",
        verbose_name=_("user"),
    )
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="staff", verbose_name=_("town"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("town staff")
        verbose_name_plural = _("town staff")
        ordering = ["town", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "town"], name="townstaff_unique_user_town"),
            models.CheckConstraint(condition=Q(role__in=["office", "supervisor"]), name="townstaff_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.town.name} {self.get_role_display()} {self.user.get_full_name()}"


class CountyStaff(models.Model):
    """The county's office (县政务服务中心, 县委办): reads the statistics of every town of its county, side by side —
    never a town's cases or people. `county` is the towns' Town.county (e.g. 天等县)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="county_memberships", verbose_name=_("user")
    )
    county = models.CharField(_("county"), max_length=50)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("county office staff")
        verbose_name_plural = _("county office staff")
        ordering = ["county"]
        constraints = [models.UniqueConstraint(fields=["user", "county"], name="countystaff_unique_user_county")]

    def __str__(self) -> str:
        return f"{self.county} {self.user.get_full_name()}"


class Consultation(models.Model):
    """A visit that opened no case (咨询/来访): counted in the month's visits."""

    class Topic(models.TextChoices):
        CERTIFICATE = "certificate", _("Certificates")
        WELFARE = "welfare", _("Welfare and assistance")
        SOCIAL_SECURITY = "social_security", _("Pensions and medical insurance")
        LAND = "land", _("Land, forests and housing")
        AGRICULTURE = "agriculture", _("Agriculture and subsidies")
        DISPUTE = "dispute", _("Disputes and legal advice")
        UTILITY = "utility", _("Electricity and water")
        MISSING_MATERIALS = "missing_materials", _("Came without all materials")
        OTHER = "other", _("Other")

    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="consultations", verbose_name=_("town"))
    village = models.ForeignKey(
        Village,
        on_delete=models.PROTECT,
        related_name="consultations",
        null=True,
        blank=True,
        verbose_name=_("village"),
    )
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    people = models.PositiveSmallIntegerField(_("number of people"), default=1)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations and visits")
        ordering = ["-recorded_at"]
        constraints = [models.CheckConstraint(condition=Q(people__gte=1), name="consultation_at_least_one_person")]
        indexes = [models.Index(fields=["town", "recorded_at"], include=["people"], name="consultation_town_people")]

    def __str__(self) -> str:
        return f"{self.recorded_at:%Y-%m-%d} {self.get_topic_display()} ×{self.people}"


class MarketDay(models.Model):
    """A date on which the hall runs the station for a town (圩日)."""

    class Source(models.TextChoices):
        RULE = "rule", _("From the schedule")
        MANUAL = "manual", _("Added by hand")

    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="market_days", verbose_name=_("town"))
    date = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.RULE)
    is_cancelled = models.BooleanField(_("cancelled"), default=False)
    note = models.CharField(_("note or reason"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("market day")
        verbose_name_plural = _("market days")
        ordering = ["town", "date"]
        constraints = [models.UniqueConstraint(fields=["town", "date"], name="marketday_unique_town_date")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d}"


class MarketSchedule(models.Model):
    """The rule that generates a town's market days: a fixed cycle, or solar or lunar days of the month."""

    class Kind(models.TextChoices):
        CYCLE = "cycle", _("Every N days from an anchor date")
        SOLAR = "solar", _("Solar days of the month ending in the given digits")
        LUNAR = "lunar", _("Lunar days of the month ending in the given digits")

    town = models.ForeignKey(Town, on_delete=models.CASCADE, related_name="schedules", verbose_name=_("town"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    cycle_days = models.PositiveSmallIntegerField(_("cycle (days)"), null=True, blank=True)
    anchor_date = models.DateField(_("anchor date"), null=True, blank=True)
    digits = models.CharField(
        _("day digits"),
        max_length=20,
        blank=True,
        help_text=_("For example 1,4,7 means the 1st, 4th, 7th, 11th, 14th, 17th, 21st, 24th, 27th (and 31st)."),
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("market-day schedule")
        verbose_name_plural = _("market-day schedules")
        ordering = ["town", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="cycle", cycle_days__isnull=False, cycle_days__gte=1, anchor_date__isnull=False)
                | (Q(kind__in=["solar", "lunar"]) & ~Q(digits="")),
                name="schedule_rule_complete",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="schedule_valid_range",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.CYCLE:
            return _("%(town)s: every %(n)s days from %(anchor)s") % {
                "town": self.town,
                "n": self.cycle_days,
                "anchor": self.anchor_date,
            }
        return f"{self.town}: {self.get_kind_display()} {self.digits}"

    @property
    def digit_parts(self) -> list[str]:
        return [part.strip() for part in re.split(r"[,，、]", self.digits) if part.strip()]

    @property
    def digit_set(self) -> set[int]:
        return {int(part) for part in self.digit_parts if part.isdigit()}

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.kind == self.Kind.CYCLE:
            if not self.cycle_days or not self.anchor_date:
                raise ValidationError(_("A cycle needs its length in days and an anchor date."))
        else:
            parts = self.digit_parts
            if not parts or any(len(part) != 1 or not part.isdigit() for part in parts):
                raise ValidationError({"digits": _("Give digits 0–9 separated by commas, e.g. 1,4,7.")})


class DutyShift(models.Model):
    """One village's desk on one market day: the assigned cadre and the 947 sign-in/sign-out."""

    class Attendance(models.TextChoices):
        ON_TIME = "on_time", _("On time")
        LATE = "late", _("Late")
        EARLY = "early", _("Left early")
        LATE_EARLY = "late_early", _("Late and left early")
        NOT_SIGNED_OUT = "not_signed_out", _("Not signed out")
        LATE_NOT_SIGNED_OUT = "late_not_signed_out", _("Late and not signed out")
        ON_DUTY = "on_duty", _("On duty")
        ABSENT = "absent", _("Absent")
        UPCOMING = "upcoming", _("Upcoming")

    market_day = models.ForeignKey(
        MarketDay, on_delete=models.PROTECT, related_name="shifts", verbose_name=_("market day")
    )
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="shifts", verbose_name=_("village"))
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duty_shifts",
        verbose_name=_("assigned cadre"),
    )
    substitute = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="substitute_shifts",
        verbose_name=_("stood in"),
    )
    signed_in_at = models.DateTimeField(_("signed in at"), null=True, blank=True)
    signed_out_at = models.DateTimeField(_("signed out at"), null=True, blank=True)
    seal_carried = models.BooleanField(_("seal carried"), default=False)
    is_corrected = models.BooleanField(_("corrected by the town office"), default=False)

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty roster")
        ordering = ["market_day", "village__desk_order"]
        constraints = [
            models.UniqueConstraint(fields=["market_day", "village"], name="shift_unique_village_per_market_day"),
            models.CheckConstraint(
                condition=Q(signed_out_at__isnull=True)
                | (Q(signed_in_at__isnull=False) & Q(signed_out_at__gte=models.F("signed_in_at"))),
                name="shift_sign_out_after_sign_in",
            ),
        ]
        indexes = [models.Index(fields=["cadre", "market_day"], name="shift_cadre")]

    def __str__(self) -> str:
        return f"{self.market_day} {self.village}"

    @property
    def on_duty_user(self):
        return self.substitute or self.cadre

    def attendance(self, *, town, now=None) -> str:
        """Judged against the town's times: after sign_in_by is late, before sign_out_from is early leave; a desk
        nobody signed out of is 未签退 once the day is over, never 早退 (villages.attendance, the same rule)."""
        from django.utils import timezone

        now = now or timezone.now()
        day = self.market_day.date
        if self.signed_in_at is None:
            return self.Attendance.ABSENT if timezone.localdate(now) > day else self.Attendance.UPCOMING
        # Judged to the whole second, as shown: 09:00:00.4 reads 09:00:00 and is on time.
        sign_in = timezone.localtime(self.signed_in_at).time().replace(microsecond=0)
        late = sign_in > town.sign_in_by
        if self.signed_out_at is None:
            if timezone.localdate(now) > day:
                return self.Attendance.LATE_NOT_SIGNED_OUT if late else self.Attendance.NOT_SIGNED_OUT
            return self.Attendance.LATE if late else self.Attendance.ON_DUTY
        else:
            early = timezone.localtime(self.signed_out_at).time().replace(microsecond=0) < town.sign_out_from
        if late and early:
            return self.Attendance.LATE_EARLY
        if late:
            return self.Attendance.LATE
        if early:
            return self.Attendance.EARLY
        return self.Attendance.ON_TIME

    def get_attendance_display_for(self, town, now=None) -> str:
        return str(dict(self.Attendance.choices)[self.attendance(town=town, now=now)])


class ShiftCorrection(models.Model):
    """A town office correction of a sign-in record: what changed, why, by whom. Kept, never edited."""

    shift = models.ForeignKey(DutyShift, on_delete=models.PROTECT, related_name="corrections", verbose_name=_("shift"))
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("corrected by")
    )
    corrected_at = models.DateTimeField(_("corrected at"))
    reason = models.CharField(_("reason"), max_length=200)
    old_signed_in_at = models.DateTimeField(_("sign-in before"), null=True, blank=True)
    new_signed_in_at = models.DateTimeField(_("sign-in after"), null=True, blank=True)
    old_signed_out_at = models.DateTimeField(_("sign-out before"), null=True, blank=True)
    new_signed_out_at = models.DateTimeField(_("sign-out after"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in correction")
        verbose_name_plural = _("sign-in corrections")
        ordering = ["-corrected_at"]

    def __str__(self) -> str:
        return f"{self.shift} {self.reason}"


class TownVersion(models.Model):
    """How many committed changes a town's staff pages have seen (villages.page_versions): part of the key their
    cached copy is kept under, so a copy is never served after a change. Only ever incremented, by
    `page_versions`; a missing row is made at 0 when a page first asks."""

    town = models.OneToOneField(Town, on_delete=models.CASCADE, primary_key=True, related_name="pages_version")
    version = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("town pages version")
        verbose_name_plural = _("town pages versions")

    def __str__(self):
        return f"{self.town_id}: {self.version}"
