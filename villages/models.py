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

    class Meta:
        verbose_name = _("town")
        verbose_name_plural = _("towns")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Village(models.Model):
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="villages", verbose_name=_("town"))
    code = models.CharField(_("code"), max_length=15, unique=True)
    name = models.CharField(_("name"), max_length=50)
    desk_order = models.PositiveSmallIntegerField(_("desk order"), default=0)
    distance_km = models.DecimalField(_("distance to town (km)"), max_digits=5, decimal_places=1, null=True, blank=True)
    is_sample = models.BooleanField(_("sample name"), default=False, help_text=_("Demo data: not a real village name."))

    class Meta:
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        ordering = ["town", "desk_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["town", "name"], name="village_unique_name_in_town"),
        ]

    def __str__(self) -> str:
        return self.name


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
        indexes = [models.Index(fields=["town", "recorded_at"], name="consultation_town_time")]

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
