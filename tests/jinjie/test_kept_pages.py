"""The desk, the queue, the one-stop view and the tracking page kept while nothing they show has changed
(jinjie/kept_pages.py, villages/page_versions.py; issue 13 point 6).

A page answered from its kept copy renders no template, so the test client's `response.context` is None."""

import datetime as dt
import logging
import time

import pytest
import time_machine
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Paper, Rating
from cases.services import papers
from departments.models import DepartmentMember
from jinjie.kept_pages import TOKEN_FIELD
from jinjie.middleware import LAST_SEEN
from notices import sender
from notices.backends import get_backend
from notices.models import Notification, State
from tests.factories import (
    MarketScheduleFactory,
    TownFactory,
    VillageCadreFactory,
    VillageFactory,
    open_case,
    route_matter,
    stamp,
)
from villages import page_versions
from villages.models import TownVersion
from villages.services import market_days_generate

DESK, QUEUE = "/desk/", "/queue/"


def from_copy(response) -> bool:
    return response.status_code == 200 and response.context is None


def without_tokens(response) -> bytes:
    return TOKEN_FIELD.sub(b"", response.content)


def warm(client, url):
    """The first answer is rendered, and kept."""
    rendered = client.get(url)
    assert rendered.status_code == 200 and not from_copy(rendered)
    return rendered


def version(town) -> int:
    return TownVersion.objects.get_or_create(town=town)[0].version


@pytest.fixture
def waiting_case(cadre, village, referral_matter):
    return stamp(open_case(actor=cadre, matter=referral_matter, village=village), cadre)


def test_the_queue_asked_again_is_its_kept_copy_and_reads_no_case(client_for, clerk, waiting_case):
    client = client_for(clerk)
    rendered = warm(client, QUEUE)

    with CaptureQueriesContext(connection) as queries:
        again = client.get(QUEUE)

    assert from_copy(again)
    assert without_tokens(again) == without_tokens(rendered)
    assert waiting_case.number in again.content.decode()
    assert not any("cases_case" in q["sql"] for q in queries.captured_queries)
    assert len(queries.captured_queries) <= 6  # session, user, roles, the towns' versions
    assert "no-store" in again["Cache-Control"]  # still never kept by the browser


def test_a_case_opened_in_the_town_shows_on_the_next_desk(client_for, cadre, village, referral_matter):
    client = client_for(cadre)
    warm(client, DESK)

    case = open_case(actor=cadre, matter=referral_matter, village=village)
    after = client.get(DESK)

    assert not from_copy(after)
    assert case.number in after.content.decode()
    assert from_copy(client.get(DESK))


def test_a_step_done_at_another_desk_of_the_town_shows_on_the_one_stop_view(
    client_for, town_office, clerk, waiting_case
):
    client = client_for(town_office)
    url = f"/cases/{waiting_case.number}/"
    warm(client, url)

    from cases import services

    services.step_accept(actor=clerk, case_id=waiting_case.pk)
    after = client.get(url)

    assert not from_copy(after)
    assert after.context["case"].current_step.accepted_by_id == clerk.pk


def test_a_change_in_another_town_keeps_the_copy(client_for, cadre, county_department):
    other_town = TownFactory(code="451425104", name="龙茗镇", county="天等县")
    other_village = VillageFactory(town=other_town, name="龙茗村")
    other_cadre = VillageCadreFactory(village=other_village, user__town=other_town).user
    matter = route_matter(town=other_town, departments=[], code="other-town")
    client = client_for(cadre)
    warm(client, DESK)

    open_case(actor=other_cadre, matter=matter, village=other_village)

    assert from_copy(client.get(DESK))


def test_two_users_never_share_a_copy(client_for, clerk, other_clerk, other_department, waiting_case):
    mine = client_for(clerk)
    warm(mine, QUEUE)
    theirs = client_for(other_clerk)
    # The same browser at a shared hall PC: the same CSRF cookie, another session.
    theirs.cookies[settings.CSRF_COOKIE_NAME] = mine.cookies[settings.CSRF_COOKIE_NAME].value

    answer = theirs.get(QUEUE)

    assert not from_copy(answer)
    assert answer.wsgi_request.user == other_clerk
    assert [d.pk for d in answer.context["departments"]] == [other_department.pk]


def test_another_login_in_the_same_browser_is_not_answered_from_the_copy(client, cadre, clerk, waiting_case):
    client.force_login(clerk)
    warm(client, QUEUE)
    client.logout()
    client.force_login(cadre)

    assert client.get(QUEUE).status_code == 403  # a cadre has no queue: refused, not the clerk's copy


def test_tomorrow_the_page_is_rendered_afresh(client_for, cadre, waiting_case):
    client = client_for(cadre)
    warm(client, DESK)

    with time_machine.travel(timezone.now() + dt.timedelta(days=1)):
        assert not from_copy(client.get(DESK))  # the due lights change at midnight


