"""好差评 and 整改, as 国办发〔2019〕51号 asks: the villager rates a finished case once, and a 差评 says why; a bad
rating opens a rectification for the desk that finished the case, which records what was done and the 回访 (a second
call when the villager is still dissatisfied); the rated desk may appeal (申诉) and the town office decides; the town
office may also answer a rectification itself or hand it to another desk of the town. Every step is in the case's
history.

Who may act on a rectification (read afresh inside each transaction):

- its desk: the clerks of its department, or the village's cadres when it has none (the village desk finished the
  case). The desk answers, calls back and appeals.
- the town office of the case's town: answers it too, reassigns it, and decides appeals.
"""

from django.utils.translation import gettext as _

from departments.models import Department

from .. import access, workflow
from ..errors import InvalidInput, NotAllowed, StaleError, WrongState
from ..models import CaseStep, Rating, RatingAppeal, Rectification
from ..models.feedback import CALLBACK_RESULTS, CALLBACK_SATISFIED
from ..workflow import Move
from . import _core

RECTIFICATION_DAYS = 15
RATEABLE_STATES = workflow.FINISHED_STATES
CALLBACK_LABELS = dict(CALLBACK_RESULTS)
APPEAL_DECISIONS = (RatingAppeal.Decision.UPHELD, RatingAppeal.Decision.DISMISSED)


# --- the rating ---------------------------------------------------------------------------------------------------


def rating_submit(*, case_id: int, level: int, comment: str = "", reasons=(), channel: str, actor=None) -> Rating:
    """Once a case is finished the villager rates it once. A 差评 (不满意, 非常不满意) needs at least one reason from
    the list (and words when the reason is "other"); reasons given with a good rating are not kept. A 差评 opens a
    rectification for the department of the last step (or the village, if the village desk was last), due in 15
    working days."""
    if level not in Rating.Level.values:
        raise InvalidInput(_("Choose one of the five ratings."))
    if channel not in Rating.Channel.values:
        raise InvalidInput(_("Unknown rating channel."))
    comment = comment.strip()[:500]
    at_desk = channel == Rating.Channel.DESK
    with _core.locked(case_id) as case:
        if at_desk:
            _core.require(actor, Move.RATE, case)
        _core.require_state(case, Move.RATE)
        if Rating.objects.filter(case=case).exists():
            raise StaleError(_("This case has already been rated. Thank you."))
        # After the case's own refusals: no point asking for a reason for a rating that cannot be given.
        reasons = _bad_rating_reasons(level, list(reasons), comment)
        now = _core.now()
        rating = Rating.objects.create(
            case=case,
            town_id=case.town_id,
            level=level,
            comment=comment,
            reasons=reasons,
            channel=channel,
            rated_at=now,
            recorded_by=actor if at_desk else None,
        )
        note = str(rating.get_level_display())
        if reasons:
            note = f"{note}：{'、'.join(rating.reason_labels)}"
        _core.transition(case, Move.RATE, actor=actor if at_desk else None, at=now, note=note)
        if rating.is_bad:
            _open_rectification(case, rating, now)
    return rating


def _bad_rating_reasons(level: int, reasons: list, comment: str) -> list[str]:
    """The reasons of a 差评, in the list's order; [] for a good rating."""
    if any(r not in Rating.Reason.values for r in reasons):
        raise InvalidInput(_("Choose the reasons from the list."))
    if level > Rating.Level.DISSATISFIED:
        return []
    if not reasons:
        raise InvalidInput(_("A bad rating needs a reason: tick at least one."))
    if Rating.Reason.OTHER in reasons and not comment:
        raise InvalidInput(_("You ticked “other”: please write what went wrong."))
    return [value for value in Rating.Reason.values if value in reasons]


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
    due = workflow.deadline(now, RECTIFICATION_DAYS, town=rating.town_id)
    return Rectification.objects.create(
        rating=rating,
        town_id=rating.town_id,
        department=department,
        village=case.village,
        opened_at=now,
        due_on=due.due_on,
        due_at=due.overdue_at,
    )


# --- who may act on a rectification -------------------------------------------------------------------------------


def is_desk_of(roles: access.Roles, rectification: Rectification) -> bool:
    """The desk a rectification belongs to: its department's clerks, or the village's cadres when it has none."""
    if rectification.department_id is not None:
        return rectification.department_id in roles.clerk_department_ids
    return rectification.village_id in roles.village_ids


