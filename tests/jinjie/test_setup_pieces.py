"""No forgotten step (issue 8, point 8): what the app needs exists after `migrate` alone, and a missing piece says
what to do instead of failing with a 500."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def request(path: str) -> str:
    return (
        f"from django.test import Client; r = Client(raise_request_exception=False).get({path!r});"
        " print(r.status_code); print(r.content.decode())"
    )


def run(database: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(
        DEBUG="0",
        DATABASE_URL=f"sqlite:///{database}",
        ALLOWED_HOSTS="testserver",
        SECRET_KEY="x" * 50,
        SECURE_SSL_REDIRECT="0",
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("path", ["/healthz", "/", "/guide/", "/hall/"])
def test_an_unmigrated_database_gets_a_page_saying_what_to_run(tmp_path, path):
    database = tmp_path / "empty.sqlite3"

    result = run(str(database), "shell", "-c", request(path))

    assert "\n503\n" in f"\n{result.stdout}", result.stdout + result.stderr
    assert "manage.py migrate" in result.stdout
    assert "数据库" in result.stdout


def test_migrate_alone_sets_up_throttles_and_login_lockout(tmp_path):
    database = tmp_path / "fresh.sqlite3"
    assert run(str(database), "migrate", "--noinput", "-v0").returncode == 0

    health = run(str(database), "shell", "-c", request("/healthz"))
    tables = run(
        str(database),
        "shell",
        "-c",
        "from django.db import connection; print(sorted(connection.introspection.table_names()))",
    )

    assert "\n200\nok" in f"\n{health.stdout}", health.stdout
    assert "cases_guesscounter" in tables.stdout and "axes_accessattempt" in tables.stdout


def test_nothing_needs_a_cache_table():
    assert settings.CACHES["default"]["BACKEND"] != "django.core.cache.backends.db.DatabaseCache"


def test_healthz_is_ok_on_a_migrated_database(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok"


def test_serving_without_collected_static_files_refuses_to_start_and_says_why(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(DEBUG="0", SECRET_KEY="x" * 50, STATIC_ROOT=str(tmp_path / "nothing"), HISTORY_KEYS="")
    result = subprocess.run(
        [sys.executable, "-c", "import jinjie.wsgi"], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )

    assert result.returncode != 0
    assert "collectstatic" in result.stderr
