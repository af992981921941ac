"""Requests per second under gunicorn, as a share of `/healthz` (issue 13 point 6): `manage.py bench --throughput`.

gunicorn (2 sync workers, DEBUG=0) is started on a free local port against the bench's own database; each page is
asked for by CLIENTS concurrent connections for SECONDS, one page at a time, and its completed requests per second
are set beside those of `/healthz` measured the same way in the same run — the bare cost of a request through the
middleware and one query, which the machine's speed cancels out of. The staff pages carry a real session cookie
(a session saved in the database for a user of that role, as the login page would save it).

The load comes from this machine too: CLIENTS threads in one process spend part of the two cores, the same for
every page, so the shares are comparable; the absolute numbers are this machine's.
"""

import contextlib
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.utils.crypto import get_random_string

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
CLIENTS = 4
SECONDS = float(os.environ.get("BENCH_THROUGHPUT_SECONDS", "8"))
WARMUP = 1.0
PUBLIC_SHARE, STAFF_SHARE = 0.40, 0.20  # the floor, as a share of /healthz


@dataclass
class Target:
    name: str
    path: str
    user: object = None  # None: the public
    floor: float = PUBLIC_SHARE


@dataclass
class Measured:
    name: str
    rps: float
    median_ms: float
    errors: int
    share: float = 1.0
    floor: float | None = None

    @property
    def ok(self) -> bool:
        return self.floor is None or (self.share >= self.floor and not self.errors)


def session_cookie(user) -> str:
    """The cookies of a browser logged in as `user`: the session, stored like `django.contrib.auth.login` stores
    it, and the CSRF cookie the login page set (a browser sends it with every request after that)."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]  # the model backend (axes only guards logins)
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    csrf = get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS)
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}; {settings.CSRF_COOKIE_NAME}={csrf}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def gunicorn(database_url: str):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECRET_KEY": settings.SECRET_KEY,
        "STATIC_ROOT": str(ROOT / "var" / "bench-static"),
    }
    # As deployed: DEBUG=0 serves the collected, hashed static files (the pages' {% static %} needs the manifest).
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    command = [str(Path(sys.executable).parent / "gunicorn"), "jinjie.wsgi", "--bind", f"127.0.0.1:{port}",
               "--workers", str(WORKERS), "--log-level", "warning"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not answer /healthz") from None
                time.sleep(0.2)
        yield port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def hammer(port: int, target: Target, cookie: str | None, seconds: float | None = None) -> Measured:
    """CLIENTS threads asking for one path until `seconds` are over; what was completed, after a warm-up."""
    seconds = seconds or SECONDS
    headers = {"Host": "127.0.0.1", "User-Agent": "jinjie-bench"}
    if cookie:
        headers["Cookie"] = cookie
    start = time.monotonic()
    counting_from, until = start + WARMUP, start + WARMUP + seconds
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def client():
        mine, bad = [], 0
        while (now := time.monotonic()) < until:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                connection.request("GET", target.path, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except OSError:
                status = 0
            finally:
                connection.close()
            if now >= counting_from:
                mine.append(time.monotonic() - now)
                bad += status != 200
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Measured(
        target.name,
        rps=len(latencies) / seconds,
        median_ms=statistics.median(latencies) * 1000 if latencies else float("nan"),
        errors=errors[0],
    )


def run(database_url: str, targets: list[Target], write) -> list[Measured]:
    cookies = {}
    for target in targets:
        if target.user is not None and target.user.pk not in cookies:
            cookies[target.user.pk] = session_cookie(target.user)
    with gunicorn(database_url) as port:
        write(f"gunicorn: {WORKERS} sync workers on 127.0.0.1:{port}; {CLIENTS} clients, {SECONDS:.0f} s per page")
        base = hammer(port, Target("/healthz", "/healthz"), None)
        results = [base]
        for target in targets:
            measured = hammer(port, target, cookies.get(getattr(target.user, "pk", None)))
            measured.share = measured.rps / base.rps if base.rps else 0.0
            measured.floor = target.floor
            results.append(measured)
    return results


def table(results: list[Measured]) -> str:
    lines = ["| page | req/s | median | share of /healthz | floor | |", "|---|---:|---:|---:|---:|---|"]
    for r in results:
        floor = "" if r.floor is None else f"{r.floor:.0%}"
        verdict = "" if r.floor is None else ("ok" if r.ok else "BELOW")
        errors = f" ({r.errors} errors)" if r.errors else ""
        lines.append(
            f"| {r.name} | {r.rps:,.0f} | {r.median_ms:.1f} ms | {r.share:.0%} | {floor} | {verdict}{errors} |"
        )
    return "\n".join(lines)
