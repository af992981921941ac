"""腾讯云短信 (SMS 2021-01-11) through its official SDK, `tencentcloud-sdk-python-sms` (TC3-HMAC-SHA256 signed).

SendSms: PhoneNumberSet (+86…), SmsSdkAppId, SignName (settings.SMS_SIGN_NAME), TemplateId
(settings.SMS_TEMPLATES[kind]), TemplateParamSet (the values in the template's {1}, {2} … order), SessionContext
(the notification's idempotency key, echoed back). SendStatusSet[0].Code "Ok" is accepted (SerialNo is the
provider's id); another code is a refusal; a Response.Error is raised by the SDK. PullSmsSendStatusByPhoneNumber
lists a phone's receipts with their SessionContext: `lookup` finds an in-doubt message there.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone
from tencentcloud.common import credential  # type: ignore[import-untyped]
from tencentcloud.common.profile.client_profile import ClientProfile  # type: ignore[import-untyped]
from tencentcloud.common.profile.http_profile import HttpProfile  # type: ignore[import-untyped]
from tencentcloud.sms.v20210111 import models, sms_client  # type: ignore[import-untyped]

from .. import messages
from . import BaseBackend, InDoubt, ProviderError
from ._network import classify

# SendStatus codes worth trying again later; every other code fails the message.
TRANSIENT_PREFIXES = ("InternalError", "RequestLimitExceeded", "LimitExceeded.DeliveryFrequencyLimit")


class TencentBackend(BaseBackend):
    name = "tencent"

    def __init__(self) -> None:
        conf = settings.SMS_TENCENT
        http = HttpProfile(
            protocol=conf["PROTOCOL"], endpoint=conf["ENDPOINT"], reqTimeout=settings.SMS_TIMEOUT_SECONDS
        )
        self.app_id = conf["SDK_APP_ID"]
        self.client = sms_client.SmsClient(
            credential.Credential(conf["SECRET_ID"], conf["SECRET_KEY"]),
            conf["REGION"],
            ClientProfile(httpProfile=http),
        )

    def send(self, notification) -> str:
        template = settings.SMS_TEMPLATES.get(notification.kind)
        if not template:
            raise ProviderError(
                "TemplateMissing", f"SMS_TEMPLATES has no template for {notification.kind}", transient=False
            )
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [f"+86{notification.phone}"]
        request.SmsSdkAppId = self.app_id
        request.SignName = settings.SMS_SIGN_NAME
        request.TemplateId = template
        request.TemplateParamSet = messages.ordered(notification.kind, notification.params)
        request.SessionContext = notification.key.hex
        response = self._call(self.client.SendSms, request, sending=True)
        statuses = response.SendStatusSet or []
        if len(statuses) != 1:
            raise InDoubt(f"Tencent answered with {len(statuses)} send statuses")
        status = statuses[0]
        if status.Code != "Ok":
            raise ProviderError(status.Code, status.Message or "", transient=status.Code.startswith(TRANSIENT_PREFIXES))
        return status.SerialNo or ""

    def lookup(self, notification) -> str | None:
        claimed = notification.claimed_until or timezone.now()
        request = models.PullSmsSendStatusByPhoneNumberRequest()
        request.BeginTime = int((claimed - dt.timedelta(days=1)).timestamp())
        request.EndTime = int(timezone.now().timestamp())
        request.Offset = 0
        request.Limit = 100
        request.PhoneNumber = f"+86{notification.phone}"
        request.SmsSdkAppId = self.app_id
        response = self._call(self.client.PullSmsSendStatusByPhoneNumber, request, sending=False)
        for status in response.PullSmsSendStatusSet or []:
            if status.SessionContext == notification.key.hex:
                return status.SerialNo or notification.key.hex
        return None

    def _call(self, method, request, *, sending: bool):
        try:
            return method(request)
        except Exception as exc:  # TencentCloudSDKException: the provider's code, or ClientNetworkError
            raise classify(exc, sending=sending) from exc