def test_a_page_with_a_flash_message_is_neither_kept_nor_answered_from_the_copy(client_for, cadre):
    client = client_for(cadre)
    warm(client, DESK)

    refused = client.get("/desk/intake/?village=999999&matter=x", follow=True)  # changes nothing, leaves a message
    texts = [m.message for m in refused.context["messages"]]

    assert not from_copy(refused) and texts and texts[0] in refused.content.decode()
    after = client.get(DESK)
    assert from_copy(after)  # the copy from before the message, which shows once
    assert texts[0] not in after.content.decode()


def test_the_one_stop_view_with_a_full_id_number_is_never_kept_and_logs_each_showing(
    client_for, cadre, waiting_case, caplog
):
    client = client_for(cadre)  # the cadre of the applicant's village sees the full number
    url = f"/cases/{waiting_case.number}/"
    client.get(url)
    caplog.clear()

    with caplog.at_level(logging.INFO, logger="jinjie.security"):
        answers = [client.get(url) for _ in range(2)]

    assert not any(from_copy(a) for a in answers)
    assert sum("full_id_shown" in r.getMessage() for r in caplog.records) == 2


def test_the_town_office_one_stop_view_masked_is_kept(client_for, town_office, waiting_case):
    client = client_for(town_office)
    url = f"/cases/{waiting_case.number}/"
    warm(client, url)

    assert from_copy(client.get(url))


def test_a_membership_ended_gets_the_refusal_not_the_copy(client_for, clerk, waiting_case):
    client = client_for(clerk)
    warm(client, QUEUE)
    membership = DepartmentMember.objects.get(user=clerk)
    membership.is_active = False
    membership.save()

    assert client.get(QUEUE).status_code == 403


def test_an_idle_session_still_ends_on_a_kept_page(client_for, cadre):
    client = client_for(cadre)
    warm(client, DESK)
    session = client.session
    session[LAST_SEEN] = int(time.time()) - 24 * 3600
    session.save()

    response = client.get(DESK)

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- what moves a town's version ---------------------------------------------------------------------------------


def test_a_catalogue_edit_moves_its_town_only(town, referral_matter):
    other_town = TownFactory(code="451425104", name="龙茗镇", county="天等县")
    before, other_before = version(town), version(other_town)

    referral_matter.name = "改过的名称"
    referral_matter.save()

    assert version(town) == before + 1
    assert version(other_town) == other_before


def test_a_county_department_edit_moves_every_town(town, county_department):
    other_town = TownFactory(code="451425104", name="龙茗镇", county="天等县")
    before = version(town), version(other_town)

    county_department.desk_label = "县民政局（新）"
    county_department.save()

    assert (version(town), version(other_town)) == (before[0] + 1, before[1] + 1)


def test_writes_that_send_no_signal_move_the_version(town, cadre, village, referral_matter):
    case = open_case(actor=cadre, matter=referral_matter, village=village)
    paper = Paper.objects.filter(case=case).first()
    assert paper is not None
    before = version(town)
    papers.withdraw(paper, at=timezone.now(), reason="重开")  # an UPDATE
    assert version(town) == before + 1

    MarketScheduleFactory(town=town)
    before = version(town)
    market_days_generate(town=town, start=timezone.localdate(), until=timezone.localdate() + dt.timedelta(days=30))
    assert version(town) > before  # bulk_create


def test_a_text_message_sent_moves_the_version(town, cadre, village, referral_matter):
    open_case(actor=cadre, matter=referral_matter, village=village)
    assert Notification.objects.filter(town=town).exists()
    Notification.objects.update(next_attempt_at=timezone.now() - dt.timedelta(minutes=1))
    before = version(town)

    claimed = sender.claim("worker-1", timezone.now(), 10)
    assert claimed and version(town) == before + 1
    sender.mark_sent(claimed[0], get_backend(), "provider-1", timezone.now())

    assert Notification.objects.get(pk=claimed[0].pk).state == State.SENT
    assert version(town) == before + 2


def test_a_login_does_not_move_the_version(client, town, cadre):
    before = version(town)
    cadre.set_password("pw-123456")
    cadre.save()
    before = version(town)

    response = client.post("/accounts/login/", {"username": cadre.username, "password": "pw-123456"})

    assert response.status_code == 302 and "_auth_user_id" in client.session
    assert version(town) == before


@pytest.mark.django_db(transaction=True)
def test_the_version_moves_once_when_the_transaction_commits_and_not_on_rollback(town, referral_matter):
    before = version(town)
    with transaction.atomic():
        referral_matter.name = "一"
        referral_matter.save()
        referral_matter.name = "二"
        referral_matter.save()
        assert version(town) == before  # not before the commit: a page read now still shows the old rows
    assert version(town) == before + 1  # once for the transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        referral_matter.save()
        raise RuntimeError
    assert version(town) == before + 1  # rolled back: nothing changed

    with transaction.atomic():
        try:
            with transaction.atomic():
                referral_matter.save()
                raise RuntimeError
        except RuntimeError:
            pass
        referral_matter.name = "三"
        referral_matter.save()  # after a savepoint rolled back the first callback
    assert version(town) == before + 2


