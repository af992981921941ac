"""The worker's send loop (notices.sender) against the fake providers: quiet hours, retries with backoff, failures with
the provider's words, declined messages, and the in-doubt sends a crash leaves behind."""

import datetime as dt

import pytest

from notices import sender
from notices.backends import InDoubt, get_backend
from notices.models import Kind, Notification, State
from tests.factories import open_case
from tests.notices.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(clock, cadre, village, referral_matter):
    return open_case(actor=cadre, matter=referral_matter, village=village)


def message(case) -> Notification:
    return Notification.objects.get(case=case, kind=Kind.RECEIVED)


def test_a_due_message_is_sent_with_its_idempotency_key(aliyun, case):
    outcome = sender.send_due()

    sent = message(case)
    assert outcome.sent == 1
    assert sent.state == State.SENT
    assert sent.sent_at == at(10, 0)
    assert sent.backend == "aliyun"
    assert sent.provider_id == aliyun.sent[0]["id"]
    assert aliyun.keys() == [sent.key.hex]
    assert aliyun.sent[0]["params"] == sent.params
    assert aliyun.sent[0]["template"] == "SMS_471001"


def test_the_console_backend_logs_what_would_be_sent(case, caplog, settings):
    settings.SMS_BACKEND = "notices.backends.console.ConsoleBackend"
    with caplog.at_level("INFO", logger="notices.sms"):
        sender.send_due()

    assert message(case).state == State.SENT
    assert case.number in caplog.text
    assert "139****1234" in caplog.text and "13907711234" not in caplog.text


def test_nothing_is_sent_in_the_quiet_hours_it_is_kept_until_eight(aliyun, clock, case):
    clock(at(21, 0))
    outcome = sender.send_due()

    held = message(case)
    assert outcome.sent == 0 and outcome.held == 1
    assert aliyun.sent == []
    assert held.state == State.HELD
    assert held.next_attempt_at == at(8, 0, day=4)

    clock(at(7, 59, day=4))
    sender.send_due()
    assert aliyun.sent == []

    clock(at(8, 0, day=4))
    sender.send_due()
    assert message(case).state == State.SENT
    assert message(case).sent_at == at(8, 0, day=4)
    assert len(aliyun.sent) == 1


def test_declined_messages_are_never_sent(aliyun, case):
    Notification.objects.filter(pk=message(case).pk).update(state=State.DECLINED)

    sender.send_due()

    assert aliyun.sent == []
    assert message(case).state == State.DECLINED


def test_a_transient_refusal_is_retried_with_growing_backoff(aliyun, clock, case, settings):
    settings.NOTICES_RETRY_SECONDS = 60
    aliyun.fail_next("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1", times=2)

    sender.send_due()
    first = message(case)
    assert first.state == State.WAITING
    assert first.attempts == 1
    assert first.next_attempt_at == at(10, 1)
    assert first.error_code == "isv.BUSINESS_LIMIT_CONTROL"
    assert "流控" in first.error

    clock(at(10, 0, day=3) + dt.timedelta(seconds=59))
    sender.send_due()
    assert message(case).attempts == 1  # not due yet

    clock(at(10, 1))
    sender.send_due()
    second = message(case)
    assert second.attempts == 2
    assert second.next_attempt_at == at(10, 3)  # 2 minutes after the second attempt

    clock(at(10, 3))
    sender.send_due()
    assert message(case).state == State.SENT
    assert len(aliyun.sent) == 1


def test_after_the_last_attempt_it_fails_with_the_providers_error(aliyun, clock, case, settings):
    settings.NOTICES_MAX_ATTEMPTS = 2
    aliyun.fail_next("isp.SYSTEM_ERROR", "系统出现错误", times=5)

    sender.send_due()
    clock(at(10, 1))
    sender.send_due()

    failed = message(case)
    assert failed.state == State.FAILED
    assert failed.attempts == 2
    assert failed.error_code == "isp.SYSTEM_ERROR"
    assert failed.error == "系统出现错误"


def test_a_permanent_refusal_fails_at_once(aliyun, case):
    aliyun.fail_next("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")

    outcome = sender.send_due()

    failed = message(case)
    assert outcome.failed == 1
    assert failed.state == State.FAILED
    assert (failed.error_code, failed.error) == ("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")


