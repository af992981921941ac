"""Report reads go to a streaming replica when one is configured (issue 13 point 7; stats.replica).

In-process: the router's decisions. In a subprocess with a second database alias: the statistics read the replica
(a copy that lags the primary), the hall's pages and every write use the primary."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from stats.replica import REPLICA, ReportReplicaRouter, reports

ROOT = Path(__file__).resolve().parents[2]
router = ReportReplicaRouter()
WITH_REPLICA = {"default": {"ENGINE": "django.db.backends.sqlite3"}, REPLICA: {"ENGINE": "django.db.backends.sqlite3"}}


def test_without_a_replica_every_read_stays_on_the_primary():
    with reports():
        assert router.db_for_read(None) is None
    assert router.db_for_read(None) is None


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
@override_settings(DATABASES=WITH_REPLICA)
def test_with_a_replica_only_report_reads_go_there():
    assert router.db_for_read(None) is None  # the hall's pages
    with reports():
        assert router.db_for_read(None) == REPLICA
        assert router.db_for_write(None) == "default"  # a write inside a report still goes to the primary
    assert router.db_for_read(None) is None  # and the flag does not leak past the block
    assert router.allow_migrate(REPLICA, "cases") is False
    assert router.allow_migrate("default", "cases") is True


SCRIPT = r"""
import json, django
django.setup()
from django.db import connections
from django.test import Client
from django.contrib.auth import get_user_model
from django.utils import timezone
from villages.models import Town

town = Town.objects.get()
PERIOD = timezone.localdate().strftime("%Y-%m")
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(get_user_model().objects.get(username="office"))
seen = {"default": [], "replica": []}
def recorder(alias):
    def record(execute, sql, params, many, context):
        seen[alias].append(sql)
        return execute(sql, params, many, context)
    return record
with connections["default"].execute_wrapper(recorder("default")), \
        connections["replica"].execute_wrapper(recorder("replica")):
    api = client.get("/api/v1/stats/monthly", {"town": town.code, "period": PERIOD})
    stats_default = len([q for q in seen["default"] if "cases_case" in q])
    desk_before = len(seen["replica"])
    board = client.get("/hall/")
print(json.dumps({
    "api": api.status_code, "board": board.status_code,
    "applications": api.json()["figures"]["applications"],
    "case_queries_on_primary_for_the_report": stats_default,
    "replica_queries_for_the_report": desk_before,
    "replica_queries_for_the_board": len(seen["replica"]) - desk_before,
}))
"""


def _manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)


def test_statistics_read_the_replica_and_the_hall_the_primary(tmp_path):
    primary, replica = tmp_path / "primary.sqlite3", tmp_path / "replica.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{primary}", "SECRET_KEY": "x", "DEBUG": "1"}
    env.pop("DATABASE_REPLICA_URL", None)
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "seed_demo")
    shutil.copy(primary, replica)  # the replica as it stood a moment ago
    # The primary moves on: one more application today, not yet on the replica.
    _manage(env, "shell", "-c", "from cases.models import Case; c = Case.objects.order_by('pk').last(); "
            "c.pk = None; c.number += 'X'; c.token += 'X'; c.intake_key = None; c.save()")  # fmt: skip
    env["DATABASE_REPLICA_URL"] = f"sqlite:///{replica}"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "jinjie.settings"}, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])

    assert (result["api"], result["board"]) == (200, 200)
    assert result["applications"] == 6  # the demo's six, as the replica has them; the primary has seven
    assert result["replica_queries_for_the_report"] > 0
    assert result["case_queries_on_primary_for_the_report"] == 0
    assert result["replica_queries_for_the_board"] == 0
