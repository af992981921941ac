"""The real worker (`manage.py notices_worker`) in a subprocess, on the test's own data.

PostgreSQL: the subprocess connects to the test database itself (the test commits: django_db(transaction=True)).
SQLite: the test database lives in memory, so it is copied to a file (the sqlite3 backup API) that the subprocess
opens; the test then reads the file.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests.notices.conftest import TEMPLATES
from tests.notices.fake_sms import ALIYUN_KEY_ID, ALIYUN_SECRET


class Outbox:
    """Where the subprocess's database is, and how the test reads the messages' states from it."""

    def __init__(self, tmp_path: Path) -> None:
        self.file: Path | None = None
        db = connection.settings_dict
        if connection.vendor == "sqlite":
            self.file = tmp_path / "outbox.sqlite3"
            target = sqlite3.connect(self.file)
            connection.ensure_connection()
            connection.connection.backup(target)
            target.close()
            self.url = f"sqlite:///{self.file}"
        else:
            user = db["USER"] or ""
            password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
            host = db["HOST"] or "127.0.0.1"
            port = f":{db['PORT']}" if db.get("PORT") else ""
            self.url = f"postgres://{user}{password}@{host}{port}/{db['NAME']}"

    def states(self) -> dict[str, int]:
        query = "SELECT state, COUNT(*) FROM notices_notification GROUP BY state"
        if self.file is None:
            with connection.cursor() as cursor:
                cursor.execute(query)
                return dict(cursor.fetchall())
        with sqlite3.connect(self.file, timeout=20) as db:
            return dict(db.execute(query).fetchall())

    def wait_until_all_sent(self, total: int, *, timeout: float) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.states().get("sent", 0) >= total:
                return time.monotonic() - started
            time.sleep(0.1)
        raise AssertionError(f"not all {total} messages were sent in {timeout} s: {self.states()}")


def start_worker(outbox: Outbox, endpoint: str, **extra: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": outbox.url,
        "SECRET_KEY": "worker-test-secret",
        "DEBUG": "",
        "SMS_BACKEND": "notices.backends.aliyun.AliyunBackend",
        "SMS_ALIYUN_ACCESS_KEY_ID": ALIYUN_KEY_ID,
        "SMS_ALIYUN_ACCESS_KEY_SECRET": ALIYUN_SECRET,
        "SMS_ALIYUN_ENDPOINT": endpoint,
        "SMS_ALIYUN_PROTOCOL": "http",
        "SMS_TEMPLATES": ",".join(f"{kind}:{code}" for kind, code in TEMPLATES.items()),
        "SMS_TIMEOUT_SECONDS": "2",
        "NOTICES_TICK_SECONDS": "0.2",
        # The test may run at any hour: no quiet hours in the worker (they have tests of their own).
        "NOTICES_QUIET_FROM": "00:00",
        "NOTICES_QUIET_UNTIL": "00:00",
        "LOG_LEVEL": "WARNING",
        **extra,
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "notices_worker", "--interval", "0.05", "--verbosity", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
