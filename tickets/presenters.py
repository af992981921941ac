"""How a call is said on the board and in the hall's loudspeaker, and what the desk may put on a ticket."""

import datetime as dt

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case

from .desks import desk_of_call
from .models import Ticket

CN_DIGITS = "零一二三四五六七八九"
ISSUABLE_LIMIT = 20


def call_text(call) -> str:
    desk = desk_of_call(call)
    return _("Number %(number)s %(name)s, please come to %(window)s %(desk)s") % {
        "number": call.ticket.label,
        "name": call.ticket.masked_name,
        "window": desk.window,
        "desk": desk.name,
    }


def spoken_text(call) -> str:
    """What the loudspeaker says: the digits one by one (A零一二, never "A十二"), the family name only (黄某某, not
    "黄星星"), then where to go."""
    desk = desk_of_call(call)
    label = call.ticket.label
    number = label[0] + "".join(CN_DIGITS[int(d)] if d.isdigit() else d for d in label[1:])
    surname = call.ticket.masked_name[:1]
    return _("Number %(number)s %(name)s, please come to %(window)s %(desk)s") % {
        "number": number,
        "name": f"{surname}某某" if surname else "",
        "window": desk.window,
        "desk": desk.name,
    }


def board_entry(call) -> dict:
    """One line of the board's JSON: nothing personal beyond the masked name."""
    desk = desk_of_call(call)
    return {
        # A new key for each call and each call again: the board speaks each once.
        "key": f"{call.pk}.{call.call_count}.{int(call.last_called_at.timestamp())}",
        "number": call.ticket.label,
        "name": call.ticket.masked_name,
        "window": desk.window,
        "desk": desk.name,
        "text": call_text(call),
        "speech": spoken_text(call),
        "served": call.served_at is not None,
        "green": call.ticket.is_green,
        "at": timezone.localtime(call.last_called_at).strftime("%H:%M:%S"),
    }


def issuable_cases(*, village_id: int, day: dt.date) -> QuerySet[Case]:
    """The village's open cases taken in today and on none of today's tickets: what a new ticket can carry."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    on_ticket = Ticket.objects.filter(day=day, cases=OuterRef("pk"))
    return (
        Case.objects.filter(village_id=village_id, state__in=Case.OPEN_STATES, received_at__gte=start)
        .exclude(Exists(on_ticket))
        .select_related("matter")
        .order_by("received_at")[:ISSUABLE_LIMIT]
    )
