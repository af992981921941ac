"""Ending a case before its last desk: 不予受理/不予办理 by the desk handling it, or withdrawal at the villager's
request."""

from django.utils.translation import gettext as _

from .. import workflow
from ..errors import InvalidInput
from ..workflow import Move
from . import _core, papers


def close(case, step, move: Move, *, actor, reason: str, basis: str = "") -> None:
    """End the case at `step` by `move` (不予受理, 不予办理, 撤回); a refusal's decision paper is issued here."""
    now = _core.now()
    _core.cancel_open_appointments(step, now, reason)
    step.state = workflow.step_after(step.state, move)
    step.finished_at = now
    step.finished_by = actor
    step.outcome = reason
    step.save(update_fields=["state", "finished_at", "finished_by", "outcome"])
    _core.transition(case, move, actor=actor, at=now, step=step, note=reason)
    case.closed_at = now
    case.closing_reason = reason
    case.current_step = None
    case.paused_at = None
    case.paused_from = ""
    _core.save_case(case, "state", "closed_at", "closing_reason", "current_step", "paused_at", "paused_from")
    if move in (Move.REFUSE, Move.REJECT):
        papers.decision(case, step, move, actor=actor, at=now, reason=reason, basis=basis or case.matter.legal_basis)


def case_reject(
    *,
    actor,
    case_id: int,
    step_id: int | None = None,
    expected_version: int | None = None,
    reason: str,
    basis: str = "",
):
    """不予办理: after 受理, the desk handling the case decides not to grant it; the reason and legal basis are
    printed on the decision."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("A reason is required to reject a case."))
    with _core.at_step(actor, Move.REJECT, case_id, step_id=step_id, expected_version=expected_version) as (
        case,
        step,
    ):
        close(case, step, Move.REJECT, actor=actor, reason=reason, basis=basis.strip())
    return case


def case_refuse(
    *,
    actor,
    case_id: int,
    step_id: int | None = None,
    expected_version: int | None = None,
    reason: str,
    basis: str = "",
):
    """不予受理: before 受理 — not in scope, or the one-time notice was not answered in time — the desk refuses to
    accept it, with a reason printed on the decision."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("A reason is required to refuse to accept a case."))
    with _core.at_step(actor, Move.REFUSE, case_id, step_id=step_id, expected_version=expected_version) as (
        case,
        step,
    ):
        close(case, step, Move.REFUSE, actor=actor, reason=reason, basis=basis.strip())
    return case


def case_withdraw(*, actor, case_id: int, expected_version: int | None = None, reason: str):
    """Withdrawal at the villager's request, by a cadre of the village or the desk now handling it."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("A reason is required to withdraw a case."))
    with _core.at_step(actor, Move.WITHDRAW, case_id, expected_version=expected_version) as (case, step):
        close(case, step, Move.WITHDRAW, actor=actor, reason=reason)
    return case
