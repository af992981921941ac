from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Consultation, Village


class VillageError(Exception):
    pass


def consultation_record(
    *, actor, town, village: Village | None, topic: str, people: int, note: str = ""
) -> Consultation:
    """A visit without a case. Anyone working a desk of the town may record it."""
    if village is not None and village.town_id != town.pk:
        raise VillageError(_("The village belongs to another town."))
    if people < 1 or people > 500:
        raise VillageError(_("The number of people must be between 1 and 500."))
    if topic not in Consultation.Topic.values:
        raise VillageError(_("Choose a topic."))
    with transaction.atomic():
        return Consultation.objects.create(
            town=town,
            village=village,
            topic=topic,
            people=people,
            note=note.strip(),
            recorded_at=timezone.now(),
            recorded_by=actor,
        )
