"""Keyed history (issue 8, point 5): each event's hash is an HMAC under a key from the environment (HISTORY_KEYS),
so whoever can write the tables but lacks the key cannot rewrite a chain; keys rotate; pre-key events stay
verifiable as legacy; production refuses to run on the development key."""

import base64
import hashlib
import hmac
import json
import secrets
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from cases import history_keys, services
from cases.history import check_chains, verify_chains
from cases.models import Case, CaseEvent
from jinjie.checks import history_keys_configured, history_keys_valid
from tests.cases.test_history import raw
from tests.factories import complete, open_case, reload, stamp
from tests.jinjie.test_settings import run_python

pytestmark = pytest.mark.django_db

SECRET_A = bytes(range(32))
SECRET_B = bytes(range(100, 140))
KEY_A = "2026a:" + base64.b64encode(SECRET_A).decode()
KEY_B = "2027b:" + base64.urlsafe_b64encode(SECRET_B).decode().rstrip("=")  # URL-safe, unpadded: accepted too


@pytest.fixture
def keys(settings):
    """keys(*entries): HISTORY_KEYS as the environment would give them."""

    def use(*entries: str) -> None:
        settings.HISTORY_KEYS = list(entries)

    return use


@pytest.fixture
def case(keys, cadre, clerk, village, referral_matter):
    keys(KEY_A)
    case = open_case(actor=cadre, matter=referral_matter, village=village)
    stamp(case, cadre)
    complete(case, clerk)
    return reload(case)


