"""A local stand-in for the two SMS providers' HTTP APIs, for the official SDKs to talk to (127.0.0.1, a random port).

It speaks what the providers document and checks what they check:

- Aliyun Dysmsapi 2017-05-25 (RPC style, ACS3-HMAC-SHA256): POST / with the parameters in the query string and the
  action in x-acs-action; the Authorization header's signature is recomputed with the shared secret. SendSms answers
  {"Code": "OK", "BizId": …, "RequestId": …} or a business error code with HTTP 200; QuerySendDetails lists what was
  accepted for a phone and day, with OutId.
- Tencent Cloud SMS 2021-01-11 (TC3-HMAC-SHA256): POST / with a JSON body, X-TC-Action/-Version/-Timestamp headers;
  the signature is recomputed. SendSms answers Response.SendStatusSet (Code "Ok", SerialNo, SessionContext) or
  Response.Error; PullSmsSendStatusByPhoneNumber lists receipts with their SessionContext.

A bad signature is refused as the providers do (Aliyun: HTTP 400 SignatureDoesNotMatch; Tencent:
AuthFailure.SignatureFailure). Tests script refusals (`fail_next`), slowness (`delay`) and a request that is
received and recorded but never answered until released (`hold_at`), to kill a worker mid-send.
"""

import datetime as dt
import hashlib
import hmac
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit
from zoneinfo import ZoneInfo

ALIYUN_KEY_ID, ALIYUN_SECRET = "LTAI-test-key", "aliyun-test-secret"
TENCENT_ID, TENCENT_SECRET, TENCENT_APP = "AKID-test", "tencent-test-secret", "1400000001"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def _enc(value: str) -> str:
    return quote(value, safe="-_.~")


