"""最小必要 (GB/T 35273): who may ask to see a villager's full ID number and phone without needing them for their
work, the one service that records the asking, and the mark that lets one response show them.

Who sees what (the rule for the work itself is cases.presenters.may_see_full_id):

- the cadres of the applicant's village and the desk working the case now see the full numbers, as their work
  needs them; nothing is asked and nothing is written here (the security log has a line for each showing);
- the town office (镇办) and the supervisor (纪检) of the case's town see them masked, and may ask to see them on the
  case page with a reason. Each asking is one IdentityReveal row (who, when, which case, why), written before the
  number is shown, and shows it in that one response only: nothing is kept in the session, the next page is
  masked again, and the printed papers stay masked for them (a paper with the full number is the desk's work);
- nobody else may ask: not the office or supervisor of another town (the case is not theirs: 404), not the county
  officer, not a clerk whose step is done, not a user without a role (403), not an anonymous visitor (login).
"""

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import access
from .errors import InvalidInput, NotAllowed
from .models import Case, IdentityReveal

# The log's reason column holds the chosen reason and the details together.
REASON_MAX = IdentityReveal._meta.get_field("reason").max_length
DETAILS_MAX = 150


class Reason(models.TextChoices):
    COMPLAINT = "complaint", gettext_lazy("Checking a complaint from the public")
    SUPERVISION = "supervision", gettext_lazy("Supervision check")
    APPLICANT_CALLED = "applicant_called", gettext_lazy("The applicant called to check their own details")
    OTHER = "other", gettext_lazy("Other (write it in the details)")


class Where(models.TextChoices):
    """Where a full number was shown after asking (IdentityReveal.where)."""

    CASE_PAGE = "case_page", gettext_lazy("case page")


def may_ask_full_id(user, case: Case, *, fresh: bool = False) -> bool:
    """The town office and the supervisor of the case's own town may ask, with a reason, to see the full numbers."""
    return case.town_id in access.roles_for(user, fresh=fresh).town_ids


def reasons_offered(user, case: Case, *, shown: bool) -> list[tuple[str, str]]:
    """The reasons the case page offers: none to a user who already sees the full numbers or may not ask."""
    if shown or not may_ask_full_id(user, case):
        return []
    return Reason.choices


def reason_text(reason: str, details: str = "") -> str:
    """What the log keeps: the chosen reason in words (not its code, so the log reads the same in years), then the
    details."""
    label = str(Reason(reason).label)
    details = " ".join(details.split())
    return f"{label}：{details}"[:REASON_MAX] if details else label


def identity_reveal(*, actor, case_id: int, reason: str, where: str = Where.CASE_PAGE) -> IdentityReveal:
    """Record that `actor` asks to see the case's full ID number and phone, and why; the caller shows them only after
    this returned. Only the town office and the supervisor of the case's town may ask (roles read afresh), and only
    with a reason.

    The case row is read, not locked: nothing on the case changes, and the log only grows."""
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput(_("Give the reason for looking at the full number."))
    if len(reason) > REASON_MAX:
        raise InvalidInput(_("The reason is too long (at most %(n)s characters).") % {"n": REASON_MAX})
    with transaction.atomic():
        case = Case.objects.get(pk=case_id)
        if not may_ask_full_id(actor, case, fresh=True):
            raise NotAllowed(_("Only the town office and the supervisor of this town may ask to see the full number."))
        return IdentityReveal.objects.create(
            case=case,
            town_id=case.town_id,
            user=actor,
            user_name=actor.get_full_name(),
            at=timezone.now(),
            reason=reason,
            where=where,
        )


# The mark lives on the Case object of one request, never in the session or the database: the next request reads
# the case afresh and sees it masked again.
_SHOWN = "_identity_reveal"


def show_once(case: Case, reveal: IdentityReveal) -> None:
    """Let this request's pages of `case` show the full numbers to the user who asked (after `identity_reveal`)."""
    setattr(case, _SHOWN, reveal)


def shown_once_to(user, case: Case) -> bool:
    reveal = getattr(case, _SHOWN, None)
    return reveal is not None and reveal.case_id == case.pk and reveal.user_id == getattr(user, "pk", None)
