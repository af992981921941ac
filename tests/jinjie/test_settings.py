"""Settings come from the environment; production refuses to start half-configured."""

import base64
import json
import os
import secrets
import subprocess
import sys

from django.conf import settings

SETTINGS_VARS = ("SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "TIME_ZONE", "USE_TZ", "DJANGO_SETTINGS_MODULE")


def run_python(args: list[str], **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARS}
    clean.update(DJANGO_SETTINGS_MODULE="jinjie.settings", **env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_secret_key_is_required_to_serve_when_debug_is_off():
    result = run_python(["-c", "import jinjie.wsgi"], DEBUG="0")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_deploy_check_fails_without_secret_key():
    result = run_python(["manage.py", "check", "--deploy"], DEBUG="0", ALLOWED_HOSTS="hall.example.cn")

    assert result.returncode != 0
    assert "jinjie.E001" in result.stderr


def test_tooling_runs_without_secret_key_on_a_throwaway_key():
    code = "import django; django.setup(); from django.conf import settings as s; print(s.SECRET_KEY)"
    first = run_python(["-c", code], DEBUG="0")
    second = run_python(["-c", code], DEBUG="0")

    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().startswith("unset-")
    assert first.stdout.strip() != second.stdout.strip()


def test_debug_without_secret_key_starts_with_a_development_key():
    result = run_python(["-c", "import django; django.setup()"], DEBUG="1")

    assert result.returncode == 0, result.stderr


def test_time_zone_and_language_default_to_china():
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.TIME_ZONE, s.LANGUAGE_CODE, s.USE_TZ]))"
    )
    result = run_python(["-c", code], SECRET_KEY="x")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == ["Asia/Shanghai", "zh-hans", True]


def test_time_zone_comes_from_the_environment():
    code = "import django; django.setup(); from django.conf import settings as s; print(s.TIME_ZONE)"
    result = run_python(["-c", code], SECRET_KEY="x", TIME_ZONE="Asia/Urumqi")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "Asia/Urumqi"


def test_deploy_check_passes_with_production_environment():
    result = run_python(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="hall.example.cn",
        HISTORY_KEYS="2026a:" + base64.b64encode(secrets.token_bytes(32)).decode(),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr
    assert "no issues" in result.stdout
