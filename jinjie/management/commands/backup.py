"""`manage.py backup [--output DIR] [--keep N]`: one consistent copy of the database, a checksum and a manifest.

- PostgreSQL: `pg_dump --format=custom` inside a snapshot exported from a REPEATABLE READ transaction; the row
  counts and migration state in the manifest are read in that same snapshot, so they describe exactly the dump.
  Connection settings come from DATABASES["default"]; the password goes through PGPASSWORD, never the command line.
- SQLite: the online backup API (`sqlite3.Connection.backup`), consistent while the app keeps writing; the manifest
  is read from the copy itself.

Three files per backup, in var/backups/ unless --output says otherwise:

    jinjie-<database>-<UTC time>.dump       (SQLite: .sqlite3) the backup
    <backup>.json                           manifest: engine, database, created_at, latest applied migration per
                                            app, row counts per table
    <backup>.sha256                         sha256sum lines for the backup and the manifest (`sha256sum -c` reads it)

The checksum file is written last: a backup without one is incomplete, and `restore` refuses it. The helpers
below (checksums, libpq settings, reading the state of a database) are shared with the `restore` command.
"""

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

POSTGRESQL, SQLITE = "postgresql", "sqlite"
ENGINES = {"django.db.backends.postgresql": POSTGRESQL, "django.db.backends.sqlite3": SQLITE}
EXTENSIONS = {POSTGRESQL: ".dump", SQLITE: ".sqlite3"}
MANIFEST_FORMAT = 1
# libpq connection options that may sit in DATABASES[...]["OPTIONS"] (e.g. ?sslmode=require in DATABASE_URL).
LIBPQ_OPTIONS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout")
STAMP = "%Y%m%dT%H%M%SZ"


# --- shared with `restore` ---------------------------------------------------------------------------------------


def engine_of(db: dict) -> str:
    try:
        return ENGINES[db["ENGINE"]]
    except KeyError:
        raise CommandError(f"Backups support PostgreSQL and SQLite, not {db['ENGINE']}.") from None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def checksum_path(backup: Path) -> Path:
    return backup.with_name(backup.name + ".sha256")


def manifest_path(backup: Path) -> Path:
    return backup.with_name(backup.name + ".json")


def read_checksums(sidecar: Path) -> dict[str, str]:
    """{file name: sha256} from a sha256sum-format file ("<hex>  <name>" per line)."""
    sums = {}
    for line in sidecar.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"([0-9a-f]{64}) [ *](.+)", line.strip())
        if match:
            sums[match[2]] = match[1]
    return sums


def libpq_params(db: dict) -> dict[str, str]:
    """libpq keywords (dbname, user, host…) for a DATABASES entry; empty ones left out."""
    params = {
        "dbname": db.get("NAME"),
        "user": db.get("USER"),
        "password": db.get("PASSWORD"),
        "host": db.get("HOST"),
        "port": db.get("PORT"),
    }
    params.update({key: db.get("OPTIONS", {}).get(key) for key in LIBPQ_OPTIONS})
    return {key: str(value) for key, value in params.items() if value not in (None, "")}


