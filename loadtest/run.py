"""`make loadtest`: 50 simulated users against gunicorn on a private PostgreSQL 15 cluster, restarted midway.

Steps: initdb a throwaway cluster in a temp directory on a free local port (as the postgres OS user when run as
root), create the database, migrate, collectstatic, seed_demo; start gunicorn (DEBUG=0) on a free
port and wait for /healthz; run loadtest/locustfile.py headless (locust, in its own process because of gevent) for
LOADTEST_SECONDS; at the midpoint stop the cluster, wait, start it again; then report throughput, latency and errors
before, during and after the restart, and check that what the users were told is in the database
(loadtest/check.py, manage.py verify_history). Only 127.0.0.1 is contacted. Everything it started is stopped and the
cluster deleted at the end, also on failure or Ctrl-C; logs stay in var/loadtest/<time>/.

Settings (environment): LOADTEST_SECONDS (180), LOADTEST_RESTART_AT (seconds into the run; half of it),
LOADTEST_DOWN_SECONDS (3: how long the database stays down), LOADTEST_WINDOW (15: seconds after the database is back
in which errors count as "during the restart"), LOADTEST_STOP_MODE (fast; "immediate" is a crash with WAL recovery),
LOADTEST_WORKERS (3), LOADTEST_THREADS (4), LOADTEST_PG_BIN (/usr/lib/postgresql/15/bin).
Exit status: 0 when there were no errors outside the restart window and every check passed.
"""

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SECONDS = int(os.environ.get("LOADTEST_SECONDS", "180"))
RESTART_AT = float(os.environ.get("LOADTEST_RESTART_AT", SECONDS / 2))
DOWN_SECONDS = float(os.environ.get("LOADTEST_DOWN_SECONDS", "3"))
WINDOW = float(os.environ.get("LOADTEST_WINDOW", "15"))
WARMUP = float(os.environ.get("LOADTEST_WARMUP", "15"))
STOP_MODE = os.environ.get("LOADTEST_STOP_MODE", "fast")
WORKERS = os.environ.get("LOADTEST_WORKERS", "3")
THREADS = os.environ.get("LOADTEST_THREADS", "4")
PG_BIN = Path(os.environ.get("LOADTEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
USERS = 50  # 15 cadres, 15 clerks, 15 villagers, 5 hall boards (fixed_count in the locustfile)
DB_NAME = "jinjie_load"


def log(message: str) -> None:
    print(f"[loadtest {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port(start: int) -> int:
    for port in range(start, start + 200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port from {start}")


class Cluster:
    """A private PostgreSQL cluster: never the shared server on 5432."""

    def __init__(self, workdir: Path, port: int, logfile: Path):
        self.data = workdir / "data"
        self.socket_dir = workdir / "socket"
        self.port = port
        self.logfile = logfile
        self.started = False
        self.as_postgres = os.getuid() == 0  # PostgreSQL refuses to run as root

    def _pg(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(PG_BIN / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=120)

    def init(self) -> None:
        self.socket_dir.mkdir(parents=True)
        self.logfile.touch()
        if self.as_postgres:
            for path in (self.data.parent, self.socket_dir, self.logfile):
                shutil.chown(path, "postgres", "postgres")
        self._pg("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c max_connections=100"
        self._pg("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data), "-l", str(self.logfile), "-o", options)
        self.started = True

    def stop(self, mode: str = "fast") -> None:
        self._pg("pg_ctl", "stop", "-w", "-t", "60", "-m", mode, "-D", str(self.data), check=False)
        self.started = False

    def psql(self, sql: str) -> None:
        subprocess.run(
            [str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-qAtc", sql],
            check=True,
            capture_output=True,
            timeout=60,
        )


def app_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOADTEST_")}
    env.update(
        {
            "DATABASE_URL": database_url,
            "DEBUG": "0",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "NUM_PROXIES": "1",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def manage(env: dict, *args: str, out: Path | None = None, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    if out is not None:
        with out.open("a", encoding="utf-8") as f:
            f.write(f"$ manage.py {' '.join(args)}\n{result.stdout}{result.stderr}\n")
    if check and result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result


def wait_healthy(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as response:  # our own local server
            if response.status == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer 200 within {seconds:.0f} s")


def stop_process(process: subprocess.Popen | None, name: str, grace: float = 15) -> None:
    """Stop a process we started (its own process group) by its id: TERM, then KILL."""
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        log(f"{name} did not stop; killing it")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


# --- the report --------------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table(header: tuple, rows: list[tuple], right_from: int = 1) -> str:
    cells = [tuple(str(c) for c in header)] + [tuple(str(c) for c in row) for row in rows]
    widths = [max(width(row[i]) for row in cells) for i in range(len(header))]

    def line(row):
        parts = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - width(cell))
            parts.append(pad + cell if i >= right_from else cell + pad)
        return "| " + " | ".join(parts) + " |"

    rule = "|" + "|".join("-" * (w + 2) if i < right_from else "-" * (w + 1) + ":" for i, w in enumerate(widths)) + "|"
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def analyse(out: Path, timeline: dict) -> tuple[dict, list[str]]:
    requests = []
    with (out / "requests.jsonl").open(encoding="utf-8") as f:
        for line in f:
            start, ms, name, status, error = json.loads(line)
            requests.append(
                {"start": start, "ms": ms, "end": start + ms / 1000, "name": name, "status": status, "error": error}
            )
    acks = []
    if (out / "acks.jsonl").exists():
        with (out / "acks.jsonl").open(encoding="utf-8") as f:
            acks = [json.loads(line) for line in f]

    stop_at, up_at = timeline["db_stop"], timeline["db_up"]
    window_end = up_at + WINDOW
    first = min(r["start"] for r in requests)
    last = max(r["end"] for r in requests)
    steady_from = min(first + WARMUP, stop_at)

    def phase(t: float) -> str:
        if t < steady_from:
            return "warm-up"
        if t < stop_at:
            return "before"
        return "during" if t < window_end else "after"

    duration = last - first
    by_name: dict[str, list[dict]] = defaultdict(list)
    for r in requests:
        by_name[r["name"]].append(r)
    errors = [r for r in requests if r["error"]]
    per_phase = Counter(phase(r["end"]) for r in requests)
    errors_per_phase = Counter(phase(r["end"]) for r in errors)
    span = {
        "warm-up": steady_from - first,
        "before": stop_at - steady_from,
        "during": window_end - stop_at,
        "after": last - window_end,
    }

    lines = []
    lines.append(
        f"Run: {duration:.0f} s, {USERS} users (15 cadres, 15 clerks, 15 villagers, 5 hall boards); gunicorn "
        f"{WORKERS} workers × {THREADS} threads; database stopped at +{stop_at - first:.0f} s ({STOP_MODE}), "
        f"accepting connections again at +{up_at - first:.1f} s; restart window until +{window_end - first:.0f} s."
    )
    lines.append("")
    total_ms = [r["ms"] for r in requests]
    summary = [
        ("all requests", len(requests), f"{len(requests) / duration:.1f}", f"{percentile(total_ms, 50):.0f}",
         f"{percentile(total_ms, 99):.0f}", len(errors)),
    ]  # fmt: skip
    for name in sorted(by_name):
        items = by_name[name]
        ms = [r["ms"] for r in items]
        summary.append(
            (name, len(items), f"{len(items) / duration:.2f}", f"{percentile(ms, 50):.0f}", f"{percentile(ms, 99):.0f}",
             sum(1 for r in items if r["error"]))
        )  # fmt: skip
    lines.append(table(("page type", "requests", "req/s", "p50 ms", "p99 ms", "errors"), summary))
    lines.append("")
    phases = []
    for name in ("warm-up", "before", "during", "after"):
        ms = [r["ms"] for r in requests if phase(r["end"]) == name]
        phases.append(
            (
                {
                    "warm-up": "warm-up (users logging in)",
                    "before": "steady, before the restart",
                    "during": f"restart window (stop → up + {WINDOW:.0f} s)",
                    "after": "after the restart window",
                }[name],
                f"{span[name]:.0f} s",
                per_phase[name],
                f"{per_phase[name] / span[name]:.1f}" if span[name] > 0 else "-",
                f"{percentile(ms, 50):.0f}",
                f"{percentile(ms, 99):.0f}",
                errors_per_phase[name],
            )
        )
    lines.append(table(("phase", "length", "requests", "req/s", "p50 ms", "p99 ms", "errors"), phases))

    in_window = sorted(r["end"] for r in errors if phase(r["end"]) == "during")
    if in_window:
        last = in_window[-1] - up_at
        lines.append(
            f"Errors in the restart window: the first {in_window[0] - stop_at:.1f} s after the stop, the last "
            f"{abs(last):.1f} s {'after' if last >= 0 else 'before'} the database accepted connections again."
        )
    kinds = Counter(a["kind"] for a in acks)
    steps = Counter(a["action"] for a in acks if a["kind"] == "step")
    retried_cases = sum(1 for a in acks if a["kind"] == "case" and a["attempts"] > 1)
    lines.append("")
    lines.append(
        table(
            ("acknowledged to users", "count"),
            [
                ("cases opened (receipt shown)", kinds["case"]),
                ("  of which after resubmitting the form", retried_cases),
                ("certificates stamped", steps["stamped"]),
                ("files received at a desk", steps["accepted"]),
                ("steps completed", steps["step_done"]),
                ("refused: another user was first (stale page)", kinds["step_conflict"]),
                ("outcome unknown (answer lost in the outage)", kinds["step_unknown"]),
                ("intakes / actions given up after errors", kinds["intake_failed"] + kinds["action_failed"]),
            ],
        )
    )
    result = {
        "errors_outside_window": len(errors) - errors_per_phase["during"],
        "errors": errors,
        "phase": phase,
        "acks": acks,
    }
    return result, lines


def error_lines(errors: list[dict], phase) -> list[str]:
    grouped = Counter((phase(r["end"]), r["name"], r["status"], r["error"][:160]) for r in errors)
    return [
        f"  {n:>4} × [{p}] {name} → {status or '-'} {error}" for (p, name, status, error), n in grouped.most_common(40)
    ]


def main() -> int:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = ROOT / "var" / "loadtest" / stamp
    out.mkdir(parents=True)
    os.chmod(out, 0o755)
    workdir = Path(tempfile.mkdtemp(prefix="jinjie-loadtest-"))
    cluster = Cluster(workdir, free_port(55432), out / "postgres.log")
    gunicorn = locust = None
    failed = False

    def terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C cleans up, even when started in the background
    try:
        log(f"private PostgreSQL cluster in {workdir} on 127.0.0.1:{cluster.port} (logs in {out})")
        cluster.init()
        cluster.start()
        cluster.psql(f"CREATE DATABASE {DB_NAME}")
        env = app_env(f"postgres://postgres@127.0.0.1:{cluster.port}/{DB_NAME}")
        setup_log = out / "setup.log"
        log("migrate, collectstatic, seed_demo")
        manage(env, "migrate", "--noinput", out=setup_log)
        manage(env, "collectstatic", "--noinput", out=setup_log)
        manage(env, "seed_demo", out=setup_log)

        port = free_port(18000)
        base = f"http://127.0.0.1:{port}"
        with (out / "gunicorn.log").open("w") as glog:
            gunicorn = subprocess.Popen(
                [str(VENV_BIN / "gunicorn"), "jinjie.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", WORKERS,
                 "--threads", THREADS, "--timeout", "60", "--graceful-timeout", "10", "--keep-alive", "30",
                 "--no-control-socket"],
                cwd=ROOT, env=env, stdout=glog, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        wait_healthy(f"{base}/healthz", 60)
        log(f"gunicorn on {base}: {WORKERS} workers × {THREADS} threads")

        locust_env = {**env, "LOADTEST_OUT": str(out)}
        with (out / "locust.log").open("w") as llog:
            started = time.time()
            locust = subprocess.Popen(
                [str(VENV_BIN / "locust"), "-f", str(ROOT / "loadtest" / "locustfile.py"), "--headless",
                 "--users", str(USERS), "--spawn-rate", "10", "--run-time", f"{SECONDS}s", "--host", base,
                 "--stop-timeout", "15", "--only-summary", "--exit-code-on-error", "0", "--loglevel", "WARNING"],
                cwd=ROOT, env=locust_env, stdout=llog, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        log(f"{USERS} simulated users for {SECONDS} s; database restart at +{RESTART_AT:.0f} s")

        time.sleep(max(0.0, started + RESTART_AT - time.time()))
        timeline = {"db_stop": time.time()}
        log(f"stopping the database (-m {STOP_MODE})")
        cluster.stop(STOP_MODE)
        time.sleep(DOWN_SECONDS)
        cluster.start()
        timeline["db_up"] = time.time()
        log(f"database up again after {timeline['db_up'] - timeline['db_stop']:.1f} s")

        try:
            locust.wait(SECONDS - RESTART_AT + 90)
        except subprocess.TimeoutExpired:
            log("locust overran its time; stopping it")
            failed = True
        stop_process(locust, "locust")
        stop_process(gunicorn, "gunicorn")
        log("load finished; checking what the users were told against the database")

        result, lines = analyse(out, timeline)
        check = subprocess.run(
            [sys.executable, str(ROOT / "loadtest" / "check.py"), str(out / "acks.jsonl")],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        (out / "check.log").write_text(check.stdout + check.stderr, encoding="utf-8")
        verify = manage(env, "verify_history", out=out / "check.log", check=False)

        print()
        print("\n".join(lines))
        print()
        checks = json.loads(check.stdout) if check.returncode in (0, 1) and check.stdout.strip() else None
        rows = []
        if checks is None:
            rows.append(("consistency check", "could not run (see check.log)", "FAIL"))
            failed = True
        else:
            for item in checks["checks"]:
                rows.append((item["name"], item["detail"], "ok" if item["ok"] else "FAIL"))
                failed |= not item["ok"]
        verify_text = [line for line in (verify.stdout + verify.stderr).splitlines() if line.strip()]
        rows.append(
            (
                "manage.py verify_history",
                next((line for line in verify_text if "History intact" in line), "; ".join(verify_text[:2])),
                "ok" if verify.returncode == 0 else "FAIL",
            )
        )
        failed |= verify.returncode != 0
        outside = result["errors_outside_window"]
        rows.append(
            (
                "no errors outside the restart window",
                f"{outside} error(s) before/after",
                "ok" if not outside else "FAIL",
            )
        )
        failed |= outside > 0
        print(table(("check", "detail", "result"), rows, right_from=3))
        if result["errors"]:
            print("\nErrors (count × [phase] page → status, error):")
            print("\n".join(error_lines(result["errors"], result["phase"])))
        if checks and checks.get("problems"):
            print("\nInconsistencies:")
            print("\n".join(f"  {p}" for p in checks["problems"][:50]))
        if verify.returncode != 0:
            print("\nmanage.py verify_history:")
            print("\n".join(f"  {line}" for line in verify_text[:50]))
        print(f"\nLogs: {out.relative_to(ROOT)}/ (gunicorn.log, postgres.log, locust.log, requests.jsonl, acks.jsonl)")
        print("RESULT:", "FAIL" if failed else "PASS")
        return 1 if failed else 0
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        stop_process(locust, "locust")
        stop_process(gunicorn, "gunicorn")
        if cluster.started or cluster.data.exists():
            cluster.stop("fast")
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
