"""Every change to a case happens here, grouped by what it is about: opening a case (`intake`), the desks' work
(`steps`), the county step (`county`), ending it early (`closing`), 好差评 and 整改 (`ratings`). What they share —
the locked case, the workflow's table, the right to act, the history, finishing a step — is in `_core`.

Refusals are `CaseError`s with a code (cases.errors): not allowed, wrong state (stale: a page opened on an earlier
version), invalid input.
"""

from ..errors import (
    STALE_MESSAGE,
    CaseError,
    DuplicateIntake,
    InvalidInput,
    NotAllowed,
    StaleError,
    WrongState,
)
from .closing import case_refuse, case_reject, case_withdraw
from .county import appointment_book, appointment_confirm, appointment_done, appointment_no_show, county_record_outcome
from .intake import Applicant, OnBehalf, case_intake
from .ratings import RATEABLE_STATES, RECTIFICATION_DAYS, rating_submit, rectification_answer
from .steps import (
    case_materials_brought,
    case_request_materials,
    case_stamp,
    step_accept,
    step_complete,
    step_return,
    step_skip,
)

__all__ = [
    "RATEABLE_STATES",
    "RECTIFICATION_DAYS",
    "STALE_MESSAGE",
    "Applicant",
    "CaseError",
    "DuplicateIntake",
    "InvalidInput",
    "NotAllowed",
    "OnBehalf",
    "StaleError",
    "WrongState",
    "appointment_book",
    "appointment_confirm",
    "appointment_done",
    "appointment_no_show",
    "case_intake",
    "case_materials_brought",
    "case_refuse",
    "case_reject",
    "case_request_materials",
    "case_stamp",
    "case_withdraw",
    "county_record_outcome",
    "rating_submit",
    "rectification_answer",
    "step_accept",
    "step_complete",
    "step_return",
    "step_skip",
]
