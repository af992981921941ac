"""Writing a batch's rows: ids reserved first, then COPY on PostgreSQL (`bulk_create` elsewhere).

Rows are tuples in the order of their `Table`'s columns, built once per row without an intermediate dict. A table
names every concrete column of its model (checked when it is made), so a column the generator forgot is an error,
not a silent database default.

Foreign keys, on PostgreSQL as a superuser: checked once per batch and referenced row, not once per written row.
The constraints' own triggers queue one check per row and column (some fifty a case) and run them at commit — half
of what the database spends on a batch. Instead the batch turns them off for its transaction
(`session_replication_role = replica`, which skips triggers, never unique or check constraints) and checks the same
thing itself before it commits: every id a row points at is a row written in the batch or a row the database has,
locked `FOR KEY SHARE` as the constraint's trigger locks it, so it cannot be deleted before the commit. A missing one
is an `IntegrityError` and the batch is rolled back. Not done when a table has a trigger or rule of its own that an
insert would fire, or without the privilege; then the constraints check as usual.
"""

import operator
from collections import defaultdict
from contextlib import contextmanager

from django.db import IntegrityError, connection, transaction
from django.db.models import JSONField

from villages import page_versions


class Table:
    """The columns a model's rows are written with, in the order the generator gives them."""

    def __init__(self, model, columns: tuple[str, ...]):
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [name for name in columns if name not in fields]
        missing = [name for name, f in fields.items() if name not in columns and not f.primary_key]
        if unknown or missing or len(set(columns)) != len(columns):
            raise ValueError(f"{model.__name__} columns: unknown {unknown}, missing {missing}")
        self.model = model
        self.columns = columns
        self.fields = [fields[name] for name in columns]
        self.json = [i for i, f in enumerate(self.fields) if isinstance(f, JSONField)]
        self.defaults = {name: fields[name].get_default() for name in columns}
        self.take = operator.itemgetter(*columns)
        self.pk = next((i for i, f in enumerate(self.fields) if f.primary_key), None)
        # (position, referenced model) of each foreign key the database enforces
        keys = [(i, f) for i, f in enumerate(self.fields) if f.is_relation and f.db_constraint]
        self.references = [(i, f.target_field.model) for i, f in keys]
        if any(not f.target_field.primary_key for _, f in keys):
            raise ValueError(f"{model.__name__}: a foreign key to a column other than the primary key")

    def row(self, values: dict) -> tuple:
        """A row from a dict that may leave out columns with a default."""
        return self.take({**self.defaults, **values})


class Inserter:
    """COPY on PostgreSQL (several times faster than INSERT: no per-value preparation in the ORM, no giant
    statement), in the binary format: the server takes the values as they are, with no text to parse.
    `bulk_create` elsewhere."""

    def __init__(self, models=()):
        """`models`: every model the batches write (whose own triggers would be skipped)."""
        self.copy = connection.vendor == "postgresql"
        self._types: dict[str, list[int]] = {}
        self.checks_references = self.copy and bool(models) and self._may_check_references(models)
        self._referenced: dict[type, set] = defaultdict(set)
        self._written: dict[type, set] = defaultdict(set)

    def _may_check_references(self, models) -> bool:
        """Superuser (to set session_replication_role), and no trigger or rule of the tables' own fires on insert."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('is_superuser') = 'on'")
            if not cursor.fetchone()[0]:
                return False
            names = [model._meta.db_table for model in models]
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = ANY(%s::regclass[]) AND NOT tgisinternal"
                " AND tgtype & 4 <> 0",  # TRIGGER_TYPE_INSERT
                [names],
            )
            if cursor.fetchone()[0]:
                return False
            cursor.execute("SELECT count(*) FROM pg_rules WHERE tablename = ANY(%s)", [names])
            return not cursor.fetchone()[0]

    @contextmanager
    def batch(self):
        """One batch, one transaction; its references checked before the commit (see the module)."""
        with transaction.atomic():
            if self.copy:
                with connection.cursor() as cursor:
                    # Synthetic rows: a crash may lose the last batches, never corrupt; commits don't wait for the disk.
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
                    if self.checks_references:
                        cursor.execute("SET LOCAL session_replication_role = replica")
            self._referenced.clear()
            self._written.clear()
            yield self
            if self.checks_references:
                self._check_references()
            page_versions.changed(page_versions.EVERY_TOWN)  # COPY and bulk_create send no signal

    def referenced(self, model, ids) -> None:
        """Ids the batch points at other than through `insert` (e.g. an ORM upsert's)."""
        self._referenced[model].update(ids)

    def _note_references(self, table: Table, rows: list[tuple]) -> None:
        if table.pk is not None:
            self._written[table.model].update(map(operator.itemgetter(table.pk), rows))
        for i, model in table.references:
            self._referenced[model].update(map(operator.itemgetter(i), rows))

    def _check_references(self) -> None:
        with connection.cursor() as cursor:
            for model, ids in self._referenced.items():
                wanted = ids - self._written[model] - {None}
                if not wanted:
                    continue
                quote = connection.ops.quote_name
                pk = quote(model._meta.pk.column)
                cursor.execute(
                    f"SELECT {pk} FROM {quote(model._meta.db_table)} WHERE {pk} = ANY(%s) FOR KEY SHARE",
                    [sorted(wanted)],
                )
                missing = wanted - {value for (value,) in cursor.fetchall()}
                if missing:
                    raise IntegrityError(f"{model._meta.db_table}: no rows with id {sorted(missing)[:10]}")

    def reserve(self, model, count: int) -> list[int]:
        """Ids for rows to be inserted in this transaction, so rows can point at each other before they exist."""
        if not count:
            return []
        table, pk = model._meta.db_table, model._meta.pk.column
        with connection.cursor() as cursor:
            if self.copy:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, count]
                )
                return [value for (value,) in cursor.fetchall()]
            # SQLite: the settings take the write lock at BEGIN, so nobody else can insert until we commit.
            quote = connection.ops.quote_name
            cursor.execute(f"SELECT COALESCE(MAX({quote(pk)}), 0) FROM {quote(table)}")
            first = cursor.fetchone()[0] + 1
            return list(range(first, first + count))

    def insert(self, table: Table, rows: list[tuple]) -> None:
        if not rows:
            return
        if self.checks_references:
            self._note_references(table, rows)
        if not self.copy:
            model, columns = table.model, table.columns
            model.objects.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=1000)
            return
        from psycopg.types.json import Jsonb

        if table.json:
            rows = [list(row) for row in rows]
            for row in rows:
                for i in table.json:
                    row[i] = Jsonb(row[i])
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in table.fields)
        db_table = quote(table.model._meta.db_table)
        with connection.cursor() as cursor:
            types = self.column_types(cursor, table)
            with cursor.cursor.copy(f"COPY {db_table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(types)
                write = copy.write_row
                for row in rows:
                    write(row)

    def column_types(self, cursor, table: Table) -> list[int]:
        """The columns' type oids as the database has them (binary COPY sends each value in its column's type)."""
        key = table.model._meta.db_table
        if key not in self._types:
            cursor.execute(
                "SELECT attname, atttypid::int FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0",
                [key],
            )
            oids = dict(cursor.fetchall())
            self._types[key] = [oids[f.column] for f in table.fields]
        return self._types[key]
