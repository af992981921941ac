"""好差评 and 整改: the villager rates a finished case once; a bad rating opens a rectification for the desk that
finished it, which records what was done and the follow-up call."""

from django.utils.translation import gettext as _

from .. import access, workflow
from ..errors import InvalidInput, NotAllowed, StaleError
from ..models import CaseStep, Rating, Rectification
from ..workflow import Move
from . import _core

RECTIFICATION_DAYS = 15
RATEABLE_STATES = workflow.FINISHED_STATES


def rating_submit(*, case_id: int, level: int, comment: str = "", channel: str, actor=None) -> Rating:
    """Once a case is finished the villager rates it once. 不满意 and 非常不满意 open a rectification for the
    department of the last step (or the village, if the village desk was last), due in 15 working days."""
    if level not in Rating.Level.values:
        raise InvalidInput(_("Choose one of the five ratings."))
    if channel not in Rating.Channel.values:
        raise InvalidInput(_("Unknown rating channel."))
    at_desk = channel == Rating.Channel.DESK
    with _core.locked(case_id) as case:
        if at_desk:
            _core.require(actor, Move.RATE, case)
        _core.require_state(case, Move.RATE)
        if Rating.objects.filter(case=case).exists():
            raise StaleError(_("This case has already been rated. Thank you."))
        now = _core.now()
        rating = Rating.objects.create(
            case=case,
            town_id=case.town_id,
            level=level,
            comment=comment.strip()[:500],
            channel=channel,
            rated_at=now,
            recorded_by=actor if at_desk else None,
        )
        _core.transition(
            case, Move.RATE, actor=actor if at_desk else None, at=now, note=str(rating.get_level_display())
        )
        if rating.is_bad:
            _open_rectification(case, rating, now)
    return rating


def _open_rectification(case, rating: Rating, now) -> Rectification:
    last = (
        CaseStep.objects.filter(case=case, finished_at__isnull=False)
        .select_related("department", "desk_department")
        .order_by("-finished_at", "-order")
        .first()
    )
    # The county has no clerks here: after a county step the town desk that handed it on answers, and when the
    # village booked it (no town desk), the village does.
    department = None
    if last is not None and last.kind == CaseStep.Kind.COUNTY:
        department = last.desk_department
    elif last is not None:
        department = last.department
    due = workflow.deadline(now, RECTIFICATION_DAYS)
    return Rectification.objects.create(
        rating=rating,
        department=department,
        village=case.village,
        opened_at=now,
        due_on=due.due_on,
        due_at=due.overdue_at,
    )


def rectification_answer(*, actor, rectification_id: int, action_taken: str, callback_note: str) -> Rectification:
    """The responsible desk records what was done and the follow-up call; then the rectification is done."""
    action_taken, callback_note = action_taken.strip(), callback_note.strip()
    if not action_taken or not callback_note:
        raise InvalidInput(_("Record both what was done and the follow-up call."))
    case_id = Rectification.objects.values_list("rating__case_id", flat=True).get(pk=rectification_id)
    with _core.locked(case_id) as case:
        rectification = Rectification.objects.select_for_update().get(pk=rectification_id)
        if not _may_answer(actor, rectification):
            raise NotAllowed(_("This rectification belongs to another desk."))
        if rectification.done_at is not None:
            raise StaleError(_("This rectification is already done."))
        now = _core.now()
        rectification.action_taken = action_taken
        rectification.callback_note = callback_note
        rectification.callback_at = now
        rectification.done_at = now
        rectification.done_by = actor
        rectification.save(update_fields=["action_taken", "callback_note", "callback_at", "done_at", "done_by"])
        _core.transition(case, Move.RECTIFY, actor=actor, at=now, note=action_taken)
    return rectification


def _may_answer(actor, rectification: Rectification) -> bool:
    roles = access.roles_for(actor, fresh=True)
    if rectification.department_id is not None:
        return rectification.department_id in roles.clerk_department_ids
    return rectification.village_id in roles.village_ids
