"""The county's template catalogue (县级事项模板) and a town adopting it (issue 13 point 1).

A county writes its matters once — route by desk name, time limits, county step, materials — and each town adopts
the ones it handles into its own catalogue, where the town office adjusts them like any matter of its own. Adopting
copies: later edits of the template never change a town's matter, and a town's edits never reach the template or
another town. The route's desks are mapped by name to the town's own departments (民政办 of the town for 民政办 of
the template); a matter whose desks the town does not have is not adopted, and the result says which desks are
missing. A code the town already uses is left as the town has it (adopting twice changes nothing).

A superuser can also make a town's matters the county's template (`template_publish`), which is how a county
starts its template from the town that first wrote a good catalogue.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from departments.models import Department
from villages.access import is_office_of
from villages.models import Town

from .errors import InvalidInput, NotAllowed
from .models import Material, Matter, RouteStep, TemplateMaterial, TemplateMatter, TemplateRouteStep

# The fields a matter and its template share (cases.models.catalogue.MatterFields), copied both ways.
SHARED_FIELDS = [f.name for f in TemplateMatter._meta.concrete_fields if f.name not in ("id", "county", "code")]
MATERIAL_FIELDS = ("order", "name", "form", "copies", "is_required", "note")


@dataclass
class Adoption:
    town: Town
    adopted: list[Matter] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # codes the town already uses: left as the town has them
    missing: dict[str, list[str]] = field(default_factory=dict)  # template code -> desk names the town lacks

    def __str__(self) -> str:
        parts = [
            _("%(town)s adopted %(count)s matter(s) from the county template.")
            % {"town": self.town.name, "count": len(self.adopted)}
        ]
        if self.already:
            parts.append(
                _("Already in the town's catalogue, left as the town has them: %(codes)s.")
                % {"codes": "、".join(self.already)}
            )
        for code, names in self.missing.items():
            parts.append(
                _("%(code)s not adopted: the town has no desk named %(names)s; add the department first.")
                % {"code": code, "names": "、".join(names)}
            )
        return " ".join(parts)


def may_adopt(user, town: Town) -> bool:
    """The town's office (or a superuser) decides what its catalogue holds."""
    return bool(user.is_authenticated and (user.is_superuser or is_office_of(user, town.pk)))


def adopt(*, actor, town: Town, templates: Iterable[TemplateMatter]) -> Adoption:
    """Copy the chosen template matters, with their routes and materials, into the town's catalogue.

    Refused (NotAllowed) for anyone but the town's office or a superuser, and (InvalidInput) for a template of
    another county. In one transaction, the town's row locked so two offices adopting at once cannot both copy a
    code; each new matter passes the same checks (full_clean) as one entered in the admin."""
    if not may_adopt(actor, town):
        raise NotAllowed(_("Only the town's office may change its catalogue."))
    templates = list(templates)
    foreign = [t.code for t in templates if t.county != town.county]
    if foreign:
        raise InvalidInput(
            _("%(codes)s belong to another county's template, not %(county)s's.")
            % {"codes": "、".join(foreign), "county": town.county}
        )
    result = Adoption(town=town)
    with transaction.atomic():
        Town.objects.select_for_update().filter(pk=town.pk).first()
        desks = {d.name: d for d in Department.objects.filter(town=town)}
        used = set(Matter.objects.filter(town=town).values_list("code", flat=True))
        chosen = (
            TemplateMatter.objects.filter(pk__in=[t.pk for t in templates])
            .select_related("county_department")
            .prefetch_related("route", "materials")
            .order_by("category", "display_order", "code")
        )
        for template in chosen:
            if template.code in used:
                result.already.append(template.code)
                continue
            route = list(template.route.order_by("order"))
            lacking = [step.department_name for step in route if step.department_name not in desks]
            if lacking:
                result.missing[template.code] = lacking
                continue
            result.adopted.append(_copy_into(template, town, route, desks))
    return result


def _copy_into(template: TemplateMatter, town: Town, route: list[TemplateRouteStep], desks) -> Matter:
    matter = Matter(town=town, code=template.code, template=template, is_active=True)
    for name in SHARED_FIELDS:
        setattr(matter, name, getattr(template, name))
    matter.full_clean()
    matter.save()
    for step in route:
        copied = RouteStep(
            matter=matter,
            order=step.order,
            department=desks[step.department_name],
            action=step.action,
            time_limit_days=step.time_limit_days,
        )
        copied.full_clean()
        copied.save()
    for material in template.materials.order_by("order", "id"):
        copied_material = Material(matter=matter, **{name: getattr(material, name) for name in MATERIAL_FIELDS})
        copied_material.full_clean()
        copied_material.save()
    return matter


def template_publish(*, actor, matters: Iterable[Matter]) -> list[TemplateMatter]:
    """Make these town matters the county's template of their codes: new templates are created, a template of the
    same code is rewritten (route and materials too). Towns that adopted it earlier keep their own copies.
    Superusers only: the template is the county's, not one town's."""
    if not (actor.is_authenticated and actor.is_superuser):
        raise NotAllowed(_("Only the county's administrator may change the county template."))
    published = []
    with transaction.atomic():
        for matter in (
            Matter.objects.filter(pk__in=[m.pk for m in matters])
            .select_related("town", "county_department")
            .prefetch_related("route__department", "materials")
        ):
            template = (
                TemplateMatter.objects.select_for_update().filter(county=matter.town.county, code=matter.code).first()
            )
            template = template or TemplateMatter(county=matter.town.county, code=matter.code)
            for name in SHARED_FIELDS:
                setattr(template, name, getattr(matter, name))
            template.full_clean()
            template.save()
            template.route.all().delete()
            template.materials.all().delete()
            TemplateRouteStep.objects.bulk_create(
                TemplateRouteStep(
                    template=template,
                    order=step.order,
                    department_name=step.department.name,
                    action=step.action,
                    time_limit_days=step.time_limit_days,
                )
                for step in matter.route.all()
            )
            TemplateMaterial.objects.bulk_create(
                TemplateMaterial(template=template, **{name: getattr(m, name) for name in MATERIAL_FIELDS})
                for m in matter.materials.all()
            )
            published.append(template)
    return published
