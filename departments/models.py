from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    """A desk a case can pass through: a town department, a utility in the hall, or a county department."""

    class Level(models.TextChoices):
        TOWN = "town", _("Town department")
        UTILITY = "utility", _("Utility desk")
        COUNTY = "county", _("County department")

    name = models.CharField(_("name"), max_length=50)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    town = models.ForeignKey(
        "villages.Town",
        on_delete=models.PROTECT,
        related_name="departments",
        null=True,
        blank=True,
        verbose_name=_("town"),
        help_text=_("Town departments and utility desks belong to a town; county departments do not."),
    )
    county = models.CharField(_("county"), max_length=50)
    desk_label = models.CharField(
        _("hall desk label"),
        max_length=30,
        blank=True,
        help_text=_("Shown on the desk sign and the hall board."),
    )
    desk_order = models.PositiveSmallIntegerField(_("desk order"), default=0)
    duties = models.CharField(_("duties"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    full_name = models.CharField(
        _("full name as signed"),
        max_length=100,
        blank=True,
        help_text=_("As it signs papers, e.g. 进结镇民政办, 天等县进结供电所, 天等县民政局; empty means town + name."),
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["level", "desk_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(level="county", town__isnull=True) | (Q(town__isnull=False) & ~Q(level="county"))),
                name="department_town_matches_level",
            ),
            models.UniqueConstraint(
                fields=["town", "name"],
                condition=Q(town__isnull=False),
                name="department_unique_name_in_town",
            ),
            models.UniqueConstraint(
                fields=["county", "name"],
                condition=Q(level="county"),
                name="department_unique_name_in_county",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def issuer(self) -> str:
        """Its full name on a paper."""
        if self.full_name:
            return self.full_name
        if self.town_id:
            return f"{self.town.name}{self.name}"
        # 县民政局 of 天等县 signs as 天等县民政局, not 天等县县民政局.
        return (
            f"{self.county}{self.name.removeprefix('县')}"
            if self.county.endswith("县")
            else f"{self.county}{self.name}"
        )

    @property
    def is_government_body(self) -> bool:
        """A town or county government department (its decisions carry 行政复议 and 行政诉讼); a utility desk
        (供电所, 自来水) is not, and its refusals carry only the complaint channel."""
        return self.level != self.Level.UTILITY

    @property
    def is_county(self) -> bool:
        return self.level == self.Level.COUNTY


class DepartmentMember(models.Model):
    class Role(models.TextChoices):
        CLERK = "clerk", _("Clerk")
        COUNTY_OFFICER = "county_officer", _("County officer")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="department_memberships",
        verbose_name=_("user"),
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="members", verbose_name=_("department")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CLERK)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department member")
        verbose_name_plural = _("department members")
        ordering = ["department", "user__name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "department"], name="member_unique_user_department"),
        ]

    def __str__(self) -> str:
        return f"{self.department.name} {self.user.get_full_name()}"

    def clean(self) -> None:
        if not self.department_id:
            return
        is_county = self.department.level == Department.Level.COUNTY
        if self.role == self.Role.COUNTY_OFFICER and not is_county:
            raise ValidationError({"role": _("A county officer must belong to a county department.")})
        if self.role == self.Role.CLERK and is_county:
            raise ValidationError({"role": _("Members of a county department are county officers.")})


class VisitRound(models.Model):
    """A county department's planned visit to a town's hall on one of its market days (下乡办理): who goes and why.
    The county officer plans it against the appointments booked for that hall and day; a planned round can be
    changed or cancelled, never deleted."""

    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        CANCELLED = "cancelled", _("Cancelled")

    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="visit_rounds", verbose_name=_("county department")
    )
    town = models.ForeignKey(
        "villages.Town", on_delete=models.PROTECT, related_name="visit_rounds", verbose_name=_("town hall")
    )
    date = models.DateField(_("market day"))
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="visit_rounds", blank=True, verbose_name=_("who goes")
    )
    note = models.TextField(_("note"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PLANNED)
    # Raised by every change: a form carries the version it was drawn from, and a stale one is refused.
    version = models.PositiveIntegerField(_("version"), default=1)
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("planned by")
    )
    planned_at = models.DateTimeField(_("planned at"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last changed by"),
    )
    changed_at = models.DateTimeField(_("last changed at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("visit round")
        verbose_name_plural = _("visit rounds")
        ordering = ["date", "town"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "town", "date"],
                condition=Q(state="planned"),
                name="visitround_one_planned_per_hall_day",
            ),
        ]
        indexes = [models.Index(fields=["department", "date"], name="visitround_department_date")]

    def __str__(self) -> str:
        return f"{self.department} {self.town} {self.date:%Y-%m-%d}"

    @property
    def is_planned(self) -> bool:
        return self.state == self.State.PLANNED
