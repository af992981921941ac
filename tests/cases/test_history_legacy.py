"""Events written before the history was keyed (issue 8, point 5): migration 0009 re-signs nothing — history is
append-only — it marks them "sha256"; verify_history checks them the old way and reports them as legacy, and a case
opened before the upgrade goes on with signed events."""

import hashlib
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cases.models import CaseEvent
from tests.factories import complete, open_case, reload, stamp

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_KEYS = ("cases", "0008_tracking_throttle")


def migrate_to(target: tuple[str, str] | None) -> None:
    executor = MigrationExecutor(connection)
    targets = [target] if target else executor.loader.graph.leaf_nodes()
    executor.migrate(targets)


def legacy_hash(event, prev: str) -> str:
    """The hash as issue 3 wrote it: plain SHA-256 of the payload, with no key in it."""
    payload = {
        "case": event.case_id,
        "seq": event.seq,
        "at": event.at.isoformat(timespec="microseconds"),
        "actor": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action,
        "step": event.step_id,
        "from": event.from_state,
        "to": event.to_state,
        "note": event.note,
        "prev": prev,
    }
    data = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def test_events_from_before_the_keys_stay_verifiable_as_legacy_and_the_case_goes_on(
    cadre, clerk, village, referral_matter
):
    case = open_case(actor=cadre, matter=referral_matter, village=village)
    stamp(case, cadre)
    try:
        # The database as it was before issue 8: no key column, plain hashes.
        migrate_to(BEFORE_KEYS)
        apps = MigrationExecutor(connection).loader.project_state([BEFORE_KEYS]).apps
        old_event, old_case = apps.get_model("cases", "CaseEvent"), apps.get_model("cases", "Case")
        prev = ""
        for event in old_event.objects.filter(case_id=case.pk).order_by("seq"):
            hash_ = legacy_hash(event, prev)
            old_event.objects.filter(pk=event.pk).update(prev_hash=prev, hash=hash_)
            prev = hash_
        old_case.objects.filter(pk=case.pk).update(history_head=prev)
    finally:
        migrate_to(None)
    legacy = CaseEvent.objects.filter(case=case).count()

    out = StringIO()
    call_command("verify_history", stdout=out)

    assert set(CaseEvent.objects.filter(case=case).values_list("key_id", flat=True)) == {"sha256"}
    assert "History intact: 1 case(s) checked." in out.getvalue()
    assert f"Legacy events: {legacy} written before the history was keyed" in out.getvalue()

    complete(reload(case), clerk)
    out = StringIO()
    call_command("verify_history", stdout=out)

    assert set(CaseEvent.objects.filter(case=case, seq__gt=legacy).values_list("key_id", flat=True)) == {"dev"}
    assert "History intact: 1 case(s) checked." in out.getvalue()
    assert f"Legacy events: {legacy} written" in out.getvalue()
    assert "Events by signing key: dev" in out.getvalue()
