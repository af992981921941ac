"""Daily history digests (issue 8, point 5): each finished day's chain heads sealed under the history key, by
`history_digest`; `verify_history` re-folds each day from the events and says exactly what differs; the supervisor's
admin page lists, checks, prints and exports them, scoped to the town."""

import csv
import datetime as dt
import io
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.history import check_digests, fold_days, verify_chains
from cases.models import Case, CaseEvent, HistoryDigest
from tests.cases.test_history import on_postgres, raw
from tests.factories import TownFactory, complete, open_case, reload, stamp

pytestmark = pytest.mark.django_db

DIGESTS = reverse("admin:history_digests")
PRINT = reverse("admin:history_digests_print")
CSV = reverse("admin:history_digests_csv")
DAY1, DAY2 = dt.date(2026, 3, 3), dt.date(2026, 3, 4)  # a Tuesday and a Wednesday


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def clock(time_machine):
    """clock(moment): the services, the sealing and the pages all read `moment` as now."""

    def set_now(moment: dt.datetime) -> dt.datetime:
        time_machine.move_to(moment, tick=False)
        return moment

    return set_now


@pytest.fixture
def case(clock, cadre, clerk, village, referral_matter):
    """Opened and stamped on DAY1; received at the desk and completed on DAY2 (then its chain runs on)."""
    clock(local(DAY1, 9))
    case = open_case(actor=cadre, matter=referral_matter, village=village)
    clock(local(DAY1, 10))
    stamp(case, cadre)
    clock(local(DAY2, 9))
    services.step_accept(actor=clerk, case_id=case.pk)
    clock(local(DAY2, 10))
    complete(case, clerk)
    return reload(case)


def events_on(case: Case, day: dt.date) -> list[CaseEvent]:
    start, end = local(day, 0), local(day + dt.timedelta(days=1), 0)
    return list(CaseEvent.objects.filter(case=case, at__gte=start, at__lt=end).order_by("seq"))


def seal(*args) -> str:
    out = StringIO()
    call_command("history_digest", *args, stdout=out)
    return out.getvalue()


def verify() -> str:
    out = StringIO()
    call_command("verify_history", stdout=out)
    return out.getvalue()


def verify_fails() -> str:
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_history", stdout=out)
    return out.getvalue()


@pytest.fixture
def sealed(case, clock):
    clock(local(DAY2 + dt.timedelta(days=1), 0, 30))
    seal()
    return case


# --- sealing -----------------------------------------------------------------------------------------------------


def test_history_digest_seals_each_finished_day_with_the_heads_at_its_end(case, clock, town):
    clock(local(DAY2 + dt.timedelta(days=1), 0, 30))

    output = seal()

    digests = {d.date: d for d in HistoryDigest.objects.filter(town=town)}
    assert set(digests) == {DAY1, DAY2}
    first, second = events_on(case, DAY1), events_on(case, DAY2)
    assert (digests[DAY1].cases, digests[DAY1].events) == (1, len(first))
    assert digests[DAY1].heads == [[case.number, first[-1].seq, first[-1].hash]]
    assert digests[DAY2].heads == [[case.number, second[-1].seq, second[-1].hash]]
    assert digests[DAY1].value == digests[DAY1].compute_value()
    assert len(digests[DAY1].value) == 64
    assert digests[DAY1].key_id == "dev"
    assert f"Sealed 进结镇 {DAY1:%Y-%m-%d}: 1 case(s), {len(first)} event(s)" in output


def test_a_day_sealed_late_still_seals_the_case_as_it_stood_that_night(case, clock, town):
    # Sealed two days later, after the case moved on: the head comes from the events, not from the case row.
    clock(local(DAY2 + dt.timedelta(days=2), 8))

    seal("--date", f"{DAY1:%Y-%m-%d}")

    digest = HistoryDigest.objects.get(town=town)
    day_end_head = events_on(case, DAY1)[-1]
    assert digest.date == DAY1
    assert digest.heads == [[case.number, day_end_head.seq, day_end_head.hash]]
    assert reload(case).history_length > day_end_head.seq


def test_history_digest_is_idempotent_and_never_rewrites_a_digest(sealed, clock, town):
    before = list(HistoryDigest.objects.values_list("pk", "date", "value", "created_at"))
    clock(local(DAY2 + dt.timedelta(days=5), 1))
    services.case_withdraw(actor=sealed.events.first().actor, case_id=sealed.pk, reason="群众撤回")  # a new day
    clock(local(DAY2 + dt.timedelta(days=6), 1))

    output = seal("--date", f"{DAY1:%Y-%m-%d}")
    seal()
    seal()

    after = list(HistoryDigest.objects.filter(date__lte=DAY2).values_list("pk", "date", "value", "created_at"))
    assert after == before
    assert "Already sealed, kept as it is: 进结镇 2026-03-03" in output
    assert HistoryDigest.objects.filter(town=town).count() == 3