def is_office_for(roles: access.Roles, rectification: Rectification) -> bool:
    """The town office of the rated case's town."""
    return rectification.rating.town_id in roles.office_town_ids


def may_answer(roles: access.Roles, rectification: Rectification) -> bool:
    return is_desk_of(roles, rectification) or is_office_for(roles, rectification)


def _locked_rectification(case_id: int, rectification_id: int) -> Rectification:
    return (
        Rectification.objects.select_for_update(of=("self",))
        .select_related("rating", "department", "village")
        .get(pk=rectification_id, rating__case_id=case_id)
    )


def _case_of(rectification_id: int) -> int:
    try:
        return Rectification.objects.values_list("rating__case_id", flat=True).get(pk=rectification_id)
    except Rectification.DoesNotExist:
        raise InvalidInput(_("No such rectification.")) from None


def _require_owed(rectification: Rectification) -> None:
    """Nothing more is done to a rectification excused by an upheld appeal, or already done."""
    if not rectification.rating.is_counted:
        raise WrongState(_("The appeal against this rating was upheld: no rectification is owed."))
    if rectification.done_at is not None:
        raise StaleError(_("This rectification is already done."))


def _result(value: str) -> str:
    if value not in CALLBACK_LABELS:
        raise InvalidInput(_("Choose the result of the follow-up call: satisfied or still dissatisfied."))
    return value


# --- answering it: what was done, and the 回访 ----------------------------------------------------------------------


def rectification_answer(
    *, actor, rectification_id: int, action_taken: str, callback_note: str, callback_result: str
) -> Rectification:
    """The desk (or the town office) records what was done and the follow-up call with its result. A villager
    satisfied at the call ends the rectification; one still dissatisfied keeps it open for a second call. The due
    date stays the one set when it opened (15 working days)."""
    action_taken, callback_note = action_taken.strip(), callback_note.strip()
    if not action_taken or not callback_note:
        raise InvalidInput(_("Record both what was done and the follow-up call."))
    _result(callback_result)
    case_id = _case_of(rectification_id)
    with _core.locked(case_id) as case:
        rectification = _locked_rectification(case_id, rectification_id)
        if not may_answer(access.roles_for(actor, fresh=True), rectification):
            raise NotAllowed(_("This rectification belongs to another desk."))
        _require_owed(rectification)
        if rectification.callback_at is not None:
            raise StaleError(_("The follow-up call is already recorded; record the second call."))
        now = _core.now()
        rectification.action_taken = action_taken
        rectification.callback_note = callback_note
        rectification.callback_at = now
        rectification.callback_result = callback_result
        fields = ["action_taken", "callback_note", "callback_at", "callback_result"]
        if callback_result == CALLBACK_SATISFIED:
            rectification.done_at, rectification.done_by = now, actor
            fields += ["done_at", "done_by"]
        rectification.save(update_fields=fields)
        note = _("%(action)s (follow-up call: %(result)s)") % {
            "action": action_taken,
            "result": CALLBACK_LABELS[callback_result],
        }
        _core.transition(case, Move.RECTIFY, actor=actor, at=now, note=note)
    return rectification


def rectification_call_again(*, actor, rectification_id: int, note: str, result: str) -> Rectification:
    """The second 回访, after a first call at which the villager was still dissatisfied: its note and result are
    recorded and the rectification is done, whatever the villager says this time (the record keeps it)."""
    note = note.strip()
    if not note:
        raise InvalidInput(_("Record what was done since and what the villager said at the second call."))
    _result(result)
    case_id = _case_of(rectification_id)
    with _core.locked(case_id) as case:
        rectification = _locked_rectification(case_id, rectification_id)
        if not may_answer(access.roles_for(actor, fresh=True), rectification):
            raise NotAllowed(_("This rectification belongs to another desk."))
        _require_owed(rectification)
        if not rectification.awaits_second_call:
            raise WrongState(_("A second call follows a first call at which the villager was still dissatisfied."))
        now = _core.now()
        rectification.second_callback_note = note
        rectification.second_callback_at = now
        rectification.second_callback_result = result
        rectification.done_at, rectification.done_by = now, actor
        rectification.save(
            update_fields=["second_callback_note", "second_callback_at", "second_callback_result", "done_at", "done_by"]
        )
        event_note = _("Second follow-up call: %(result)s. %(note)s") % {
            "result": CALLBACK_LABELS[result],
            "note": note,
        }
        _core.transition(case, Move.RECTIFY, actor=actor, at=now, note=event_note)
    return rectification


