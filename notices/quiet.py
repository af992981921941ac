"""The quiet hours: nothing is sent from NOTICES_QUIET_FROM (21:00) to NOTICES_QUIET_UNTIL (08:00) in the villagers'
time zone (NOTICES_TIME_ZONE, Asia/Shanghai). One rule, asked when a message is written and again when it is sent."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.NOTICES_TIME_ZONE)


def is_quiet(moment: dt.datetime) -> bool:
    local = moment.astimezone(_zone()).time()
    start, end = settings.NOTICES_QUIET_FROM, settings.NOTICES_QUIET_UNTIL
    if start <= end:  # a window within one day
        return start <= local < end
    return local >= start or local < end  # across midnight (21:00 → 08:00)


def quiet_ends(moment: dt.datetime) -> dt.datetime:
    """The first moment at or after `moment` when sending is allowed again (`moment` itself outside the hours)."""
    if not is_quiet(moment):
        return moment
    local = moment.astimezone(_zone())
    end = dt.datetime.combine(local.date(), settings.NOTICES_QUIET_UNTIL, tzinfo=_zone())
    if end <= local:
        end = dt.datetime.combine(local.date() + dt.timedelta(days=1), settings.NOTICES_QUIET_UNTIL, tzinfo=_zone())
    return end.astimezone(dt.UTC)
