import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.notices.fake_sms import (
    ALIYUN_KEY_ID,
    ALIYUN_SECRET,
    TENCENT_APP,
    TENCENT_ID,
    TENCENT_SECRET,
    FakeSMS,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
TEMPLATES = {
    "received": "SMS_471001",
    "materials": "SMS_471002",
    "appointment": "SMS_471003",
    "reminder": "SMS_471004",
    "completed": "SMS_471005",
    "refused": "SMS_471006",
    "rejected": "SMS_471007",
    "rate": "SMS_471008",
}


def at(hour: int, minute: int = 0, *, day: int = 3) -> dt.datetime:
    """A moment in December 2026, Asia/Shanghai (the 3rd is a Thursday)."""
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def clock(time_machine):
    """clock(moment): services, the outbox and the sender all read `moment` as now. Starts on a working morning."""

    def move(moment: dt.datetime) -> dt.datetime:
        time_machine.move_to(moment, tick=False)
        return moment

    move(at(10, 0))
    return move


@pytest.fixture
def fake():
    server = FakeSMS().start()
    yield server
    server.stop()


def aliyun_settings(endpoint: str) -> dict:
    return {
        "ACCESS_KEY_ID": ALIYUN_KEY_ID,
        "ACCESS_KEY_SECRET": ALIYUN_SECRET,
        "ENDPOINT": endpoint,
        "PROTOCOL": "http",
    }


def tencent_settings(endpoint: str) -> dict:
    return {
        "SECRET_ID": TENCENT_ID,
        "SECRET_KEY": TENCENT_SECRET,
        "SDK_APP_ID": TENCENT_APP,
        "REGION": "ap-guangzhou",
        "ENDPOINT": endpoint,
        "PROTOCOL": "http",
    }


@pytest.fixture
def aliyun(fake, settings):
    settings.SMS_BACKEND = "notices.backends.aliyun.AliyunBackend"
    settings.SMS_ALIYUN = aliyun_settings(fake.endpoint)
    settings.SMS_TEMPLATES = TEMPLATES
    settings.SMS_TIMEOUT_SECONDS = 5
    return fake


@pytest.fixture
def tencent(fake, settings):
    settings.SMS_BACKEND = "notices.backends.tencent.TencentBackend"
    settings.SMS_TENCENT = tencent_settings(fake.endpoint)
    settings.SMS_TEMPLATES = TEMPLATES
    settings.SMS_TIMEOUT_SECONDS = 5
    return fake
