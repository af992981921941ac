"""Report reads to a streaming replica, when one is configured (DATABASE_REPLICA_URL; README "Deployment").

A province or county running many towns keeps the primary for the hall's work — every intake, stamp and step is a
write that must not wait — and sends the statistics, whose queries read months of rows, to a hot-standby replica.
Only reads made inside `reports()` (the statistics views, `reads_reports`) go there; everything else, and every
write, uses the primary. A replica lags the primary by a moment, which a report of finished months never notices and
the running month's figures shrug off; the hall's own pages never read from it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.conf import settings

REPLICA = "replica"
_reading_reports: ContextVar[bool] = ContextVar("reading_reports", default=False)


@contextmanager
def reports() -> Iterator[None]:
    """Reads inside this block may go to the replica."""
    token = _reading_reports.set(True)
    try:
        yield
    finally:
        _reading_reports.reset(token)


def reads_reports(view):
    """A view whose reads may go to the replica (GET pages of statistics only: nothing there writes)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        with reports():
            return view(*args, **kwargs)

    return wrapped


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class ReportReplicaRouter:
    def db_for_read(self, model, **hints):
        if _reading_reports.get() and replica_configured():
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # a streaming replica follows the primary's schema; it is never migrated itself
