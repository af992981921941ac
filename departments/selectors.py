from django.db.models import QuerySet

from .models import Department


def hall_desks(*, town) -> QuerySet[Department]:
    """The departments with a desk in the town's hall, in desk order."""
    return Department.objects.filter(town=town).order_by("desk_order", "name")