def test_history_digest_seals_every_earlier_day_it_missed(case, clock, town):
    clock(local(DAY2 + dt.timedelta(days=20), 0, 30))

    seal()

    assert list(HistoryDigest.objects.filter(town=town).values_list("date", flat=True)) == [DAY1, DAY2]


@pytest.mark.parametrize("moment", [local(DAY2, 23, 59), local(DAY2 + dt.timedelta(days=1), 0, 5)])
def test_a_day_that_has_not_ended_is_not_sealed(case, clock, moment):
    clock(moment)

    with pytest.raises(CommandError, match="has not ended yet"):
        seal("--date", f"{DAY2:%Y-%m-%d}")
    seal()

    assert list(HistoryDigest.objects.values_list("date", flat=True)) == [DAY1]


def test_history_digest_for_one_town_leaves_the_others(case, clock):
    other = TownFactory()
    clock(local(DAY2 + dt.timedelta(days=1), 1))

    output = seal("--town", other.code)

    assert "Nothing to seal" in output
    assert not HistoryDigest.objects.exists()


def test_history_digest_refuses_an_unknown_town_or_a_bad_date(db):
    with pytest.raises(CommandError, match="No town"):
        seal("--town", "000")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        seal("--date", "3 March")


def test_a_digest_sums_every_case_of_the_town_that_day_and_only_those(case, clock, cadre, village, referral_matter):
    clock(local(DAY1, 15))
    second = open_case(actor=cadre, matter=referral_matter, village=village)
    clock(local(DAY2 + dt.timedelta(days=1), 1))

    seal()

    digest = HistoryDigest.objects.get(date=DAY1)
    assert [head[0] for head in digest.heads] == sorted([case.number, second.number])
    assert digest.events == len(events_on(case, DAY1)) + len(events_on(second, DAY1))
    assert [head[0] for head in HistoryDigest.objects.get(date=DAY2).heads] == [case.number]


# --- verify_history re-folds each sealed day ----------------------------------------------------------------------


def test_verify_history_passes_and_counts_the_digests(sealed):
    output = verify()

    assert "History intact: 1 case(s) checked." in output
    assert "Daily digests checked: 2 (by key: dev 2)." in output


def test_a_chain_rewritten_with_the_key_is_caught_by_the_digest(sealed):
    # The insider holds the key: every signature, link and the case's head are right again. Only the sealed day
    # remembers which event was the head that night.
    event = events_on(sealed, DAY2)[-1]
    later = list(CaseEvent.objects.filter(case=sealed, seq__gte=event.seq).order_by("seq"))
    prev = CaseEvent.objects.get(case=sealed, seq=event.seq - 1).hash
    for each in later:
        if each.seq == event.seq:
            each.note = "材料不全，仍予通过"
        each.prev_hash = prev
        each.hash = prev = each.compute_hash()
        raw(
            "UPDATE {table} SET note = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [each.note, each.prev_hash, each.hash, each.pk],
        )
    raw("UPDATE {table} SET history_head = %s WHERE id = %s", [prev, sealed.pk], table=Case._meta.db_table)

    output = verify_fails()

    assert verify_chains() == ([], 1)
    assert (
        f"进结镇 2026-03-04: digest differs — case {sealed.number} #{event.seq} is not the event that was sealed"
        in output
    )
    assert "进结镇 2026-03-03" not in output


def test_a_removed_newest_event_with_the_case_row_fixed_is_caught_by_the_digest(sealed):
    newest = CaseEvent.objects.filter(case=sealed).order_by("-seq").first()
    previous = CaseEvent.objects.get(case=sealed, seq=newest.seq - 1)
    sealed_events = HistoryDigest.objects.get(date=DAY2).events
    raw("DELETE FROM {table} WHERE id = %s", [newest.pk])
    raw(
        "UPDATE {table} SET history_length = %s, history_head = %s WHERE id = %s",
        [previous.seq, previous.hash, sealed.pk],
        table=Case._meta.db_table,
    )

    output = verify_fails()

    assert verify_chains() == ([], 1)
    assert (
        f"进结镇 2026-03-04: digest differs — case {sealed.number} head now #{previous.seq}, sealed #{newest.seq}"
        in (output)
    )
    assert f"进结镇 2026-03-04: digest differs — events that day: sealed {sealed_events}, now {sealed_events - 1}" in (
        output
    )


