"""Safe transitions under real concurrency (issue 3, points 2 and 11). PostgreSQL only: SQLite serialises every
writer on one file lock, so it can neither show the race nor the row locks that prevent it."""

import datetime as dt
import threading
import uuid
from collections.abc import Callable

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from cases import services
from cases.models import Case, CaseCounter, CaseEvent, CaseStep, SealUse
from departments.models import DepartmentMember
from tests.factories import (
    APPLICANT_ID,
    APPLICANT_PHONE,
    DepartmentMemberFactory,
    VillageCadreFactory,
    open_case,
    reload,
    stamp,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL row locks (set DATABASE_URL=postgres://…); SQLite serialises all writers",
    ),
]

TIMEOUT = 30


def run_together(workers: list[Callable[[], object]]) -> list[tuple[str, object]]:
    """Start every worker at the same moment, each in its own thread with its own connection.

    Returns ("ok", result) or ("error", exception) per worker, in order.
    """
    barrier = threading.Barrier(len(workers), timeout=TIMEOUT)
    results: list[tuple[str, object] | None] = [None] * len(workers)

    def run(index: int, work: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = ("ok", work())
        except Exception as error:  # noqa: BLE001 — the test inspects what each thread got
            results[index] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, work)) for i, work in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a worker hung (lock never released?)"
    return results  # type: ignore[return-value]


@pytest.fixture
def second_clerk(department):
    return DepartmentMemberFactory(department=department, role=DepartmentMember.Role.CLERK).user


@pytest.fixture
def at_desk(cadre, village, referral_matter):
    case = open_case(actor=cadre, matter=referral_matter, village=village)
    stamp(case, cadre)
    return reload(case)


@pytest.mark.parametrize("page", ["version_and_step", "step_only"])
def test_two_clerks_completing_the_same_step_at_once_complete_it_once(at_desk, clerk, second_clerk, page):
    step_id, version = at_desk.current_step_id, at_desk.version
    started = CaseEvent.objects.filter(case=at_desk, action=CaseEvent.Action.STEP_STARTED).count()
    extra = {"step_id": step_id, "expected_version": version} if page == "version_and_step" else {"step_id": step_id}

    def complete_as(user):
        return lambda: services.step_complete(actor=user, case_id=at_desk.pk, outcome=f"{user.pk} 同意", **extra)

    results = run_together([complete_as(clerk), complete_as(second_clerk)])

    kinds = sorted(kind for kind, _ in results)
    assert kinds == ["error", "ok"], results
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, services.CaseError), repr(error)
    assert CaseEvent.objects.filter(case=at_desk, action=CaseEvent.Action.STEP_DONE).count() == 1
    assert CaseEvent.objects.filter(case=at_desk, action=CaseEvent.Action.STEP_STARTED).count() == started + 1
    step = CaseStep.objects.get(pk=step_id)
    assert step.state == CaseStep.State.DONE
    case = reload(at_desk)
    assert case.version == version + 1
    assert case.steps.filter(state=CaseStep.State.ACTIVE).count() == 1
    seqs = list(CaseEvent.objects.filter(case=at_desk).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))


def test_two_cadres_stamping_at_once_use_the_seal_once(cadre, village, referral_matter):
    second_cadre = VillageCadreFactory(village=village).user
    case = open_case(actor=cadre, matter=referral_matter, village=village)

    results = run_together(
        [
            lambda user=user: services.case_stamp(actor=user, case_id=case.pk, seal_confirmed=True)
            for user in (cadre, second_cadre)
        ]
    )

    assert sorted(kind for kind, _ in results) == ["error", "ok"], results
    assert SealUse.objects.filter(case=case).count() == 1
    assert CaseEvent.objects.filter(case=case, action=CaseEvent.Action.STAMPED).count() == 1


def test_parallel_intakes_get_consecutive_numbers_without_gaps(cadre, village, referral_matter):
    moment = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 5))
    with time_machine.travel(moment, tick=False):
        results = run_together(
            [lambda: open_case(actor=cadre, matter=referral_matter, village=village) for _ in range(8)]
        )

    assert [kind for kind, _ in results] == ["ok"] * 8, results
    numbers = sorted(Case.objects.values_list("number", flat=True))
    assert numbers == [f"451425102-20260302-{n:04d}" for n in range(1, 9)]
    assert CaseCounter.objects.get(date=dt.date(2026, 3, 2)).last == 8


