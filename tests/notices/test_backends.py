"""The provider backends through their official SDKs, against the local fake of each provider's HTTP API."""

import json

import pytest

from notices import sender
from notices.backends import InDoubt, ProviderError, get_backend
from notices.models import Kind, Notification, State
from tests.factories import open_case
from tests.notices.conftest import TEMPLATES

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(clock, cadre, village, referral_matter):
    return open_case(actor=cadre, matter=referral_matter, village=village)


def message(case) -> Notification:
    return Notification.objects.get(case=case, kind=Kind.RECEIVED)


def test_aliyun_request_carries_sign_template_named_params_and_out_id(aliyun, case, settings):
    settings.SMS_SIGN_NAME = "进结镇政务服务中心"
    sender.send_due()

    request = aliyun.requests[-1]
    assert request["action"] == "SendSms"
    params = request["params"]
    assert params["PhoneNumbers"] == "13907711234"
    assert params["SignName"] == "进结镇政务服务中心"
    assert params["TemplateCode"] == TEMPLATES["received"]
    assert json.loads(params["TemplateParam"]) == message(case).params
    assert params["OutId"] == message(case).key.hex
    assert message(case).provider_id.endswith("^0")  # Aliyun's BizId


def test_tencent_request_carries_app_sign_template_ordered_params_and_session_context(tencent, case):
    sender.send_due()

    request = tencent.requests[-1]
    assert request["action"] == "SendSms"
    params = request["params"]
    sent = message(case)
    assert params["PhoneNumberSet"] == ["+8613907711234"]
    assert params["SmsSdkAppId"] == "1400000001"
    assert params["TemplateId"] == TEMPLATES["received"]
    assert params["TemplateParamSet"] == [sent.params["matter"], sent.params["number"], sent.params["link"]]
    assert params["SessionContext"] == sent.key.hex
    assert sent.state == State.SENT
    assert sent.provider_id.startswith("2433:")  # Tencent's SerialNo


def test_aliyun_with_a_wrong_secret_is_refused_by_the_signature_check(aliyun, case, settings):
    settings.SMS_ALIYUN = {**settings.SMS_ALIYUN, "ACCESS_KEY_SECRET": "wrong"}

    sender.send_due()

    failed = message(case)
    assert aliyun.sent == []
    assert failed.state == State.FAILED
    assert failed.error_code == "SignatureDoesNotMatch"


def test_tencent_with_a_wrong_secret_is_refused_by_the_signature_check(tencent, case, settings):
    settings.SMS_TENCENT = {**settings.SMS_TENCENT, "SECRET_KEY": "wrong"}

    sender.send_due()

    failed = message(case)
    assert tencent.sent == []
    assert failed.state == State.FAILED
    assert failed.error_code == "AuthFailure.SignatureFailure"


def test_tencent_send_status_error_fails_the_message_with_its_code(tencent, case):
    tencent.fail_next("FailedOperation.PhoneNumberInBlacklist", "手机号在免打扰名单库中")

    sender.send_due()

    failed = message(case)
    assert failed.state == State.FAILED
    assert failed.error_code == "FailedOperation.PhoneNumberInBlacklist"
    assert failed.error == "手机号在免打扰名单库中"


def test_tencent_internal_error_is_retried(tencent, case):
    tencent.fail_next("InternalError.Timeout", "请求下发短信超时")

    sender.send_due()

    assert message(case).state == State.WAITING
    assert message(case).error_code == "InternalError.Timeout"


def test_a_kind_without_a_registered_template_fails_without_calling_the_provider(aliyun, case, settings):
    settings.SMS_TEMPLATES = {}

    sender.send_due()

    assert aliyun.requests == []
    assert message(case).error_code == "TemplateMissing"
    assert message(case).state == State.FAILED


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_lookup_finds_a_message_by_its_key_and_only_that_one(provider, request, case):
    fake = request.getfixturevalue(provider)
    backend = get_backend()
    notification = message(case)
    assert backend.lookup(notification) is None

    backend.send(notification)

    assert backend.lookup(notification) is not None
    other = Notification(phone=notification.phone, kind=notification.kind, params=notification.params)
    assert backend.lookup(other) is None
    assert len(fake.sent) == 1


def test_a_provider_that_does_not_answer_in_time_leaves_the_send_in_doubt(aliyun, case, settings):
    settings.SMS_TIMEOUT_SECONDS = 1
    aliyun.delay = 2.5
    with pytest.raises(InDoubt):
        get_backend().send(message(case))


def test_a_lookup_that_cannot_reach_the_provider_is_an_error_to_try_again(settings, case):
    settings.SMS_BACKEND = "notices.backends.tencent.TencentBackend"
    settings.SMS_TENCENT = {
        "SECRET_ID": "x",
        "SECRET_KEY": "y",
        "SDK_APP_ID": "1",
        "REGION": "ap-guangzhou",
        "ENDPOINT": "127.0.0.1:9",
        "PROTOCOL": "http",
    }
    with pytest.raises(ProviderError) as caught:
        get_backend().lookup(message(case))
    assert caught.value.transient