def test_an_event_back_dated_into_a_sealed_day_is_caught(sealed):
    newest = CaseEvent.objects.filter(case=sealed).order_by("-seq").first()
    forged = CaseEvent(
        case=sealed,
        seq=newest.seq + 1,
        at=local(DAY1, 16),
        actor=newest.actor,
        actor_name=newest.actor_name,
        action=CaseEvent.Action.COMPLETED,
        from_state=sealed.state,
        to_state=Case.State.COMPLETED,
        note="补录的办结",
        prev_hash=newest.hash,
    )
    forged.hash = forged.compute_hash()
    forged.save()  # signed with the key, well linked
    raw(
        "UPDATE {table} SET history_length = %s, history_head = %s WHERE id = %s",
        [forged.seq, forged.hash, sealed.pk],
        table=Case._meta.db_table,
    )

    output = verify_fails()

    assert verify_chains() == ([], 1)
    assert f"进结镇 2026-03-03: digest differs — case {sealed.number} head now #{forged.seq}, sealed #" in output


def test_a_changed_digest_row_is_caught_by_its_own_signature(sealed):
    digest = HistoryDigest.objects.get(date=DAY1)
    raw("UPDATE {table} SET events = events + 1 WHERE id = %s", [digest.pk], table=HistoryDigest._meta.db_table)

    output = verify_fails()

    assert "进结镇 2026-03-03: digest differs — the digest row was changed after it was sealed" in output


def test_a_removed_digest_is_caught_when_a_later_day_is_sealed(sealed):
    digest = HistoryDigest.objects.get(date=DAY1)
    raw("DELETE FROM {table} WHERE id = %s", [digest.pk], table=HistoryDigest._meta.db_table)

    output = verify_fails()

    assert "进结镇 2026-03-03: events that day but no digest, though later days are sealed" in output


def test_days_not_sealed_yet_are_noted_not_failed(case, clock):
    clock(local(DAY2 + dt.timedelta(days=1), 1))

    output = verify()

    assert "Not sealed yet (run history_digest): 进结镇 2026-03-03, 进结镇 2026-03-04." in output


def test_a_digest_under_a_key_no_longer_configured_is_reported(sealed, settings):
    key = "2030a:" + "A" * 44
    settings.HISTORY_KEYS = [key]  # "dev" dropped, as if removed too early

    output = verify_fails()

    assert "进结镇 2026-03-03: digest differs — sealed with key 'dev', which is not in HISTORY_KEYS" in output


def test_folding_takes_two_queries_for_a_whole_month(sealed, town, django_assert_num_queries):
    with django_assert_num_queries(1):  # the touched cases are a subquery
        folds = fold_days(town_id=town.pk, first=dt.date(2026, 3, 1), last=dt.date(2026, 3, 31))

    assert set(folds) == {DAY1, DAY2}
    assert check_digests().problems == []


# --- no edit, no delete ------------------------------------------------------------------------------------------


def test_a_digest_cannot_be_changed_or_deleted_through_the_orm(sealed):
    digest = HistoryDigest.objects.get(date=DAY1)
    digest.events = 0

    with pytest.raises(PermissionError):
        digest.save()
    with pytest.raises(PermissionError):
        digest.delete()
    with pytest.raises(PermissionError):
        HistoryDigest.objects.filter(pk=digest.pk).update(events=0)
    with pytest.raises(PermissionError):
        HistoryDigest.objects.filter(pk=digest.pk).delete()

    assert HistoryDigest.objects.get(pk=digest.pk).events > 0


@pytest.mark.parametrize(
    "sql",
    [
        pytest.param("UPDATE {table} SET events = 0 WHERE id = %s", id="update", marks=on_postgres),
        pytest.param("DELETE FROM {table} WHERE id = %s", id="delete", marks=on_postgres),
    ],
)
def test_the_database_refuses_raw_sql_on_a_digest(sealed, sql):
    digest = HistoryDigest.objects.get(date=DAY1)
    table = connection.ops.quote_name(HistoryDigest._meta.db_table)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql.replace("{table}", table), [digest.pk])

    assert HistoryDigest.objects.get(pk=digest.pk).events == digest.events


@pytest.mark.parametrize("_", [pytest.param(None, id="truncate", marks=on_postgres)])
def test_the_database_refuses_to_empty_the_digests_alone(sealed, _):
    table = connection.ops.quote_name(HistoryDigest._meta.db_table)

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(DatabaseError, match="办理记录不能清空"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table}")

    assert HistoryDigest.objects.count() == 2


# --- the supervisor's page ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["supervisor", "town_office", "superuser"])
def test_the_digest_page_lists_the_month_with_a_fresh_check(request, client_for, sealed, role):
    response = client_for(request.getfixturevalue(role)).get(DIGESTS, {"month": "2026-03"})

    content = response.content.decode()
    digest = HistoryDigest.objects.get(date=DAY1)
    assert response.status_code == 200
    assert "天等县进结镇" in content
    assert "2026年3月3日" in content
    assert "2026年3月4日" in content
    assert digest.value[:8] in content
    assert content.count("一致") == 2
    assert "不一致" not in content


