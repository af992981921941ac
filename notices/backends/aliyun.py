"""阿里云短信服务 (Dysmsapi 2017-05-25) through its official SDK, `alibabacloud_dysmsapi20170525`.

SendSms: PhoneNumbers, SignName (settings.SMS_SIGN_NAME), TemplateCode (settings.SMS_TEMPLATES[kind]),
TemplateParam (JSON of the named ${variables}), OutId (the notification's idempotency key). A reply with Code "OK"
is accepted (BizId is the provider's id); any other Code is a refusal. QuerySendDetails (by phone and day) lists the
messages sent with their OutId: `lookup` finds an in-doubt message there.
"""

import json

from alibabacloud_dysmsapi20170525 import models as dysms  # type: ignore[import-untyped]
from alibabacloud_dysmsapi20170525.client import Client  # type: ignore[import-untyped]
from alibabacloud_tea_openapi import utils_models as open_api_models  # type: ignore[import-untyped]
from darabonba.runtime import RuntimeOptions  # type: ignore[import-untyped]
from django.conf import settings
from django.utils import timezone

from . import BaseBackend, InDoubt, ProviderError
from ._network import classify

# Codes worth trying again later (throttling and the provider's own trouble); every other code fails the message.
TRANSIENT = {
    "isv.BUSINESS_LIMIT_CONTROL",
    "isp.SYSTEM_ERROR",
    "isp.GATEWAY_ERROR",
    "isv.OUT_OF_SERVICE",
    "SignatureNonceUsed",
    "Throttling",
    "Throttling.User",
    "ServiceUnavailable",
    "InternalError",
}


class AliyunBackend(BaseBackend):
    name = "aliyun"

    def __init__(self) -> None:
        conf = settings.SMS_ALIYUN
        timeout_ms = settings.SMS_TIMEOUT_SECONDS * 1000
        self.client = Client(
            open_api_models.Config(
                access_key_id=conf["ACCESS_KEY_ID"],
                access_key_secret=conf["ACCESS_KEY_SECRET"],
                endpoint=conf["ENDPOINT"],
                protocol=conf["PROTOCOL"],
                read_timeout=timeout_ms,
                connect_timeout=timeout_ms,
            )
        )
        self.runtime = RuntimeOptions(read_timeout=timeout_ms, connect_timeout=timeout_ms)

    def send(self, notification) -> str:
        template = settings.SMS_TEMPLATES.get(notification.kind)
        if not template:
            raise ProviderError(
                "TemplateMissing", f"SMS_TEMPLATES has no template for {notification.kind}", transient=False
            )
        request = dysms.SendSmsRequest(
            phone_numbers=notification.phone,
            sign_name=settings.SMS_SIGN_NAME,
            template_code=template,
            template_param=json.dumps(notification.params, ensure_ascii=False),
            out_id=notification.key.hex,
        )
        body = self._call(self.client.send_sms_with_options, request, sending=True).body
        if body is None or body.code is None:
            raise InDoubt("Aliyun answered without a Code")
        if body.code != "OK":
            raise ProviderError(body.code, body.message or "", transient=body.code in TRANSIENT)
        return body.biz_id or ""

    def lookup(self, notification) -> str | None:
        day = timezone.localdate(notification.claimed_until or timezone.now())
        page = 1
        while True:
            request = dysms.QuerySendDetailsRequest(
                phone_number=notification.phone, send_date=f"{day:%Y%m%d}", page_size=50, current_page=page
            )
            body = self._call(self.client.query_send_details_with_options, request, sending=False).body
            if body is None or body.code != "OK":
                code = body.code if body is not None else "NoBody"
                raise ProviderError(code, (body.message if body is not None else "") or "", transient=True)
            details = body.sms_send_detail_dtos.sms_send_detail_dto if body.sms_send_detail_dtos else []
            for detail in details or []:
                if detail.out_id == notification.key.hex:
                    return detail.out_id
            if not details or page * 50 >= int(body.total_count or 0):
                return None
            page += 1

    def _call(self, method, request, *, sending: bool):
        try:
            return method(request, self.runtime)
        except Exception as exc:  # the SDK's exceptions carry the provider's code; the network's do not
            raise classify(exc, sending=sending) from exc
