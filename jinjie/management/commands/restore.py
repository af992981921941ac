"""`manage.py restore FILE [--database-url URL]`: put a backup made by `backup` into an empty database.

In order, stopping at the first refusal:

1. FILE.sha256 must list FILE and its manifest FILE.json with matching checksums: a damaged, altered or half-written
   backup is refused before anything touches a database.
2. The target (--database-url, else DATABASE_URL) must be of the backup's engine and empty: no tables at all, so no
   migrations applied and no rows. Restore never merges into or overwrites a database.
3. PostgreSQL: pg_restore --no-owner --no-privileges --single-transaction --exit-on-error into the target (which must
   exist: createdb); a failure leaves it empty. SQLite: the online backup API copies the backup into the target file.
4. The row count of every table is compared with the manifest, then `verify_history` checks the restored case
   history. It checks with this process's HISTORY_KEYS (or SECRET_KEY): run restore with the app's environment.

Exits non-zero when any step fails.
"""

import json
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import dj_database_url
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from .backup import (
    MANIFEST_FORMAT,
    POSTGRESQL,
    SQLITE,
    checksum_path,
    database_state,
    engine_of,
    libpq_env,
    manifest_path,
    pg_connect,
    pg_tool,
    read_checksums,
    sha256_of,
    sqlite_state,
)


def describe(db: dict) -> str:
    """The target, for messages (never the password)."""
    if engine_of(db) == SQLITE:
        return f"SQLite file {db['NAME']}"
    return f"PostgreSQL database {db['NAME']!r} on {db.get('HOST') or 'the local socket'}:{db.get('PORT') or 5432}"


def target_state(db: dict) -> dict | None:
    """Row counts and migrations of the target; None when there is no database yet (a missing SQLite file)."""
    if engine_of(db) == SQLITE:
        path = Path(db["NAME"])
        return sqlite_state(path) if path.exists() else None
    import psycopg

    try:
        with pg_connect(db) as conn, conn.cursor() as cursor:
            return database_state(cursor, POSTGRESQL)
    except psycopg.OperationalError as error:
        raise CommandError(
            f"Cannot connect to {describe(db)} (create it first, empty: createdb): {str(error).strip()}"
        ) from None


def restore_postgres(backup: Path, db: dict) -> None:
    done = subprocess.run(
        [
            pg_tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={db['NAME']}",
            str(backup),
        ],
        env=libpq_env(db),
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise CommandError(f"pg_restore failed ({done.returncode}); nothing was restored: {done.stderr.strip()}")


def restore_sqlite(backup: Path, db: dict) -> None:
    target = Path(db["NAME"])
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        closing(sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)) as src,
        closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)


def use_as_default(db: dict) -> None:
    """Point Django's default connection at `db` for the rest of this process (for verify_history)."""
    connections[DEFAULT_DB_ALIAS].close()
    del connections[DEFAULT_DB_ALIAS]
    connections.settings[DEFAULT_DB_ALIAS] = connections.configure_settings({DEFAULT_DB_ALIAS: dict(db)})[
        DEFAULT_DB_ALIAS
    ]


