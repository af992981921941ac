"""The real worker process: killed (SIGKILL) in the middle of a batch, it loses nothing and sends nothing twice; and
how long it takes for 1,000 messages."""

import datetime as dt
import os
import signal
import time
from collections import Counter

import pytest

from notices.models import Notification
from tests.factories import open_case
from tests.notices.worker_process import Outbox, start_worker, stop

NEVER_QUIET = {"NOTICES_QUIET_FROM": dt.time(0, 0), "NOTICES_QUIET_UNTIL": dt.time(0, 0)}


@pytest.fixture
def no_quiet_hours(settings):
    for name, value in NEVER_QUIET.items():
        setattr(settings, name, value)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(
    tmp_path, fake, no_quiet_hours, cadre, village, referral_matter
):
    total = 40
    for i in range(total):
        open_case(actor=cadre, matter=referral_matter, village=village, phone=f"1390771{i:04d}", name=f"村民{i}")
    keys = {n.key.hex for n in Notification.objects.all()}
    assert len(keys) == total
    outbox = Outbox(tmp_path)
    # The 15th send reaches the provider and is accepted, but its answer never comes back: the worker is killed
    # while it waits. Rows 16-20 of its second batch were claimed and never tried.
    fake.hold_at = 15
    fake.delay = 0.01

    first = start_worker(outbox, fake.endpoint, NOTICES_BATCH="10", NOTICES_LEASE_SECONDS="3")
    try:
        assert fake.held.wait(60), first.stderr.read().decode() if first.poll() is not None else "no 15th send"
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        stop(first)
    fake.release.set()
    assert len(fake.sent) == 15
    assert outbox.states().get("sending", 0) >= 1  # the in-doubt row and the untried rest of the batch

    second = start_worker(outbox, fake.endpoint, NOTICES_BATCH="10", NOTICES_LEASE_SECONDS="3")
    try:
        outbox.wait_until_all_sent(total, timeout=60)
    finally:
        stop(second)

    delivered = Counter(fake.keys())
    assert set(delivered) == keys
    assert set(delivered.values()) == {1}, [key for key, n in delivered.items() if n > 1]
    assert outbox.states() == {"sent": total}
    asked = [r for r in fake.requests if r["action"] == "QuerySendDetails"]
    assert asked, "the in-doubt messages were looked up at the provider before anything was sent again"


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_1000_queued_messages_in_under_a_minute(
    tmp_path, fake, no_quiet_hours, cadre, village, referral_matter, capsys
):
    total = int(os.environ.get("NOTICES_BENCH_COUNT", "1000"))
    case = open_case(actor=cadre, matter=referral_matter, village=village)
    first = Notification.objects.get(case=case)
    Notification.objects.bulk_create(
        Notification(
            town=first.town,
            case=case,
            kind=first.kind,
            phone=f"139{i:08d}",
            params=first.params,
            text=first.text,
            dedupe=f"bench:{i}",
            created_at=first.created_at,
            next_attempt_at=first.next_attempt_at,
        )
        for i in range(total - 1)
    )
    outbox = Outbox(tmp_path)

    started = time.monotonic()
    worker = start_worker(outbox, fake.endpoint)
    try:
        outbox.wait_until_all_sent(total, timeout=120)
        elapsed = time.monotonic() - started
    finally:
        stop(worker)

    assert len(fake.sent) == total
    assert len(set(fake.keys())) == total
    with capsys.disabled():
        print(
            f"\n[notices bench] {total} messages through the worker and the fake Aliyun API "
            f"({outbox.url.split(':')[0]}): {elapsed:.1f} s including the worker's start, "
            f"{total / elapsed:.0f} messages/s"
        )
    assert elapsed < 60
