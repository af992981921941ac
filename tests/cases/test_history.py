"""Tamper-evident history (issue 3, point 9; issue 8, point 5): a signed hash chain per case, `verify_history`, and no
edit or delete — by the ORM, the admin, and on PostgreSQL by the database itself.

Keys and rotation: test_history_keys.py. Daily digests: test_history_digest.py."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError

from cases import services
from cases.history import verify_chains
from cases.models import Case, CaseEvent
from tests.factories import complete, open_case, reload, stamp

pytestmark = pytest.mark.django_db

TABLE = CaseEvent._meta.db_table


@pytest.fixture
def case(cadre, clerk, village, referral_matter):
    """A case with a few events: received, step started, stamped, step started, accepted, step done, step started."""
    case = open_case(actor=cadre, matter=referral_matter, village=village)
    stamp(case, cadre)
    services.step_accept(actor=clerk, case_id=case.pk)
    complete(case, clerk)
    return reload(case)


@pytest.fixture
def second_case(other_cadre, other_village, referral_matter):
    return open_case(actor=other_cadre, matter=referral_matter, village=other_village)


def verify(*args) -> str:
    out = StringIO()
    call_command("verify_history", *args, stdout=out)
    return out.getvalue()


def verify_fails(*args) -> tuple[str, str]:
    out = StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_history", *args, stdout=out)
    return str(excinfo.value), out.getvalue()


def raw(sql: str, params: list, *, table: str = TABLE) -> None:
    """Tamper as a DBA would: plain SQL past the application. On PostgreSQL the append-only trigger is switched off
    first (as the table's owner can), so these tests show what verify_history finds when that guard is gone."""
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(sql.replace("{table}", quoted), params)
            return
        # ALTER TABLE waits for no deferred foreign-key check: run those now, and defer them again afterwards.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {quoted} DISABLE TRIGGER USER")
        cursor.execute(sql.replace("{table}", quoted), params)
        cursor.execute(f"ALTER TABLE {quoted} ENABLE TRIGGER USER")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def plain_sql(sql: str, params: list | None = None) -> None:
    """Plain SQL with every guard of the database in place."""
    with connection.cursor() as cursor:
        cursor.execute(sql.replace("{table}", connection.ops.quote_name(TABLE)), params)


def test_events_of_a_case_form_a_hash_chain(case):
    events = list(CaseEvent.objects.filter(case=case).order_by("seq"))

    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert len(events) >= 6
    assert events[0].prev_hash == ""
    for previous, event in zip(events, events[1:], strict=False):
        assert event.prev_hash == previous.hash
    for event in events:
        assert len(event.hash) == 64
        assert event.hash == event.compute_hash()
    assert len({e.hash for e in events}) == len(events)


def test_the_hash_covers_the_note_actor_and_time(case):
    event = CaseEvent.objects.filter(case=case).order_by("seq").last()
    original = event.compute_hash()

    for field, value in [("note", event.note + "。"), ("actor_id", None), ("at", event.at.replace(microsecond=1))]:
        copy = CaseEvent.objects.get(pk=event.pk)
        setattr(copy, field, value)
        assert copy.compute_hash() != original, field


def test_every_transition_records_actor_and_name(case, cadre, clerk):
    names = set(CaseEvent.objects.filter(case=case).values_list("actor", "actor_name"))

    assert names == {(cadre.pk, cadre.get_full_name()), (clerk.pk, clerk.get_full_name())}


def test_verify_history_passes_on_a_clean_database(case, second_case):
    output = verify()

    assert case.number not in output
    assert verify_chains() == ([], 2)


def test_verify_history_passes_with_no_cases(db):
    verify()


def test_verify_history_reports_a_changed_note(case, second_case):
    event = CaseEvent.objects.filter(case=case).order_by("seq")[2]
    raw("UPDATE {table} SET note = %s WHERE id = %s", ["没有核实就盖章了", event.pk])

    message, output = verify_fails()

    assert message
    assert f"{case.number} #{event.seq}" in output
    assert second_case.number not in output
    problems, checked = verify_chains()
    assert len(problems) == 1
    assert checked == 2


def test_verify_history_reports_a_changed_actor(case, supervisor):
    event = CaseEvent.objects.filter(case=case).order_by("seq")[1]
    raw("UPDATE {table} SET actor_id = %s, actor_name = %s WHERE id = %s", [supervisor.pk, "某某", event.pk])

    _, output = verify_fails()

    assert f"{case.number} #{event.seq}" in output


def test_verify_history_reports_a_deleted_middle_event(case):
    events = list(CaseEvent.objects.filter(case=case).order_by("seq"))
    middle = events[len(events) // 2]
    raw("DELETE FROM {table} WHERE id = %s", [middle.pk])

    message, output = verify_fails()

    assert message
    assert f"{case.number} #{middle.seq + 1}" in output


def test_verify_history_reports_a_rehashed_event_whose_successor_no_longer_links(case):
    # Someone edits a note and even recomputes that event's own hash: the next event's link still breaks.
    event = CaseEvent.objects.filter(case=case).order_by("seq")[1]
    event.note = "改过的记录"
    raw("UPDATE {table} SET note = %s, hash = %s WHERE id = %s", [event.note, event.compute_hash(), event.pk])

    _, output = verify_fails()

    assert f"{case.number} #{event.seq + 1}" in output
    assert f"{case.number} #{event.seq}:" not in output


def test_verify_history_reports_a_case_without_any_history(case):
    raw("DELETE FROM {table} WHERE case_id = %s", [case.pk])

    _, output = verify_fails()

    assert case.number in output


def test_verify_history_for_one_case_only_checks_that_case(case, second_case):
    event = CaseEvent.objects.filter(case=case).order_by("seq").first()
    raw("UPDATE {table} SET note = %s WHERE id = %s", ["改", event.pk])

    verify("--case", second_case.number)
    _, output = verify_fails("--case", case.number)
    assert case.number in output


def test_the_case_row_records_the_head_of_its_chain(case):
    newest = CaseEvent.objects.filter(case=case).order_by("-seq").first()

    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.history_length, fresh.history_head) == (newest.seq, newest.hash)


def test_verify_history_reports_a_deleted_newest_event(case, second_case):
    newest = CaseEvent.objects.filter(case=case).order_by("-seq").first()
    raw("DELETE FROM {table} WHERE id = %s", [newest.pk])

    message, output = verify_fails()

    assert message
    assert case.number in output
    assert second_case.number not in output


def test_verify_history_reports_an_event_appended_outside_the_application(case):
    newest = CaseEvent.objects.filter(case=case).order_by("-seq").first()
    forged = CaseEvent(
        case=case,
        seq=newest.seq + 1,
        at=newest.at,
        actor=newest.actor,
        actor_name=newest.actor_name,
        action=CaseEvent.Action.COMPLETED,
        from_state=case.state,
        to_state=Case.State.COMPLETED,
        note="伪造的办结",
        prev_hash=newest.hash,
    )
    forged.hash = forged.compute_hash()
    forged.save()  # a well-formed link, written past the services

    _, output = verify_fails()

    assert case.number in output


# --- no edit, no delete through the ORM --------------------------------------------------------------------------


def test_saving_an_existing_event_raises(case):
    event = CaseEvent.objects.filter(case=case).first()
    event.note = "改"

    with pytest.raises(PermissionError):
        event.save()

    assert CaseEvent.objects.get(pk=event.pk).note != "改"


def test_saving_an_event_with_a_forced_primary_key_raises(case):
    event = CaseEvent.objects.filter(case=case).first()
    copy = CaseEvent(**{f.attname: getattr(event, f.attname) for f in CaseEvent._meta.concrete_fields})
    copy.note = "改"

    with pytest.raises(PermissionError):
        copy.save()

    assert CaseEvent.objects.get(pk=event.pk).note != "改"


def test_deleting_an_event_raises(case):
    event = CaseEvent.objects.filter(case=case).first()

    with pytest.raises(PermissionError):
        event.delete()

    assert CaseEvent.objects.filter(pk=event.pk).exists()


def test_queryset_update_raises(case):
    with pytest.raises(PermissionError):
        CaseEvent.objects.filter(case=case).update(note="改")

    assert not CaseEvent.objects.filter(note="改").exists()


def test_queryset_delete_raises(case):
    count = CaseEvent.objects.count()

    with pytest.raises(PermissionError):
        CaseEvent.objects.filter(case=case).delete()

    assert CaseEvent.objects.count() == count


def test_bulk_update_raises(case):
    events = list(CaseEvent.objects.filter(case=case))
    for event in events:
        event.note = "改"

    with pytest.raises(PermissionError), transaction.atomic():
        CaseEvent.objects.bulk_update(events, ["note"])

    assert not CaseEvent.objects.filter(note="改").exists()


def test_deleting_the_case_cannot_take_its_history_along(case):
    with pytest.raises(ProtectedError):
        Case.objects.get(pk=case.pk).delete()

    assert CaseEvent.objects.filter(case=case).exists()


# --- the admin only reads --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["superuser", "town_office"])
def test_admin_refuses_to_change_an_event(client_for, request, case, role):
    event = CaseEvent.objects.filter(case=case).first()
    client = client_for(request.getfixturevalue(role))
    url = f"/admin/cases/caseevent/{event.pk}/change/"

    page = client.get(url)
    post = client.post(url, {"note": "改", "action": event.action, "seq": event.seq, "case": case.pk})

    assert page.status_code == 200  # read-only view
    assert 'name="_save"' not in page.content.decode()
    assert post.status_code == 403
    assert CaseEvent.objects.get(pk=event.pk).note == event.note


@pytest.mark.parametrize("role", ["superuser", "town_office"])
def test_admin_refuses_to_delete_an_event(client_for, request, case, role):
    event = CaseEvent.objects.filter(case=case).first()
    client = client_for(request.getfixturevalue(role))
    url = f"/admin/cases/caseevent/{event.pk}/delete/"

    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert CaseEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize("role", ["superuser", "town_office"])
def test_admin_bulk_delete_action_is_not_available_for_events(client_for, request, case, role):
    client = client_for(request.getfixturevalue(role))
    count = CaseEvent.objects.count()
    pks = list(CaseEvent.objects.values_list("pk", flat=True))

    changelist = client.get("/admin/cases/caseevent/")
    client.post(
        "/admin/cases/caseevent/", {"action": "delete_selected", "_selected_action": pks, "post": "yes"}, follow=True
    )

    assert changelist.status_code == 200
    assert "delete_selected" not in changelist.content.decode()
    assert CaseEvent.objects.count() == count


@pytest.mark.parametrize("role", ["superuser", "town_office"])
def test_admin_refuses_to_add_an_event(client_for, request, case, role):
    response = client_for(request.getfixturevalue(role)).post(
        "/admin/cases/caseevent/add/", {"case": case.pk, "seq": 99, "action": "completed", "note": "伪造"}
    )

    assert response.status_code == 403
    assert not CaseEvent.objects.filter(seq=99).exists()


@pytest.mark.parametrize("role", ["superuser", "town_office"])
def test_admin_refuses_to_change_a_case(client_for, request, case, role):
    response = client_for(request.getfixturevalue(role)).post(
        f"/admin/cases/case/{case.pk}/change/", {"state": "completed", "applicant_name": "改"}
    )

    assert response.status_code == 403
    assert reload(case).state == case.state


# --- on PostgreSQL the database itself refuses (migration 0010) --------------------------------------------------

on_postgres = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL triggers (set DATABASE_URL=postgres://…)"
    ),
]