def libpq_env(db: dict) -> dict[str, str]:
    """The environment for pg_dump/pg_restore: PGHOST, PGUSER, PGPASSWORD… so no secret is on a command line."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env.update({f"PG{'DATABASE' if key == 'dbname' else key.upper()}": v for key, v in libpq_params(db).items()})
    return env


def pg_connect(db: dict):
    import psycopg  # only on PostgreSQL

    return psycopg.connect(**libpq_params(db))


def pg_tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise CommandError(f"{name} not found: install the PostgreSQL client tools (Debian: postgresql-client).")
    return path


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_names(cursor, engine: str) -> list[str]:
    if engine == SQLITE:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1")
    else:
        # The tables Django sees (its search path), as its introspection lists them; partitions count with the parent.
        cursor.execute(
            "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname NOT IN ('pg_catalog', 'pg_toast')"
            " AND pg_catalog.pg_table_is_visible(c.oid) ORDER BY 1"
        )
    return [row[0] for row in cursor.fetchall()]


def database_state(cursor, engine: str) -> dict:
    """Row counts of every table, and the latest applied migration per app (from django_migrations)."""
    tables = {}
    for table in table_names(cursor, engine):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # the name comes from the catalogue
        tables[table] = cursor.fetchone()[0]
    migrations: dict[str, str] = {}
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        for app, name in cursor.fetchall():
            migrations[app] = name
    return {"migrations": dict(sorted(migrations.items())), "tables": tables}


def sqlite_state(path: Path) -> dict:
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
        return database_state(conn.cursor(), SQLITE)


# --- the command -------------------------------------------------------------------------------------------------


def backup_postgres(db: dict, partial: Path) -> dict:
    import psycopg

    pg_dump = pg_tool("pg_dump")
    with pg_connect(db) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            state = database_state(cursor, POSTGRESQL)
            # The exporting transaction stays open while pg_dump reads the same snapshot.
            done = subprocess.run(
                [pg_dump, "--format=custom", f"--snapshot={snapshot}", "--no-password", f"--file={partial}"],
                env=libpq_env(db),
                capture_output=True,
                text=True,
            )
    if done.returncode:
        raise CommandError(f"pg_dump failed ({done.returncode}): {done.stderr.strip()}")
    return state


def backup_sqlite(db: dict, partial: Path) -> dict:
    source = Path(db["NAME"])
    if not source.is_file():
        raise CommandError(f"No SQLite database at {source}.")
    with (
        closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as src,
        closing(sqlite3.connect(partial)) as dst,
    ):
        src.backup(dst)
        return database_state(dst.cursor(), SQLITE)


def backup_sets(directory: Path, prefix: str, extension: str) -> list[Path]:
    """This database's backups in `directory`, oldest first (the UTC time in the name sorts)."""
    pattern = re.compile(re.escape(prefix) + r"\d{8}T\d{6}Z" + re.escape(extension))
    return sorted(path for path in directory.iterdir() if pattern.fullmatch(path.name))


class Command(BaseCommand):
    help = "Back up the database (pg_dump custom format / SQLite online backup) with a .sha256 and a manifest."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path, default=None, help="Directory for the backup (default: var/backups/)."
        )
        parser.add_argument(
            "--keep", type=int, default=None, metavar="N", help="Afterwards delete all but this database's N newest."
        )

    def handle(self, *args, **options):
        db = settings.DATABASES["default"]
        engine = engine_of(db)
        directory = options["output"] or Path(settings.BASE_DIR) / "var" / "backups"
        directory.mkdir(parents=True, exist_ok=True)
        if options["keep"] is not None and options["keep"] < 1:
            raise CommandError("--keep must be at least 1.")

        database = Path(db["NAME"]).stem if engine == SQLITE else str(db["NAME"])
        prefix = "jinjie-" + re.sub(r"[^A-Za-z0-9_.-]", "_", database) + "-"
        created = dt.datetime.now(dt.UTC).replace(microsecond=0)
        backup = directory / f"{prefix}{created.strftime(STAMP)}{EXTENSIONS[engine]}"
        if backup.exists():
            raise CommandError(f"{backup} already exists; try again in a second.")
        partial = backup.with_name(backup.name + ".partial")

        try:
            state = (backup_postgres if engine == POSTGRESQL else backup_sqlite)(db, partial)
            partial.rename(backup)
        finally:
            partial.unlink(missing_ok=True)
        manifest = {
            "format": MANIFEST_FORMAT,
            "file": backup.name,
            "engine": engine,
            "database": database,
            "created_at": created.isoformat(),
            **state,
        }
        manifest_path(backup).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        sums = "".join(f"{sha256_of(path)}  {path.name}\n" for path in (backup, manifest_path(backup)))
        pending = backup.with_name(checksum_path(backup).name + ".partial")
        pending.write_text(sums, encoding="utf-8")
        pending.rename(checksum_path(backup))

        rows = sum(state["tables"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written: {backup} ({backup.stat().st_size:,} bytes; {len(state['tables'])} tables,"
                f" {rows:,} rows). Checksum: {checksum_path(backup).name}, manifest: {manifest_path(backup).name}."
            )
        )
        if options["keep"]:
            self.prune(directory, prefix, EXTENSIONS[engine], options["keep"])

    def prune(self, directory: Path, prefix: str, extension: str, keep: int) -> None:
        for old in backup_sets(directory, prefix, extension)[:-keep]:
            for path in (old, manifest_path(old), checksum_path(old)):
                path.unlink(missing_ok=True)
            self.stdout.write(f"Deleted the old backup {old.name}.")
