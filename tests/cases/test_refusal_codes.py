"""Refusals carry a code (issue 9, point 5): a test can tell "not your desk" from "wrong state" from "missing
text", so a refusal for the wrong reason fails."""

import pytest

from cases import services
from tests.factories import complete, open_case, reload, stamp

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_desk(cadre, village, referral_matter):
    case = open_case(actor=cadre, matter=referral_matter, village=village)
    stamp(case, cadre)
    return reload(case)


def refusal(call) -> services.CaseError:
    with pytest.raises(services.CaseError) as refused:
        call()
    return refused.value


def test_another_departments_clerk_is_not_allowed(at_desk, other_clerk):
    error = refusal(lambda: services.step_complete(actor=other_clerk, case_id=at_desk.pk, outcome="同意"))

    assert (error.code, type(error)) == ("not_allowed", services.NotAllowed)


def test_a_closed_case_is_in_the_wrong_state(at_desk, clerk, cadre):
    services.case_withdraw(actor=cadre, case_id=at_desk.pk, reason="群众不再申请")

    error = refusal(lambda: services.step_complete(actor=clerk, case_id=at_desk.pk, outcome="同意"))

    assert error.code == "wrong_state"


def test_a_missing_result_is_invalid_input(at_desk, clerk):
    error = refusal(lambda: services.step_complete(actor=clerk, case_id=at_desk.pk, outcome="  "))

    assert error.code == "invalid_input"


def test_a_stale_form_is_stale_and_a_wrong_state(at_desk, clerk):
    complete(at_desk, clerk)

    error = refusal(
        lambda: services.step_complete(
            actor=clerk, case_id=at_desk.pk, outcome="同意", expected_version=at_desk.version
        )
    )

    assert error.code == "stale"
    assert isinstance(error, services.WrongState)


def test_a_missing_reason_to_reject_is_invalid_input(at_desk, clerk):
    assert refusal(lambda: services.case_reject(actor=clerk, case_id=at_desk.pk, reason="")).code == "invalid_input"


def test_the_cadre_of_another_village_is_not_allowed_to_stamp(other_cadre, cadre, village, referral_matter):
    case = open_case(actor=cadre, matter=referral_matter, village=village)

    error = refusal(lambda: services.case_stamp(actor=other_cadre, case_id=case.pk, seal_confirmed=True))

    assert error.code == "not_allowed"