class FakeSMS:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sent: list[dict] = []  # accepted messages, in order
        self.requests: list[dict] = []  # every request, with its action
        self.failures: list[tuple[str, str]] = []  # scripted refusals for the next sends: (code, message)
        self.delay = 0.0
        self.hold_at: int | None = None  # the n-th send (1-based) is recorded, then not answered until released
        self.held = threading.Event()  # set once that send is recorded
        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> "FakeSMS":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, code: str, message: str = "scripted failure", times: int = 1) -> None:
        with self.lock:
            self.failures.extend([(code, message)] * times)

    def keys(self) -> list[str]:
        """The idempotency key (OutId / SessionContext) of every accepted message."""
        return [s["key"] for s in self.sent]

    # --- the HTTP side ------------------------------------------------------------------------------------------

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if self.headers.get("X-TC-Action"):
                    status, answer = fake.tencent(self, body)
                else:
                    status, answer = fake.aliyun(self, body)
                if answer is None:
                    return
                data = json.dumps(answer, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the worker was killed while we held its request

        return Handler

    def _send_hook(self) -> tuple[str, str] | None:
        """Scripted refusal for this send, if any (taken under the lock)."""
        with self.lock:
            return self.failures.pop(0) if self.failures else None

    def _accept(self, record: dict) -> None:
        with self.lock:
            self.sent.append(record)
            count = len(self.sent)
        if self.hold_at is not None and count == self.hold_at:
            self.held.set()
            self.release.wait(60)

    # --- Aliyun -------------------------------------------------------------------------------------------------

    def aliyun_signature_ok(self, handler, body: bytes) -> bool:
        auth = handler.headers.get("Authorization", "")
        if not auth.startswith("ACS3-HMAC-SHA256 "):
            return False
        parts = dict(item.strip().split("=", 1) for item in auth[len("ACS3-HMAC-SHA256 ") :].split(","))
        if parts.get("Credential") != ALIYUN_KEY_ID:
            return False
        signed = parts.get("SignedHeaders", "").split(";")
        if "host" not in signed or "x-acs-date" not in signed or "x-acs-signature-nonce" not in signed:
            return False
        url = urlsplit(handler.path)
        query = sorted(parse_qsl(url.query, keep_blank_values=True))
        canonical_query = "&".join(f"{_enc(k)}={_enc(v)}" for k, v in query)
        headers = "".join(f"{name}:{(handler.headers.get(name) or '').strip()}\n" for name in signed)
        payload = _sha256(body)
        if handler.headers.get("x-acs-content-sha256") != payload:
            return False
        canonical = "\n".join([handler.command, url.path or "/", canonical_query, headers, ";".join(signed), payload])
        to_sign = "ACS3-HMAC-SHA256\n" + _sha256(canonical.encode())
        expected = hmac.new(ALIYUN_SECRET.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, parts.get("Signature", ""))

    def aliyun(self, handler, body: bytes):
        action = handler.headers.get("x-acs-action", "")
        params = dict(parse_qsl(urlsplit(handler.path).query, keep_blank_values=True))
        request_id = str(uuid.uuid4()).upper()
        with self.lock:
            self.requests.append({"provider": "aliyun", "action": action, "params": params})
        if handler.headers.get("x-acs-version") != "2017-05-25" or not self.aliyun_signature_ok(handler, body):
            return 400, {
                "Code": "SignatureDoesNotMatch",
                "Message": "Specified signature is not matched with our calculation.",
                "RequestId": request_id,
            }
        if action == "SendSms":
            for name in ("PhoneNumbers", "SignName", "TemplateCode"):
                if not params.get(name):
                    return 400, {"Code": "MissingParameter", "Message": f"{name} is mandatory", "RequestId": request_id}
            if self.delay:
                threading.Event().wait(self.delay)
            scripted = self._send_hook()
            if scripted:
                return 200, {"Code": scripted[0], "Message": scripted[1], "RequestId": request_id}
            if not params["PhoneNumbers"].isdigit() or len(params["PhoneNumbers"]) != 11:
                return 200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号", "RequestId": request_id}
            try:
                template_params = json.loads(params.get("TemplateParam") or "{}")
            except ValueError:
                return 200, {"Code": "isv.INVALID_JSON_PARAM", "Message": "JSON参数不合法", "RequestId": request_id}
            biz_id = f"{uuid.uuid4().int % 10**18:018d}^0"
            self._accept(
                {
                    "provider": "aliyun",
                    "phone": params["PhoneNumbers"],
                    "sign": params["SignName"],
                    "template": params["TemplateCode"],
                    "params": template_params,
                    "key": params.get("OutId", ""),
                    "id": biz_id,
                    "day": dt.datetime.now(SHANGHAI).strftime("%Y%m%d"),
                }
            )
            return 200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": request_id}
        if action == "QuerySendDetails":
            with self.lock:
                found = [
                    s
                    for s in self.sent
                    if s["provider"] == "aliyun"
                    and s["phone"] == params.get("PhoneNumber")
                    and s["day"] == params.get("SendDate")
                ]
            size, page = int(params.get("PageSize", 10)), int(params.get("CurrentPage", 1))
            rows = found[(page - 1) * size : page * size]
            return 200, {
                "Code": "OK",
                "Message": "OK",
                "RequestId": request_id,
                "TotalCount": str(len(found)),
                "SmsSendDetailDTOs": {
                    "SmsSendDetailDTO": [
                        {
                            "PhoneNum": s["phone"],
                            "SendStatus": 3,
                            "ErrCode": "DELIVERED",
                            "TemplateCode": s["template"],
                            "OutId": s["key"],
                            "SendDate": s["day"],
                        }
                        for s in rows
                    ]
                },
            }
        return 400, {"Code": "InvalidAction.NotFound", "Message": action, "RequestId": request_id}

    # --- Tencent ------------------------------------------------------------------------------------------------

    def tencent_signature_ok(self, handler, body: bytes) -> bool:
        auth = handler.headers.get("Authorization", "")
        if not auth.startswith("TC3-HMAC-SHA256 "):
            return False
        parts = dict(item.strip().split("=", 1) for item in auth[len("TC3-HMAC-SHA256 ") :].split(","))
        credential = parts.get("Credential", "").split("/")
        if len(credential) != 4 or credential[0] != TENCENT_ID or credential[2:] != ["sms", "tc3_request"]:
            return False
        date, timestamp = credential[1], handler.headers.get("X-TC-Timestamp", "")
        signed = parts.get("SignedHeaders", "").split(";")
        headers = "".join(f"{name}:{(handler.headers.get(name) or '').strip().lower()}\n" for name in signed)
        canonical = "\n".join(["POST", "/", "", headers, ";".join(signed), _sha256(body)])
        to_sign = "\n".join(["TC3-HMAC-SHA256", timestamp, f"{date}/sms/tc3_request", _sha256(canonical.encode())])
        key = _hmac(_hmac(_hmac(("TC3" + TENCENT_SECRET).encode(), date), "sms"), "tc3_request")
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, parts.get("Signature", ""))

    def tencent(self, handler, body: bytes):
        action = handler.headers.get("X-TC-Action", "")
        request_id = str(uuid.uuid4())
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            params = {}
        with self.lock:
            self.requests.append({"provider": "tencent", "action": action, "params": params})

        def error(code: str, message: str):
            return 200, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id}}

        if handler.headers.get("X-TC-Version") != "2021-01-11" or not self.tencent_signature_ok(handler, body):
            return error("AuthFailure.SignatureFailure", "The provided credentials could not be validated.")
        if params.get("SmsSdkAppId") != TENCENT_APP:
            return error("FailedOperation.SmsSdkAppIdVerifyFail", "SmsSdkAppId verify failed")
        if action == "SendSms":
            for name in ("PhoneNumberSet", "SignName", "TemplateId"):
                if not params.get(name):
                    return error("MissingParameter", f"The parameter `{name}` is missing.")
            if self.delay:
                threading.Event().wait(self.delay)
            phone = params["PhoneNumberSet"][0]
            scripted = self._send_hook()
            if scripted and scripted[0].startswith(("InternalError", "AuthFailure", "RequestLimitExceeded")):
                return error(*scripted)
            if scripted:
                code, message, serial = scripted[0], scripted[1], ""
            elif not (phone.startswith("+86") and len(phone) == 14):
                code, message, serial = "InvalidParameterValue.IncorrectPhoneNumber", "手机号格式错误", ""
            else:
                code, message, serial = "Ok", "send success", f"2433:{uuid.uuid4().int % 10**20}"
            status = {
                "SerialNo": serial,
                "PhoneNumber": phone,
                "Fee": 1 if code == "Ok" else 0,
                "SessionContext": params.get("SessionContext", ""),
                "Code": code,
                "Message": message,
                "IsoCode": "CN",
            }
            if code == "Ok":
                self._accept(
                    {
                        "provider": "tencent",
                        "phone": phone[3:],
                        "sign": params["SignName"],
                        "template": params["TemplateId"],
                        "params": params.get("TemplateParamSet", []),
                        "key": params.get("SessionContext", ""),
                        "id": serial,
                        "day": dt.datetime.now(SHANGHAI).strftime("%Y%m%d"),
                    }
                )
            return 200, {"Response": {"SendStatusSet": [status], "RequestId": request_id}}
        if action == "PullSmsSendStatusByPhoneNumber":
            with self.lock:
                found = [
                    s
                    for s in self.sent
                    if s["provider"] == "tencent" and f"+86{s['phone']}" == params.get("PhoneNumber")
                ]
            rows = found[params.get("Offset", 0) : params.get("Offset", 0) + params.get("Limit", 100)]
            return 200, {
                "Response": {
                    "PullSmsSendStatusSet": [
                        {
                            "UserReceiveTime": "",
                            "CountryCode": "86",
                            "SubscriberNumber": s["phone"],
                            "PhoneNumber": f"+86{s['phone']}",
                            "SerialNo": s["id"],
                            "ReportStatus": "SUCCESS",
                            "Description": "DELIVRD",
                            "SessionContext": s["key"],
                        }
                        for s in rows
                    ],
                    "RequestId": request_id,
                }
            }
        return error("InvalidAction", f"The action `{action}` is not found.")