def test_the_digest_page_opens_on_the_month_of_yesterday(client_for, supervisor, sealed, clock):
    clock(local(dt.date(2026, 4, 1), 8))  # yesterday was 31 March

    content = client_for(supervisor).get(DIGESTS).content.decode()

    assert "2026年3月3日" in content


def test_the_digest_page_says_inconsistent_when_the_history_changed(client_for, supervisor, sealed):
    newest = CaseEvent.objects.filter(case=sealed).order_by("-seq").first()
    raw("DELETE FROM {table} WHERE id = %s", [newest.pk])

    content = client_for(supervisor).get(DIGESTS, {"month": "2026-03"}).content.decode()

    assert "不一致" in content
    assert f"case {sealed.number} head now #{newest.seq - 1}, sealed #{newest.seq}" in content


def test_the_digest_page_shows_no_other_towns_digest(client_for, supervisor, sealed, clock):
    other = TownFactory(name="龙茗镇")
    HistoryDigest.objects.create(
        town=other, date=DAY1, cases=0, events=0, heads=[], key_id="dev", value="f" * 64, created_at=timezone.now()
    )

    mine = client_for(supervisor).get(DIGESTS, {"month": "2026-03"})
    typed = client_for(supervisor).get(DIGESTS, {"month": "2026-03", "town": other.code})

    assert "f" * 8 not in mine.content.decode()
    assert "龙茗镇" not in mine.content.decode()
    assert typed.status_code == 404
    assert client_for(supervisor).get(CSV, {"town": other.code}).status_code == 404


def test_a_superuser_may_pick_any_town(client_for, superuser, sealed):
    other = TownFactory(name="龙茗镇")

    response = client_for(superuser).get(DIGESTS, {"month": "2026-03", "town": other.code})

    assert response.status_code == 200
    assert "龙茗镇" in response.content.decode()


def test_staff_without_a_town_role_are_refused(client_for, sealed, clerk):
    clerk.is_staff = True
    clerk.save()

    assert client_for(clerk).get(DIGESTS).status_code == 403


def test_the_digest_page_needs_a_login(client, sealed):
    response = client.get(DIGESTS)

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_printable_sheet_has_the_town_dates_check_and_a_signature_area(client_for, supervisor, sealed):
    response = client_for(supervisor).get(PRINT, {"month": "2026-03"})

    content = response.content.decode()
    assert response.status_code == 200
    assert "天等县进结镇" in content
    assert "2026年3月办理记录每日摘要" in content
    assert "2026年3月3日" in content
    assert "纪检监督员（签字）" in content
    assert "digest-seal" in content
    assert "hall/print-digest.css" in content
    assert "data-print" in content
    assert "打印时已与办理记录核对" in content


def test_the_templates_have_no_inline_script_or_style():
    folder = Path(settings.BASE_DIR) / "templates" / "admin" / "history"
    for template in folder.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert "style=" not in text, template.name
        assert "<style" not in text, template.name
        assert "<script>" not in text, template.name
        assert "onclick" not in text, template.name


def test_the_csv_export_has_every_digest_with_its_check(client_for, supervisor, sealed):
    response = client_for(supervisor).get(CSV, {"month": "2026-03"})

    text = response.content.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    digests = list(HistoryDigest.objects.order_by("date"))
    assert response["Content-Type"].startswith("text/csv")
    assert text.startswith("\ufeff")
    assert rows[0] == ["镇代码", "镇", "日期", "办件数", "记录数", "签名密钥", "摘要值", "封存时间", "核对"]
    assert [row[2] for row in rows[1:]] == ["2026-03-03", "2026-03-04"]
    assert [row[6] for row in rows[1:]] == [d.value for d in digests]
    assert {row[8] for row in rows[1:]} == {"一致"}
    assert rows[1][1] == "天等县进结镇"


def test_the_digest_page_takes_as_many_queries_for_one_day_as_for_a_month(
    client_for, supervisor, clock, cadre, village, referral_matter, town
):
    client = client_for(supervisor)

    def open_on(day: dt.date) -> None:
        clock(local(day, 9))
        open_case(actor=cadre, matter=referral_matter, village=village)

    open_on(dt.date(2026, 3, 2))
    clock(local(dt.date(2026, 4, 1), 1))
    seal()
    client.get(DIGESTS, {"month": "2026-03"})  # the session's first page does its own bookkeeping
    with CaptureQueriesContext(connection) as one:
        client.get(DIGESTS, {"month": "2026-03"})
    for day in range(3, 31):
        open_on(dt.date(2026, 3, day))
    clock(local(dt.date(2026, 4, 1), 1))
    seal()

    with CaptureQueriesContext(connection) as many:
        response = client.get(DIGESTS, {"month": "2026-03"})

    assert HistoryDigest.objects.filter(town=town).count() == 29
    assert response.content.decode().count("一致") == 29
    assert len(many) == len(one)