@pytest.mark.parametrize(
    "sql",
    [
        pytest.param("UPDATE {table} SET note = %s WHERE id = %s", id="update", marks=on_postgres),
        pytest.param("DELETE FROM {table} WHERE id = %s AND note <> %s", id="delete", marks=on_postgres),
    ],
)
def test_the_database_refuses_raw_sql_that_changes_or_removes_an_event(case, sql):
    event = CaseEvent.objects.filter(case=case).order_by("seq")[1]
    params = ["改", event.pk] if sql.startswith("UPDATE") else [event.pk, "改"]

    with pytest.raises(DatabaseError, match="办理记录只能追加") as refused, transaction.atomic():
        plain_sql(sql, params)

    assert "append-only" in str(refused.value)
    assert CaseEvent.objects.get(pk=event.pk).note == event.note
    verify()


@pytest.mark.parametrize("_", [pytest.param(None, id="truncate", marks=on_postgres)])
def test_the_database_refuses_to_empty_the_history_alone(case, _):
    count = CaseEvent.objects.count()
    plain_sql("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE, like a flush, waits for no deferred check

    with pytest.raises(DatabaseError, match="办理记录不能清空"), transaction.atomic():
        plain_sql("TRUNCATE {table}")

    assert CaseEvent.objects.count() == count


@pytest.mark.parametrize("_", [pytest.param(None, id="flush", marks=on_postgres)])
def test_the_database_lets_history_go_only_together_with_every_case(case, _):
    # What Django's flush does between transactional tests: one TRUNCATE of every table.
    plain_sql("SET CONSTRAINTS ALL IMMEDIATE")
    with transaction.atomic():
        plain_sql(f"TRUNCATE {{table}}, {connection.ops.quote_name(Case._meta.db_table)} CASCADE")

        assert not CaseEvent.objects.exists()
        assert not Case.objects.exists()
        transaction.set_rollback(True)

    assert CaseEvent.objects.filter(case=case).exists()