# --- the town office hands it to another desk ---------------------------------------------------------------------


def rectification_reassign(*, actor, rectification_id: int, department_id: int | None, note: str) -> Rectification:
    """改派: the town office hands an open rectification to another department of the case's town, or to the
    case's village (`department_id` None), saying why. The due date does not move: the villager's wait counts from
    the rating."""
    note = note.strip()
    if not note:
        raise InvalidInput(_("Write why the rectification is reassigned."))
    case_id = _case_of(rectification_id)
    with _core.locked(case_id) as case:
        rectification = _locked_rectification(case_id, rectification_id)
        if not is_office_for(access.roles_for(actor, fresh=True), rectification):
            raise NotAllowed(_("Only the town office may reassign a rectification."))
        _require_owed(rectification)
        department = None
        if department_id is not None:
            department = Department.objects.filter(pk=department_id, town_id=case.town_id).first()
            if department is None:
                raise InvalidInput(_("Choose a department of the case's town, or its village."))
        if department_id == rectification.department_id:
            raise InvalidInput(_("The rectification is already with this desk."))
        rectification.department = department
        rectification.save(update_fields=["department"])
        desk = department.name if department is not None else rectification.village.name
        _core.transition(
            case,
            Move.REASSIGN,
            actor=actor,
            at=_core.now(),
            note=_("To %(desk)s: %(note)s") % {"desk": desk, "note": note},
        )
    return rectification


# --- 申诉: the desk appeals, the town office decides ------------------------------------------------------------------


def appeal_file(*, actor, rectification_id: int, reason: str) -> RatingAppeal:
    """The desk the rectification belongs to may appeal the rating once, saying why it is unfair. The clock of the
    rectification keeps running while the town office decides."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Write why the rating is unfair."))
    case_id = _case_of(rectification_id)
    with _core.locked(case_id) as case:
        rectification = _locked_rectification(case_id, rectification_id)
        if not is_desk_of(access.roles_for(actor, fresh=True), rectification):
            raise NotAllowed(_("Only the desk this rectification belongs to may appeal its rating."))
        if RatingAppeal.objects.filter(rating_id=rectification.rating_id).exists():
            raise StaleError(_("This rating has already been appealed; a rating is appealed once."))
        now = _core.now()
        appeal = RatingAppeal.objects.create(rating=rectification.rating, filed_by=actor, filed_at=now, reason=reason)
        _core.transition(case, Move.APPEAL, actor=actor, at=now, note=reason)
    return appeal


def appeal_decide(*, actor, rectification_id: int, decision: str, note: str) -> RatingAppeal:
    """The town office of the case's town decides an appeal once, with its reasons: upheld takes the rating out of
    the desk's figures (and the rectification is no longer owed); dismissed, the rating stands."""
    note = note.strip()
    if decision not in APPEAL_DECISIONS:
        raise InvalidInput(_("Choose whether the appeal is upheld or dismissed."))
    if not note:
        raise InvalidInput(_("Write the reasons for the decision."))
    case_id = _case_of(rectification_id)
    with _core.locked(case_id) as case:
        rectification = _locked_rectification(case_id, rectification_id)
        if not is_office_for(access.roles_for(actor, fresh=True), rectification):
            raise NotAllowed(_("Only the town office decides an appeal."))
        appeal = RatingAppeal.objects.select_for_update().filter(rating_id=rectification.rating_id).first()
        if appeal is None:
            raise WrongState(_("No appeal was filed against this rating."))
        if appeal.decision:
            raise StaleError(_("This appeal has already been decided."))
        now = _core.now()
        appeal.decision, appeal.decided_by, appeal.decided_at, appeal.decision_note = decision, actor, now, note
        appeal.save(update_fields=["decision", "decided_by", "decided_at", "decision_note"])
        _core.transition(
            case,
            Move.DECIDE_APPEAL,
            actor=actor,
            at=now,
            note=f"{appeal.get_decision_display()}：{note}",
        )
    return appeal