def test_a_retry_that_falls_in_the_quiet_hours_is_held_until_morning(aliyun, clock, case, settings):
    settings.NOTICES_RETRY_SECONDS = 60
    clock(at(20, 59, day=3))
    Notification.objects.update(next_attempt_at=at(20, 59))
    aliyun.fail_next("isv.BUSINESS_LIMIT_CONTROL", "流控")

    sender.send_due()

    held = message(case)
    assert held.state == State.HELD
    assert held.next_attempt_at == at(8, 0, day=4)


def test_a_network_failure_before_the_request_left_is_retried(settings, case):
    settings.SMS_BACKEND = "notices.backends.aliyun.AliyunBackend"
    settings.SMS_ALIYUN = {
        "ACCESS_KEY_ID": "x",
        "ACCESS_KEY_SECRET": "y",
        "ENDPOINT": "127.0.0.1:9",
        "PROTOCOL": "http",
    }
    settings.SMS_TEMPLATES = {"received": "SMS_1"}

    sender.send_due()

    retried = message(case)
    assert retried.state == State.WAITING
    assert retried.error_code == "NetworkError"


# --- crashes and doubt ------------------------------------------------------------------------------------------


def test_a_send_left_in_doubt_that_the_provider_has_is_marked_sent_not_sent_again(aliyun, clock, case, settings):
    """The worker died after the provider accepted the message but before it wrote that down."""
    backend = get_backend()
    claimed = sender.claim("dead-worker:1", at(10, 0), 10)
    backend.send(claimed[0])  # accepted by the provider; the worker dies here
    assert message(case).state == State.SENDING

    clock(at(10, 1))
    sender.send_due()  # the lease (120 s) runs
    assert message(case).state == State.SENDING

    clock(at(10, 3))
    outcome = sender.send_due()

    assert outcome.found == 1 and outcome.sent == 0
    assert message(case).state == State.SENT
    assert aliyun.keys() == [message(case).key.hex]
    assert [r["action"] for r in aliyun.requests] == ["SendSms", "QuerySendDetails"]


def test_a_send_left_in_doubt_that_the_provider_lacks_is_sent_once(tencent, clock, case):
    sender.claim("dead-worker:1", at(10, 0), 10)  # claimed, then the worker died before sending

    clock(at(10, 3))
    outcome = sender.send_due()

    assert outcome.sent == 1
    assert message(case).state == State.SENT
    assert message(case).attempts == 2
    assert tencent.keys() == [message(case).key.hex]
    assert [r["action"] for r in tencent.requests] == ["PullSmsSendStatusByPhoneNumber", "SendSms"]


def test_an_unreadable_answer_leaves_the_message_in_doubt_then_looks_it_up(aliyun, clock, case, monkeypatch):
    from notices.backends.aliyun import AliyunBackend

    real_send = AliyunBackend.send

    def send_then_lose_the_answer(self, notification):
        real_send(self, notification)
        raise InDoubt("the answer was lost")

    monkeypatch.setattr(AliyunBackend, "send", send_then_lose_the_answer)
    outcome = sender.send_due()
    assert outcome.in_doubt == 1
    assert message(case).state == State.SENDING
    monkeypatch.setattr(AliyunBackend, "send", real_send)

    clock(at(10, 0) + dt.timedelta(seconds=1))
    sender.send_due()

    assert message(case).state == State.SENT
    assert len(aliyun.sent) == 1


def test_a_claim_by_a_live_worker_is_not_touched(aliyun, clock, case):
    sender.claim("busy-worker:1", at(10, 0), 10)

    clock(at(10, 1))
    sender.send_due()

    assert message(case).state == State.SENDING
    assert aliyun.requests == []


def test_a_batch_whose_lease_would_run_out_hands_back_the_rest(aliyun, clock, case, settings, cadre, village):
    from notices.models import State as S

    open_case(actor=cadre, matter=case.matter, village=village, name="黄必刘")
    settings.NOTICES_LEASE_SECONDS = 5
    settings.SMS_TIMEOUT_SECONDS = 10  # no send fits in the lease: nothing is tried, everything is handed back

    sender.send_due(limit=2)

    assert aliyun.requests == []
    assert set(Notification.objects.values_list("state", "attempts")) == {(S.WAITING, 0)}