class Command(BaseCommand):
    help = "Restore a backup made by `backup` into an empty database, then compare row counts and verify the history."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The backup (.dump or .sqlite3), with FILE.sha256 and FILE.json.")
        parser.add_argument(
            "--database-url",
            help="Restore into this database instead of DATABASE_URL. It must be empty (PostgreSQL: exist, createdb).",
        )

    def handle(self, *args, **options):
        backup: Path = options["file"]
        self.verbosity = options["verbosity"]
        manifest = self.verified_manifest(backup)
        url = options["database_url"]
        target = dj_database_url.parse(url) if url else settings.DATABASES[DEFAULT_DB_ALIAS]
        engine = engine_of(target)
        if engine != manifest["engine"]:
            raise CommandError(f"{backup.name} is a {manifest['engine']} backup; the target is {describe(target)}.")
        self.refuse_unless_empty(target)

        self.stdout.write(f"Restoring {backup.name} (made {manifest['created_at']}) into {describe(target)}…")
        (restore_postgres if engine == POSTGRESQL else restore_sqlite)(backup, target)

        counts_match = self.compare_counts(manifest["tables"], target_state(target)["tables"])
        if url:
            use_as_default(target)
        history_intact = self.schema_matches_code() and self.verify_history()
        problems = [
            *([] if counts_match else ["its row counts differ from the manifest"]),
            *([] if history_intact else ["its history was not verified"]),
        ]
        if problems:
            raise CommandError(f"Restored into {describe(target)}, but {' and '.join(problems)} (see above).")
        self.stdout.write(self.style.SUCCESS(f"Restored {backup.name} into {describe(target)}: counts and history OK."))

    def verified_manifest(self, backup: Path) -> dict:
        if not backup.is_file():
            raise CommandError(f"No such backup: {backup}")
        sidecar = checksum_path(backup)
        if not sidecar.is_file():
            raise CommandError(
                f"{sidecar.name} is missing. A backup without its checksum file is incomplete or unverifiable;"
                " refusing to restore it."
            )
        expected = read_checksums(sidecar)
        for path in (backup, manifest_path(backup)):
            if path.name not in expected:
                raise CommandError(f"{sidecar.name} has no checksum for {path.name}; refusing to restore.")
            if not path.is_file():
                raise CommandError(f"{path.name} is missing; refusing to restore.")
            actual = sha256_of(path)
            if actual != expected[path.name]:
                raise CommandError(
                    f"Checksum mismatch for {path.name}: expected {expected[path.name]}, found {actual}. The backup"
                    " is damaged or was altered; nothing was restored."
                )
        manifest = json.loads(manifest_path(backup).read_text(encoding="utf-8"))
        if manifest.get("format") != MANIFEST_FORMAT or manifest.get("file") != backup.name:
            raise CommandError(f"{manifest_path(backup).name} is not the manifest of {backup.name}.")
        self.stdout.write(f"Checksums match ({sidecar.name}).")
        return manifest

    def refuse_unless_empty(self, target: dict) -> None:
        state = target_state(target)
        if state and state["tables"]:
            tables = state["tables"]
            raise CommandError(
                f"{describe(target)} is not empty: {len(tables)} tables, {sum(tables.values()):,} rows,"
                f" {tables.get('django_migrations', 0)} migrations applied. Restore only goes into an empty"
                " database: create a new one (PostgreSQL: createdb) or name a new SQLite file."
            )

    def compare_counts(self, expected: dict[str, int], actual: dict[str, int]) -> bool:
        names = sorted(set(expected) | set(actual))
        width = max(map(len, names), default=5)
        if self.verbosity >= 1:
            self.stdout.write(f"  {'table':<{width}} {'backup':>9} {'restored':>9}")
        differences = 0
        for table in names:
            want, got = expected.get(table, "—"), actual.get(table, "—")
            line = f"  {table:<{width}} {want:>9} {got:>9}"
            if want != got:
                differences += 1
                self.stdout.write(self.style.ERROR(line + "  DIFFERENT"))
            elif self.verbosity >= 1:
                self.stdout.write(line)
        if differences:
            self.stderr.write(self.style.ERROR(f"{differences} table(s) differ from the manifest."))
            return False
        self.stdout.write(f"Row counts match the manifest: {len(names)} tables, {sum(actual.values()):,} rows.")
        return True

    def schema_matches_code(self) -> bool:
        """The history check needs the schema of this code: say so when the backup is older or newer."""
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        missing = executor.migration_plan(executor.loader.graph.leaf_nodes())
        unknown = set(executor.loader.applied_migrations) - set(executor.loader.disk_migrations)
        if unknown:
            names = ", ".join(f"{app}.{name}" for app, name in sorted(unknown))
            self.stderr.write(
                self.style.ERROR(
                    f"The backup has migrations this code does not know ({names}): restore it with the"
                    " code it was made with. verify_history was not run."
                )
            )
            return False
        if missing:
            self.stderr.write(
                self.style.ERROR(
                    f"The backup predates {len(missing)} migration(s) of this code: run `manage.py migrate`, then"
                    " `manage.py verify_history`. verify_history was not run."
                )
            )
            return False
        return True

    def verify_history(self) -> bool:
        try:
            call_command("verify_history", stdout=self.stdout, stderr=self.stderr)
        except CommandError as error:
            self.stderr.write(self.style.ERROR(f"verify_history: {error}"))
            return False
        return True
