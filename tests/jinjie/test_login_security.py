"""Logins on an untrusted network (issue 8, point 1): a few failures lock an account or a client for a while with a
Chinese message, every login is kept for the town office and supervisor, passwords are checked."""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def login(client, username, password, address="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.fixture
def user(db):
    return UserFactory(username="cadre_aile", name="黄秀梅")


def test_right_password_logs_in(client, user):
    response = login(client, "cadre_aile", PASSWORD)

    assert response.status_code == 302
    assert AccessLog.objects.filter(username="cadre_aile").exists()


def test_failures_for_one_account_lock_it_even_from_another_computer(client, user):
    for n in range(settings.AXES_FAILURE_LIMIT):
        login(client, "cadre_aile", "wrong-password", address=f"10.0.1.{n}")

    response = login(client, "cadre_aile", PASSWORD, address="10.0.9.9")

    assert response.status_code == 429
    assert "已锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_from_one_computer_lock_that_computer_for_every_account(client, user):
    for n in range(settings.AXES_FAILURE_LIMIT):
        login(client, f"guess{n}", "wrong-password", address="10.0.2.1")

    blocked = login(client, "cadre_aile", PASSWORD, address="10.0.2.1")
    elsewhere = login(client.__class__(), "cadre_aile", PASSWORD, address="10.0.2.2")

    assert blocked.status_code == 429
    assert elsewhere.status_code == 302


def test_fewer_failures_than_the_limit_do_not_lock(client, user):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "cadre_aile", "wrong-password")

    assert login(client, "cadre_aile", PASSWORD).status_code == 302


def test_the_lock_ends_after_the_cooloff(client, user):
    start = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            login(client, "cadre_aile", "wrong-password")
        assert login(client, "cadre_aile", PASSWORD).status_code == 429
    with time_machine.travel(start + settings.AXES_COOLOFF_TIME + dt.timedelta(seconds=1), tick=False):
        assert login(client, "cadre_aile", PASSWORD).status_code == 302


def test_failed_logins_are_kept_for_the_office(client, user):
    login(client, "cadre_aile", "wrong-password")

    assert AccessFailureLog.objects.filter(username="cadre_aile", ip_address="10.0.0.1").exists()
    assert AccessAttempt.objects.filter(username="cadre_aile").exists()


def test_the_lock_counts_the_address_behind_our_own_proxy(client, user, settings):
    settings.NUM_PROXIES = 1
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN, {"username": "x", "password": "y"}, REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="203.0.113.7"
        )

    other = client.post(
        LOGIN,
        {"username": "cadre_aile", "password": PASSWORD},
        REMOTE_ADDR="10.9.9.9",
        HTTP_X_FORWARDED_FOR="203.0.113.8",
    )

    assert other.status_code == 302


def test_logins_and_lockouts_are_logged_without_the_password(client, user, caplog):
    with caplog.at_level("INFO", logger="jinjie.security"):
        login(client, "cadre_aile", "wrong-password")
        login(client, "cadre_aile", PASSWORD)

    lines = [r.getMessage() for r in caplog.records if r.name == "jinjie.security"]
    assert any(line.startswith("login result=failed username=cadre_aile client=10.0.0.1") for line in lines)
    assert any(line.startswith("login user=cadre_aile client=10.0.0.1") for line in lines)
    assert not any("wrong-password" in line or PASSWORD in line for line in lines)


def test_lockout_is_logged(client, user, caplog):
    with caplog.at_level("INFO", logger="jinjie.security"):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            login(client, "cadre_aile", "wrong-password")

    assert any(r.getMessage().startswith("lockout username=cadre_aile") for r in caplog.records)


@pytest.mark.parametrize("password", ["12345678", "password", "abc", "cadre_aile1"])
def test_weak_passwords_are_refused_in_chinese(user, password):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        validate_password(password, user=user)

    assert any("密码" in message for message in refused.value.messages)


def test_a_good_password_passes(user):
    assert validate_password("Jin-jie-2026-desk", user=user) is None  # raises ValidationError when refused


def test_no_demo_password_outside_seed_demo():
    from pathlib import Path

    root = Path(settings.BASE_DIR)
    offenders = [
        str(path.relative_to(root))
        for app in ("jinjie", "villages", "departments", "cases")
        for path in (root / app).rglob("*.py")
        if "jinjie2026" in path.read_text(encoding="utf-8") and path.name != "seed_demo.py"
    ]
    assert offenders == []


def test_a_forwarded_address_that_is_not_an_address_does_not_break_the_login(client, user, settings):
    settings.NUM_PROXIES = 1

    response = client.post(
        LOGIN, {"username": "cadre_aile", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="x'; --"
    )

    assert response.status_code == 302
    assert AccessLog.objects.get(username="cadre_aile").ip_address is None
