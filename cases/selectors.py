from django.db.models import Prefetch, QuerySet

from departments.selectors import departments_of_clerk, departments_of_county_officer
from villages.selectors import villages_of_cadre

from .models import Material, Matter, RouteStep


def published_matters(*, town) -> QuerySet[Matter]:
    return Matter.objects.filter(town=town, is_active=True).order_by("category", "display_order", "code")


def guide_by_category(*, town) -> list[tuple[str, list[Matter]]]:
    """The catalogue grouped under its categories, in the category order of the model."""
    matters = list(published_matters(town=town).select_related("county_department"))
    grouped = []
    for value, label in Matter.Category.choices:
        items = [m for m in matters if m.category == value]
        if items:
            grouped.append((label, items))
    return grouped


def guide_matter(*, code: str) -> Matter:
    return (
        Matter.objects.filter(is_active=True)
        .select_related("town", "county_department")
        .prefetch_related(
            Prefetch("route", queryset=RouteStep.objects.select_related("department").order_by("order")),
            Prefetch("materials", queryset=Material.objects.order_by("order", "id")),
        )
        .get(code=code)
    )


def cadre_villages(*, user):
    return villages_of_cadre(user=user)


def clerk_departments(*, user):
    return departments_of_clerk(user=user)


def county_departments(*, user):
    return departments_of_county_officer(user=user)