def test_the_same_intake_form_submitted_twice_at_once_opens_one_case(cadre, village, referral_matter):
    key = uuid.uuid4()
    materials = list(referral_matter.materials.values_list("pk", flat=True))

    def submit():
        return services.case_intake(
            actor=cadre,
            matter=referral_matter,
            village=village,
            applicant=services.Applicant(name="赵国向", id_number=APPLICANT_ID, phone=APPLICANT_PHONE),
            received_material_ids=materials,
            intake_key=key,
        )

    results = run_together([submit, submit])

    assert Case.objects.count() == 1
    case = Case.objects.get()
    outcomes = sorted((kind, type(value).__name__) for kind, value in results)
    assert outcomes == [("error", "DuplicateIntake"), ("ok", "Case")], results
    duplicate = next(value for kind, value in results if kind == "error")
    assert duplicate.case.pk == case.pk
    assert CaseEvent.objects.filter(action=CaseEvent.Action.RECEIVED).count() == 1


# --- tracking guesses (issue 8, point 3) -------------------------------------------------------------------------


def _parallel_wrong_guesses(case, addresses: list[str]) -> list[str]:
    from django.test import Client

    def guess(address: str):
        def work():
            response = Client().post("/track/", {"number": case.number, "phone4": "0000"}, REMOTE_ADDR=address)
            return response.content.decode()

        return work

    results = run_together([guess(address) for address in addresses])
    assert all(kind == "ok" for kind, _ in results), results
    return [page for _, page in results]


def test_forty_parallel_guesses_from_one_client_cannot_pass_its_limit(cadre, village, hamlet, referral_matter):
    from cases import throttle
    from cases.models import GuessCounter

    case = open_case(actor=cadre, matter=referral_matter, village=village, hamlet=hamlet, phone="13800001234")

    pages = _parallel_wrong_guesses(case, ["10.5.0.1"] * 40)

    checked = [page for page in pages if "还可再试" in page]
    assert len(checked) == throttle.CLIENT_LIMIT
    assert GuessCounter.objects.get(key="track:client:10.5.0.1").count == throttle.CLIENT_LIMIT


def test_forty_parallel_guesses_from_many_clients_cannot_pass_the_number_limit(cadre, village, hamlet, referral_matter):
    from cases import throttle

    case = open_case(actor=cadre, matter=referral_matter, village=village, hamlet=hamlet, phone="13800001234")

    pages = _parallel_wrong_guesses(case, [f"10.6.0.{n}" for n in range(40)])

    checked = [page for page in pages if "还可再试" in page]
    assert len(checked) == throttle.NUMBER_LIMIT


def test_parallel_right_and_wrong_guesses_neither_deadlock_nor_leak(cadre, village, hamlet, referral_matter):
    from django.test import Client

    from cases.models import GuessCounter

    case = open_case(actor=cadre, matter=referral_matter, village=village, hamlet=hamlet, phone="13800001234")

    def guess(address: str, digits: str):
        def work():
            return Client().post("/track/", {"number": case.number, "phone4": digits}, REMOTE_ADDR=address).status_code

        return work

    # Every guess holds a place while it is checked, so keep the guesses in flight under the number's limit: 12 wrong
    # from four strangers (3 each, under their limit) and 12 right from the owner's four devices.
    workers = [guess(f"10.7.0.{n % 8}", "1234" if n % 2 else "0000") for n in range(24)]
    results = run_together(workers)

    assert all(kind == "ok" for kind, _ in results), results
    assert {status for _, status in results} <= {200, 302}
    assert sum(1 for _, status in results if status == 302) == 12  # every right guess got in
    # Only the wrong guesses stay counted: 12 for the number; the owner's devices are back to nothing.
    counts = dict(GuessCounter.objects.values_list("key", "count"))
    assert counts.pop(next(key for key in counts if key.startswith("track:number:"))) == 12
    assert sorted(counts.values()) == [0, 0, 0, 0, 3, 3, 3, 3]