def canonical(event: CaseEvent) -> bytes:
    return json.dumps(event.payload(), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def unkeyed(event: CaseEvent) -> str:
    """What an insider without the key can compute: a plain hash."""
    return hashlib.sha256(canonical(event)).hexdigest()


def verify(*args) -> str:
    out = StringIO()
    call_command("verify_history", *args, stdout=out)
    return out.getvalue()


def verify_fails(*args) -> str:
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_history", *args, stdout=out)
    return out.getvalue()


def rewrite_tail(case: Case, *, from_seq: int, note: str, sign, key_id: str | None = None) -> None:
    """An insider with write access to the tables changes one event's note and recomputes that event and every later
    one with `sign(event) -> hash`, so every link holds, then fixes the head on the case row."""
    events = list(CaseEvent.objects.filter(case=case).order_by("seq"))
    prev = events[from_seq - 2].hash if from_seq > 1 else ""
    for event in events[from_seq - 1 :]:
        if event.seq == from_seq:
            event.note = note
        if key_id is not None:
            event.key_id = key_id
        event.prev_hash = prev
        event.hash = prev = sign(event)
        raw(
            "UPDATE {table} SET note = %s, key_id = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [event.note, event.key_id, event.prev_hash, event.hash, event.pk],
        )
    raw("UPDATE {table} SET history_head = %s WHERE id = %s", [prev, case.pk], table=Case._meta.db_table)


# --- signing -----------------------------------------------------------------------------------------------------


def test_new_events_are_signed_with_an_hmac_under_the_first_key(keys, case, cadre):
    keys(KEY_B, KEY_A)
    later_case = open_case(actor=cadre, matter=case.matter, village=case.village)
    events = list(CaseEvent.objects.filter(case=case).order_by("seq"))
    newer = CaseEvent.objects.filter(case=later_case).first()

    for event in events:
        assert event.key_id == "2026a"
        assert event.payload()["key"] == "2026a"
        assert event.hash == hmac.new(SECRET_A, canonical(event), hashlib.sha256).hexdigest()
        assert event.hash != hashlib.sha256(canonical(event)).hexdigest()
    assert newer.key_id == "2027b"
    assert newer.hash == hmac.new(SECRET_B, canonical(newer), hashlib.sha256).hexdigest()


def test_the_signature_covers_the_key_id(case):
    event = CaseEvent.objects.filter(case=case).first()
    relabelled = CaseEvent.objects.get(pk=event.pk)
    relabelled.key_id = "2026x"

    assert hmac.new(SECRET_A, canonical(relabelled), hashlib.sha256).hexdigest() != event.hash


def test_a_tail_rewritten_without_the_key_is_caught_at_the_first_changed_event(case):
    # With a plain hash chain this rewrite would pass: every link and the case's head are consistent again.
    event = CaseEvent.objects.filter(case=case).order_by("seq")[2]
    rewrite_tail(
        case, from_seq=event.seq, note="没有核实就盖章了", sign=lambda e: hashlib.sha256(canonical(e)).hexdigest()
    )

    output = verify_fails()
    problems, _ = verify_chains()

    assert f"{case.number} #{event.seq}: content changed after it was written" in output
    assert "re-hashed without the key" in output
    assert all("link" not in problem and "recorded" not in problem for problem in problems)
    assert f"{case.number} #{event.seq - 1}:" not in output


def test_a_tail_rewritten_under_a_key_of_ones_own_is_caught(case):
    forged_secret = secrets.token_bytes(32)
    event = CaseEvent.objects.filter(case=case).order_by("seq")[1]
    rewrite_tail(
        case,
        from_seq=event.seq,
        note="改",
        sign=lambda e: hmac.new(forged_secret, canonical(e), hashlib.sha256).hexdigest(),
    )

    output = verify_fails()

    assert f"{case.number} #{event.seq}: content changed after it was written" in output
    assert "signature does not match key '2026a'" in output


def test_a_tail_rewritten_as_unkeyed_legacy_events_is_caught(case, cadre, referral_matter, village):
    # The downgrade: relabel the events "sha256" so that a plain hash is accepted. Legacy events are all older than
    # the first keyed one; these come after it.
    open_case(actor=cadre, matter=referral_matter, village=village)
    event = CaseEvent.objects.filter(case=case).order_by("seq")[1]
    rewrite_tail(
        case,
        from_seq=event.seq,
        note="改",
        key_id=history_keys.LEGACY,
        sign=unkeyed,
    )

    output = verify_fails()

    assert f"{case.number} #{event.seq}: unkeyed (legacy sha256) event written after the history was keyed" in output


def test_the_key_comes_from_the_environment_a_changed_secret_fails_every_event(keys, case):
    keys("2026a:" + base64.b64encode(b"\x01" * 32).decode())

    output = verify_fails()
    report = check_chains()

    assert len(report.problems) == CaseEvent.objects.count()
    assert f"{case.number} #1: content changed after it was written (its signature does not match key '2026a')" in (
        output
    )


# --- rotation ----------------------------------------------------------------------------------------------------


def test_rotation_signs_with_the_new_key_and_still_verifies_the_old_ones(keys, case, cadre):
    keys(KEY_B, KEY_A)  # the new key in front, the old one kept for verification
    before = case.history_length

    services.case_withdraw(actor=cadre, case_id=case.pk, reason="群众撤回")
    output = verify()

    events = CaseEvent.objects.filter(case=case)
    after = events.count() - before
    assert after >= 1
    assert set(events.filter(seq__lte=before).values_list("key_id", flat=True)) == {"2026a"}
    assert set(events.filter(seq__gt=before).values_list("key_id", flat=True)) == {"2027b"}
    assert "History intact: 1 case(s) checked." in output
    assert f"Events by signing key: 2026a {before}, 2027b {after}." in output


def test_a_key_removed_too_early_is_reported_not_passed(keys, case):
    keys(KEY_B)

    output = verify_fails()

    assert f"{case.number} #1: signed with key '2026a', which is not in HISTORY_KEYS" in output


# --- the development key and no key ------------------------------------------------------------------------------


def test_without_history_keys_a_development_key_is_derived_from_secret_key(keys, settings):
    keys()

    ring = history_keys.keyring()
    settings.SECRET_KEY = "another-secret-key"
    other = history_keys.keyring()

    assert history_keys.current_key_id() == "dev"
    assert ring.derived
    assert ring.secrets["dev"] != other.secrets["dev"]


def test_verify_history_says_when_it_runs_on_the_development_key(keys, cadre, referral_matter, village):
    keys()
    open_case(actor=cadre, matter=referral_matter, village=village)

    assert "development key 'dev'" in verify()


def test_nothing_is_signed_without_any_key(keys, settings, cadre, referral_matter, village):
    keys()
    settings.SECRET_KEY_MISSING = True  # a throwaway SECRET_KEY: what it signed could never be checked

    with pytest.raises(ImproperlyConfigured, match="HISTORY_KEYS"):
        open_case(actor=cadre, matter=referral_matter, village=village)

    assert not Case.objects.exists()


# --- configuration checks ----------------------------------------------------------------------------------------


def test_deploy_check_reports_missing_history_keys_when_debug_is_off(keys, settings):
    keys()
    settings.DEBUG = False

    errors = history_keys_configured(None)

    assert [error.id for error in errors] == ["jinjie.E002"]


@pytest.mark.parametrize("debug, entries", [(True, ()), (False, (KEY_A,))])
def test_deploy_check_passes_with_keys_or_in_debug(keys, settings, debug, entries):
    keys(*entries)
    settings.DEBUG = debug

    assert history_keys_configured(None) == []


def test_malformed_history_keys_are_each_reported(keys):
    short = base64.b64encode(b"x" * 16).decode()
    keys(KEY_A, "no-colon", "bad id!:" + KEY_A[6:], "sha256:" + KEY_A[6:], KEY_A, "2026c:not*base64", "2026d:" + short)

    errors = history_keys_valid(None)

    assert [error.id for error in errors] == ["jinjie.E003"] * 6
    text = "\n".join(error.msg for error in errors)
    for expected in ["not 'id:base64secret'", "'bad id!'", "'sha256' is reserved", "listed twice", "not base64"]:
        assert expected in text
    assert "16 bytes, at least 32" in text
    with pytest.raises(ImproperlyConfigured):
        history_keys.current_key_id()


def test_well_formed_history_keys_pass_the_check(keys):
    keys(KEY_A, KEY_B)

    assert history_keys_valid(None) == []
    assert history_keys.keyring().secrets == {"2026a": SECRET_A, "2027b": SECRET_B}


def test_check_deploy_command_reports_e002():
    without = run_python(
        ["manage.py", "check", "--deploy"], DEBUG="0", SECRET_KEY=secrets.token_urlsafe(64), HISTORY_KEYS=""
    )
    with_keys = run_python(
        ["manage.py", "check", "--deploy"], DEBUG="0", SECRET_KEY=secrets.token_urlsafe(64), HISTORY_KEYS=KEY_A
    )

    assert without.returncode != 0
    assert "jinjie.E002" in without.stderr
    assert "jinjie.E002" not in with_keys.stderr + with_keys.stdout
