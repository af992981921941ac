"""Backup and restore (issue 8, point 6): a populated database backs up, restores into an empty database elsewhere
with the same row counts and a clean verify_history; a damaged backup and a non-empty target are refused.

Backup and restore work on whole databases, so these tests never touch the test database: they run manage.py in
subprocesses against scratch databases of their own (temporary SQLite files; PostgreSQL databases with unique names,
created and dropped here). seed_demo populates them through the real services.
"""

import json
import os
import subprocess
import sys
import uuid
from contextlib import closing
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from jinjie.management.commands.backup import (
    POSTGRESQL,
    checksum_path,
    database_state,
    libpq_env,
    manifest_path,
    pg_connect,
    read_checksums,
    sha256_of,
    sqlite_state,
)


def manage(*args: str, database_url: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url}
    # Whoever signs the history (seed_demo) and whoever checks it (restore) must hold the same key.
    env.setdefault("SECRET_KEY", "backup-test-secret-key")
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check and done.returncode:
        pytest.fail(f"manage.py {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def populate_and_back_up(url: str, output: Path) -> Path:
    manage("migrate", "--noinput", database_url=url)
    manage("seed_demo", database_url=url)
    manage("backup", "--output", str(output), database_url=url)
    [backup] = [path for path in output.iterdir() if path.suffix in (".dump", ".sqlite3")]
    return backup


def assert_restored(done: subprocess.CompletedProcess, source: dict, restored: dict, target_url: str) -> None:
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Row counts match the manifest" in done.stdout
    assert "History intact" in done.stdout
    # The demo town went through the real services: cases with their signed history, not just a schema.
    assert source["tables"]["cases_case"] > 0
    assert source["tables"]["cases_caseevent"] > 0
    assert restored == source
    check = manage("verify_history", database_url=target_url, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "History intact" in check.stdout


# --- SQLite ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sqlite_backup(tmp_path_factory):
    root = tmp_path_factory.mktemp("backup-sqlite")
    source = root / "a.sqlite3"
    url = f"sqlite:///{source}"
    backup = populate_and_back_up(url, root / "backups")
    return SimpleNamespace(root=root, source=source, url=url, backup=backup)


def test_sqlite_backup_writes_a_checksum_and_a_manifest_of_the_database(sqlite_backup):
    backup = sqlite_backup.backup
    sums = read_checksums(checksum_path(backup))
    manifest = json.loads(manifest_path(backup).read_text(encoding="utf-8"))

    assert backup.name.startswith("jinjie-a-") and backup.suffix == ".sqlite3"
    assert sums == {backup.name: sha256_of(backup), manifest_path(backup).name: sha256_of(manifest_path(backup))}
    assert manifest["engine"] == "sqlite"
    assert manifest["tables"] == sqlite_state(sqlite_backup.source)["tables"]
    assert manifest["migrations"]["cases"] == sqlite_state(sqlite_backup.source)["migrations"]["cases"]
    assert set(manifest["migrations"]) >= {"auth", "cases", "departments", "jinjie", "villages"}


def test_sqlite_backup_restores_into_an_empty_database_with_the_same_rows_and_a_clean_history(sqlite_backup, tmp_path):
    target = tmp_path / "restored" / "b.sqlite3"
    url = f"sqlite:///{target}"

    # Into DATABASE_URL itself (the PostgreSQL test below uses --database-url).
    done = manage("restore", str(sqlite_backup.backup), database_url=url, check=False)

    assert_restored(done, sqlite_state(sqlite_backup.source), sqlite_state(target), url)


@pytest.mark.parametrize("damage", ["backup", "manifest", "checksum file"])
def test_damaged_backup_is_refused_before_anything_is_restored(sqlite_backup, tmp_path, damage):
    copy = tmp_path / sqlite_backup.backup.name
    for path in (sqlite_backup.backup, manifest_path(sqlite_backup.backup), checksum_path(sqlite_backup.backup)):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    if damage == "backup":
        data = bytearray(copy.read_bytes())
        data[len(data) // 2] ^= 0x01
        copy.write_bytes(bytes(data))
    elif damage == "manifest":
        manifest = json.loads(manifest_path(copy).read_text(encoding="utf-8"))
        manifest["tables"]["cases_case"] += 1
        manifest_path(copy).write_text(json.dumps(manifest), encoding="utf-8")
    else:
        checksum_path(copy).unlink()
    target = tmp_path / "b.sqlite3"

    done = manage("restore", str(copy), "--database-url", f"sqlite:///{target}", database_url="sqlite://", check=False)

    assert done.returncode != 0
    if damage == "checksum file":
        assert f"{checksum_path(copy).name} is missing" in done.stderr
    else:
        assert "Checksum mismatch" in done.stderr
    assert not target.exists()


def test_restore_refuses_a_database_with_rows(sqlite_backup):
    before = sqlite_state(sqlite_backup.source)

    done = manage("restore", str(sqlite_backup.backup), database_url=sqlite_backup.url, check=False)

    assert done.returncode != 0
    assert "is not empty" in done.stderr
    assert sqlite_state(sqlite_backup.source) == before


def test_restore_refuses_a_database_with_only_migrations_applied(sqlite_backup, tmp_path):
    import sqlite3

    target = tmp_path / "migrated.sqlite3"
    with closing(sqlite3.connect(target)) as conn, conn:
        conn.execute("CREATE TABLE django_migrations (id integer PRIMARY KEY, app text, name text, applied text)")
        conn.execute("INSERT INTO django_migrations (app, name, applied) VALUES ('cases', '0001_initial', '')")

    done = manage(
        "restore",
        str(sqlite_backup.backup),
        "--database-url",
        f"sqlite:///{target}",
        database_url="sqlite://",
        check=False,
    )

    assert done.returncode != 0
    assert "1 migrations applied" in done.stderr


def test_backup_keep_deletes_the_oldest_backups_of_the_database(sqlite_backup, tmp_path):
    old = tmp_path / "jinjie-a-20200101T000000Z.sqlite3"
    other_database = tmp_path / "jinjie-b-20200101T000000Z.sqlite3"
    for path in (old, manifest_path(old), checksum_path(old), other_database):
        path.write_text("old", encoding="utf-8")

    manage("backup", "--output", str(tmp_path), "--keep", "1", database_url=sqlite_backup.url)

    names = sorted(path.name for path in tmp_path.iterdir())
    assert old.name not in names and manifest_path(old).name not in names and checksum_path(old).name not in names
    assert other_database.name in names
    [new] = [name for name in names if name.startswith("jinjie-a-") and name.endswith(".sqlite3")]
    assert f"{new}.sha256" in names and f"{new}.json" in names


# --- PostgreSQL --------------------------------------------------------------------------------------------------

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL=postgres://…): pg_dump, pg_restore"
)


@pytest.fixture(scope="module")
def scratch_postgres():
    """make(suffix) -> (DATABASES entry, URL) of a new empty database on the test server; all dropped afterwards."""
    server = settings.DATABASES["default"]
    made: list[str] = []

    def make(suffix: str) -> tuple[dict, str]:
        name = f"jinjie_backup_{uuid.uuid4().hex[:8]}_{suffix}"
        subprocess.run(["createdb", "--no-password", name], env=libpq_env(server), check=True, timeout=30)
        made.append(name)
        db = {**server, "NAME": name}
        auth = quote(server["USER"], safe="") + (f":{quote(server['PASSWORD'], safe='')}" if server["PASSWORD"] else "")
        return db, f"postgres://{auth}@{server['HOST'] or 'localhost'}:{server['PORT'] or 5432}/{name}"

    yield make
    for name in made:
        subprocess.run(["dropdb", "--no-password", "--if-exists", "--force", name], env=libpq_env(server), timeout=30)


def pg_state(db: dict) -> dict:
    with pg_connect(db) as conn, conn.cursor() as cursor:
        return database_state(cursor, POSTGRESQL)


@pytest.fixture(scope="module")
def postgres_backup(scratch_postgres, tmp_path_factory):
    db, url = scratch_postgres("source")
    backup = populate_and_back_up(url, tmp_path_factory.mktemp("backup-postgres"))
    return SimpleNamespace(db=db, url=url, backup=backup)


@pytest.mark.postgres
@needs_postgresql
def test_postgres_backup_restores_into_an_empty_database_with_the_same_rows_and_a_clean_history(
    postgres_backup, scratch_postgres
):
    target, url = scratch_postgres("restored")
    manifest = json.loads(manifest_path(postgres_backup.backup).read_text(encoding="utf-8"))

    done = manage(
        "restore", str(postgres_backup.backup), "--database-url", url, database_url=postgres_backup.url, check=False
    )

    assert postgres_backup.backup.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert manifest["engine"] == "postgresql"
    assert manifest["tables"] == pg_state(postgres_backup.db)["tables"]
    assert_restored(done, pg_state(postgres_backup.db), pg_state(target), url)


@pytest.mark.postgres
@needs_postgresql
def test_postgres_restore_refuses_a_database_with_rows(postgres_backup):
    before = pg_state(postgres_backup.db)

    done = manage("restore", str(postgres_backup.backup), database_url=postgres_backup.url, check=False)

    assert done.returncode != 0
    assert "is not empty" in done.stderr
    assert pg_state(postgres_backup.db) == before
