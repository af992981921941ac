"""The catalogue (办事指南): matters, their routes through the desks, and the materials they need."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class MatterFields(models.Model):
    """What a matter says, shared by a town's matter and the county's template of it (TemplateMatter)."""

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
    county_mode = models.CharField(
        _("county step"), max_length=12, choices=CountyMode.choices, default=CountyMode.NONE, blank=True
    )
    county_action = models.CharField(_("county step: what it does"), max_length=100, blank=True)
    county_time_limit_days = models.PositiveSmallIntegerField(_("county step time limit (working days)"), default=0)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=(Q(county_mode="", county_department__isnull=True))
                | (Q(county_mode__in=["appointment", "referral", "submission"], county_department__isnull=False)),
                name="%(class)s_county_step_complete",
            ),
            models.CheckConstraint(
                condition=Q(kind="promised") | Q(promised_days=0), name="%(class)s_same_day_has_no_days"
            ),
            models.CheckConstraint(condition=Q(visits__lte=1), name="%(class)s_at_most_one_visit"),
        ]

    def __str__(self) -> str:
        return self.name

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


class Matter(MatterFields):
    """One entry of a town's service guide (办事指南): what a villager can apply for and how it travels.

    Codes are unique within a town: every town of a county may publish 低保 as `dibao`; every lookup by code names
    the town (cases.selectors.guide_matter, the guide's addresses /<town code>/guide/<code>/)."""

    town = models.ForeignKey("villages.Town", on_delete=models.PROTECT, related_name="matters", verbose_name=_("town"))
    code = models.SlugField(_("code"), max_length=30, help_text=_("Used in the guide's address."))
    county_department = models.ForeignKey(
        "departments.Department",
        on_delete=models.PROTECT,
        related_name="county_matters",
        null=True,
        blank=True,
        verbose_name=_("county department"),
    )
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)
    is_active = models.BooleanField(_("published"), default=True)
    template = models.ForeignKey(
        "TemplateMatter",
        on_delete=models.SET_NULL,
        related_name="adoptions",
        null=True,
        blank=True,
        editable=False,
        verbose_name=_("adopted from the county template"),
    )

    class Meta:
        verbose_name = _("matter")
        verbose_name_plural = _("matters (service guide)")
        ordering = ["category", "display_order", "code"]
        constraints = [
            *MatterFields.Meta.constraints,
            models.UniqueConstraint(
                fields=["town", "code"],
                name="matter_unique_code_in_town",
                violation_error_message=_("The town's catalogue already has a matter with this code."),
            ),
        ]

    def get_absolute_url(self) -> str:
        return reverse("town:guide_detail", kwargs={"town_code": self.town.code, "code": self.code})


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


# --- the county's template catalogue --------------------------------------------------------------------------------


class TemplateMatter(MatterFields):
    """A matter of the county's template catalogue (县级事项模板): written once for the county's towns, adopted by a
    town into its own catalogue (cases.catalogue_template.adopt), then adjusted there. The route names its town
    desks by name (民政办, 供电所…) because every town has its own departments of those names."""

    county = models.CharField(_("county"), max_length=50)
    code = models.SlugField(_("code"), max_length=30, help_text=_("The code the adopted matter keeps in the town."))
    county_department = models.ForeignKey(
        "departments.Department",
        on_delete=models.PROTECT,
        related_name="county_template_matters",
        null=True,
        blank=True,
        verbose_name=_("county department"),
    )
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    class Meta:
        verbose_name = _("county template matter")
        verbose_name_plural = _("county template catalogue")
        ordering = ["county", "category", "display_order", "code"]
        constraints = [
            *MatterFields.Meta.constraints,
            models.UniqueConstraint(
                fields=["county", "code"],
                name="templatematter_unique_code_in_county",
                violation_error_message=_("The county template already has a matter with this code."),
            ),
        ]

    def clean(self) -> None:
        super().clean()
        if self.county_department_id and self.county_department.county != self.county:
            raise ValidationError({"county_department": _("The county department belongs to another county.")})


class TemplateRouteStep(models.Model):
    """One town desk on a template matter's route, by the desk's name in every town."""

    template = models.ForeignKey(
        TemplateMatter, on_delete=models.CASCADE, related_name="route", verbose_name=_("template matter")
    )
    order = models.PositiveSmallIntegerField(_("order"))
    department_name = models.CharField(
        _("town department"), max_length=50, help_text=_("The name of the desk in each town, e.g. 民政办 or 供电所.")
    )
    action = models.CharField(_("what it does"), max_length=100)
    time_limit_days = models.PositiveSmallIntegerField(
        _("time limit (working days)"), default=0, help_text=_("0 means the same day.")
    )

    class Meta:
        verbose_name = _("template route step")
        verbose_name_plural = _("template route steps")
        ordering = ["template", "order"]
        constraints = [
            models.UniqueConstraint(fields=["template", "order"], name="templateroutestep_unique_order"),
            models.CheckConstraint(condition=Q(order__gte=1), name="templateroutestep_order_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.department_name} — {self.action}"


class TemplateMaterial(models.Model):
    """A document the villager must bring, as the county template lists it."""

    template = models.ForeignKey(
        TemplateMatter, on_delete=models.CASCADE, related_name="materials", verbose_name=_("template matter")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=100)
    form = models.CharField(_("form"), max_length=10, choices=Material.Form.choices, default=Material.Form.ORIGINAL)
    copies = models.PositiveSmallIntegerField(_("copies"), default=1)
    is_required = models.BooleanField(_("required"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("template material")
        verbose_name_plural = _("template materials")
        ordering = ["template", "order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(copies__gte=1), name="templatematerial_at_least_one_copy"),
        ]

    def __str__(self) -> str:
        return self.name
