"""What changes the pages a town shows, and the version their kept copies are filed under (issue 13 point 6).

The desk, the queue, the one-stop view, the tracking page and the hall board's calls are kept under the versions of
the towns they show (jinjie/kept_pages.py): a copy is served only while no change in those towns has been committed
since it was made.
The one rule of what counts as a change lives here. Every save, delete and many-to-many change of a model of the
hall's apps (APPS) or of a user — whoever made it: a service, the admin, a command — counts for the town the row
belongs to (`towns_of`); a row that belongs to no one town (a county department, the county's template catalogue,
a national holiday, a county officer's account) counts for every town. The few writes that send no signal
(`QuerySet.update`, `bulk_create`) call `changed()` themselves. Rows no staff page shows (IGNORED) do not count.

The version moves once the change is committed, by a one-row UPDATE of its own: two transactions of one town never
wait on each other for it (inside the transaction it would hold the row until commit, and a transaction that locks a
second case after it could deadlock with one that locked that case first). A page rendered meanwhile is stored under
the version it read before it read anything else, which nobody asks for again once the version has moved. Inside a
test case's transaction, which never commits, a change counts at once.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save

from .models import Town, TownVersion

APPS = {"cases", "villages", "departments", "tickets", "notices"}
# Bookkeeping no staff page shows: the tracking guess counter (every wrong guess of the public), the nightly history
# digests, the statistics' stale-month marks, this module's own rows.
IGNORED = {"cases.guesscounter", "cases.historydigest", "cases.stalemonth", "villages.townversion"}
# How a row leads to its town when it has no town of its own, tried in this order.
PATHS = ("case", "step", "village", "market_day", "shift", "department", "rating", "ticket", "matter", "template")
EVERY_TOWN = None


def towns_of(instance, depth: int = 0) -> set[int] | None:
    """The towns a row belongs to; EVERY_TOWN (None) when it belongs to no one town."""
    if isinstance(instance, Town):
        return {instance.pk}
    if hasattr(instance, "town_id"):
        return {instance.town_id} if instance.town_id is not None else EVERY_TOWN
    if depth < 4:
        for name in PATHS:
            if getattr(instance, f"{name}_id", None) is not None:
                try:
                    return towns_of(getattr(instance, name), depth + 1)
                except ObjectDoesNotExist:  # deleted with it, in the same delete
                    return EVERY_TOWN
    return EVERY_TOWN


class _Pending:
    """The towns one transaction changed, bumped once when it commits."""

    def __init__(self):
        self.towns: set[int] = set()
        self.every = False

    def add(self, towns: set[int] | None) -> None:
        if towns is EVERY_TOWN:
            self.every = True
        else:
            self.towns |= towns

    def flush(self) -> None:
        bump(EVERY_TOWN if self.every else self.towns)


def changed(towns: Iterable[int] | None) -> None:
    """Count a change of these towns (EVERY_TOWN: of all of them) once the current transaction commits."""
    towns = EVERY_TOWN if towns is None else {t for t in towns if t is not None}
    if towns is not EVERY_TOWN and not towns:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block or connection.atomic_blocks[0]._from_testcase:
        bump(towns)
        return
    pending = getattr(connection, "_town_changes", None)
    # The transaction's own callback, unless it committed, rolled back or lost it with a savepoint since.
    if pending is None or not any(entry[1] == pending.flush for entry in connection.run_on_commit):
        pending = _Pending()
        connection._town_changes = pending
        # Robust: the change is committed whatever happens here; a bump that fails is logged, and the copies it
        # should have retired are gone within kept_pages.SECONDS, rather than the user seeing an error for a
        # change that was made.
        transaction.on_commit(pending.flush, robust=True)
    pending.add(towns)


def bump(towns: set[int] | None) -> None:
    rows = TownVersion.objects.all() if towns is EVERY_TOWN else TownVersion.objects.filter(town_id__in=towns)
    rows.update(version=F("version") + 1)


def never_kept(response):
    """A page that must be rendered each time it is asked for (it logs what it shows): no copy is kept of it."""
    response.never_kept = True
    return response


def versions(towns: models.QuerySet[Town]) -> tuple[tuple[int, int], ...]:
    """(town id, version) of these towns, in id order; a town's first ask makes its row."""
    found = list(towns.order_by("pk").values_list("pk", "pages_version__version"))
    missing = [pk for pk, version in found if version is None]
    if missing:
        TownVersion.objects.bulk_create([TownVersion(town_id=pk) for pk in missing], ignore_conflicts=True)
        found = list(towns.order_by("pk").values_list("pk", "pages_version__version"))
    return tuple(found)


def _counts(sender) -> bool:
    meta = sender._meta
    accounts = (settings.AUTH_USER_MODEL, "auth.Group")  # who a user is, and what their group lets them do
    return (meta.app_label in APPS or meta.label in accounts) and meta.label_lower not in IGNORED


def _on_save(sender, instance, created=False, raw=False, update_fields=None, **kwargs):
    if sender is Town and created:
        TownVersion.objects.get_or_create(town=instance)
    if not _counts(sender):
        return
    if meta_is_user(sender) and update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # a login, which no page shows
    changed(towns_of(instance))


def _on_delete(sender, instance, **kwargs):
    if _counts(sender):
        changed(towns_of(instance))


def _on_m2m(sender, instance, action, **kwargs):
    if not action.startswith("post_") or not (_counts(type(instance)) or _counts(sender)):
        return
    # A user's groups, a group's permissions: what someone may do, in any town.
    accounts = meta_is_user(type(instance)) or type(instance)._meta.label == "auth.Group"
    changed(EVERY_TOWN if accounts else towns_of(instance))


def meta_is_user(model) -> bool:
    return model._meta.label == settings.AUTH_USER_MODEL


def connect() -> None:
    post_save.connect(_on_save, dispatch_uid="villages.page_versions.save")
    post_delete.connect(_on_delete, dispatch_uid="villages.page_versions.delete")
    m2m_changed.connect(_on_m2m, dispatch_uid="villages.page_versions.m2m")