def test_towns_of_follows_a_row_to_its_town(town, village, cadre, referral_matter):
    case = open_case(actor=cadre, matter=referral_matter, village=village)
    event = case.events.first()
    route_step = referral_matter.route.first()

    assert page_versions.towns_of(event) == {town.pk}  # event → case → town
    assert page_versions.towns_of(route_step) == {town.pk}  # route step → matter → town
    assert page_versions.towns_of(cadre.village_memberships.first()) == {town.pk}  # membership → village


# --- the villager's tracking page ----------------------------------------------------------------------------------


def test_the_tracking_page_is_kept_for_every_visitor_until_the_case_moves(client, clerk, waiting_case):
    url = f"/t/{waiting_case.token}/"
    first = client.get(url)
    assert first.status_code == 200 and not from_copy(first)
    assert "csrftoken" not in first.cookies  # no form on an open case's page: nothing of the visitor's own

    from django.test import Client

    another_phone = Client()
    assert from_copy(another_phone.get(url))

    from cases import services

    services.step_accept(actor=clerk, case_id=waiting_case.pk)
    assert not from_copy(another_phone.get(url))


def test_the_tracking_page_with_the_rating_form_gives_each_visitor_their_own_token(
    client, cadre, clerk, village, desk_matter
):
    from django.test import Client

    from cases import services

    case = open_case(actor=cadre, matter=desk_matter, village=village)
    services.step_accept(actor=clerk, case_id=case.pk)
    services.step_complete(actor=clerk, case_id=case.pk, outcome="办结")
    url = f"/t/{case.token}/"
    first = client.get(url)
    assert not from_copy(first) and TOKEN_FIELD.search(first.content)

    phone = Client(enforce_csrf_checks=True)  # another villager, a first visit
    copy = phone.get(url)

    assert from_copy(copy)
    assert b"\x00" not in copy.content
    token = TOKEN_FIELD.search(copy.content).group(0).split(b'value="')[1][:-1].decode()
    assert settings.CSRF_COOKIE_NAME in copy.cookies  # the cookie the token belongs to
    assert token not in first.content.decode()
    rated = phone.post(f"/t/{case.token}/rate/", {"csrfmiddlewaretoken": token, "level": 5})
    assert rated.status_code == 302  # the copy's form works: the rating is taken
    assert Rating.objects.filter(case=case, level=5).exists()


def test_an_unknown_tracking_token_is_never_kept(client, db):
    assert client.get("/t/nosuchtoken/").status_code == 404
    assert client.get("/t/nosuchtoken/").status_code == 404


def test_a_county_officer_one_stop_view_is_kept_and_moves_with_the_case_town(
    client_for, county_officer, clerk, other_clerk, waiting_case, referral_matter
):
    from cases import services

    for desk in (clerk, other_clerk):
        services.step_accept(actor=desk, case_id=waiting_case.pk)
        services.step_complete(actor=desk, case_id=waiting_case.pk, outcome="同意")
    client = client_for(county_officer)
    url = f"/cases/{waiting_case.number}/"
    warm(client, url)
    assert from_copy(client.get(url))

    referral_matter.summary = "县里改了说明"
    referral_matter.save()

    assert not from_copy(client.get(url))


def test_the_versions_are_read_without_joining_the_towns_to_their_cases(client_for, town_office, waiting_case):
    """Semi-joins only: a join of the towns to their villages or cases is a scan of the town's whole history."""
    client = client_for(town_office)
    url = f"/cases/{waiting_case.number}/"
    warm(client, url)

    with CaptureQueriesContext(connection) as queries:
        assert from_copy(client.get(url))

    [read] = [q["sql"] for q in queries.captured_queries if "villages_townversion" in q["sql"]]
    assert read.count("JOIN") == 1 and "DISTINCT" not in read  # the version row, nothing else


def test_a_group_permission_or_a_users_groups_changed_moves_every_town(town, cadre):
    from django.contrib.auth.models import Group, Permission

    other_town = TownFactory(code="451425104", name="龙茗镇", county="天等县")
    group = Group.objects.create(name="临时组")
    before = version(town), version(other_town)

    cadre.groups.add(group)
    group.permissions.add(Permission.objects.get(codename="view_case"))

    assert (version(town), version(other_town)) == (before[0] + 2, before[1] + 2)


def test_generated_load_data_moves_the_versions(db):
    import io

    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())
    town = TownVersion.objects.get().town
    before = version(town)

    call_command("generate_load_data", cases=60, years=0.1, stdout=io.StringIO())

    assert version(town) > before  # its rows go in by COPY or bulk_create, which send no signal
