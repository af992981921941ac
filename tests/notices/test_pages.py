"""Each message's state on the one-stop case view and in the admin (read-only, the town's own)."""

import pytest
from django.urls import reverse

from cases import services
from notices import sender
from notices.models import Kind, Notification, State
from tests.factories import TownFactory, TownStaffFactory, open_case, stamp
from villages.models import TownStaff

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(clock, cadre, village, referral_matter):
    return open_case(actor=cadre, matter=referral_matter, village=village)


def detail(client_for, user, case):
    response = client_for(user).get(reverse("cases:detail", kwargs={"number": case.number}))
    assert response.status_code == 200
    return response.content.decode()


def test_the_case_view_shows_a_waiting_message_with_its_text(client_for, cadre, case):
    page = detail(client_for, cadre, case)

    assert "发给申请人的短信" in page or "Text messages to the applicant" in page
    assert message_text(case) in page
    assert "139****1234" in page  # masked in the messages' list (the applicant's block is the case page's own)


def message_text(case) -> str:
    return Notification.objects.get(case=case, kind=Kind.RECEIVED).text


def test_the_case_view_shows_a_failure_with_the_providers_error(client_for, cadre, case, aliyun):
    aliyun.fail_next("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
    sender.send_due()

    page = detail(client_for, cadre, case)

    assert "isv.MOBILE_NUMBER_ILLEGAL" in page and "非法手机号" in page
    assert str(State.FAILED.label) in page or "bg-danger" in page


def test_the_case_view_shows_sent_held_and_declined(client_for, cadre, clerk, case, aliyun, clock):
    sender.send_due()
    from cases.models import Case

    Case.objects.filter(pk=case.pk).update(messages_declined=True)
    stamp(case, cadre)
    services.case_reject(actor=clerk, case_id=case.pk, reason="不符合条件")

    page = detail(client_for, cadre, case)

    assert page.count("bg-success") >= 1  # the receipt message went out
    assert page.count("bg-secondary") >= 2  # rejection and rating invitation: declined, recorded only
    assert Notification.objects.filter(case=case, state=State.DECLINED).count() == 2


def test_the_case_view_shows_a_message_held_for_the_quiet_hours(client_for, cadre, village, referral_matter, clock):
    from tests.notices.conftest import at

    clock(at(22, 0))
    case = open_case(actor=cadre, matter=referral_matter, village=village)

    page = detail(client_for, cadre, case)

    assert "bg-warning" in page
    assert "12-04 08:00" in page


def test_the_case_view_costs_one_query_for_its_messages_however_many(
    client_for, cadre, case, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(cadre)
    url = reverse("cases:detail", kwargs={"number": case.number})
    client.get(url)  # the first page of a session also writes the session
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    first = Notification.objects.get(case=case)
    for i in range(30):
        Notification.objects.create(
            town=first.town,
            case=case,
            kind=Kind.RATE,
            phone=first.phone,
            params={},
            text=f"第{i}条",
            dedupe=f"test:{i}",
            created_at=first.created_at,
            next_attempt_at=first.created_at,
            state=State.FAILED,
            error_code="isv.X",
            error="错误",
        )
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(url).content.decode()
    assert "第29条" in page


def test_the_admin_lists_the_towns_own_messages_read_only(client_for, town_office, case):
    other_town = TownFactory(code="451425103", name="华隆镇")
    other_office = TownStaffFactory(
        town=other_town, role=TownStaff.Role.OFFICE, user__is_staff=True, user__town=other_town
    ).user
    other_office.groups.set(town_office.groups.all())
    notification = Notification.objects.get(case=case, kind=Kind.RECEIVED)
    changelist = reverse("admin:notices_notification_changelist")
    change = reverse("admin:notices_notification_change", args=[notification.pk])

    own = client_for(town_office)
    assert case.number in own.get(changelist).content.decode()
    page = own.get(change)
    assert page.status_code == 200
    assert "13907711234" not in page.content.decode()
    assert own.post(change, {}).status_code == 403
    assert own.get(reverse("admin:notices_notification_add")).status_code == 403

    other = client_for(other_office)
    assert case.number not in other.get(changelist).content.decode()
    assert other.get(change).status_code in (302, 404)


def test_the_supervisor_reads_the_messages_too(client_for, supervisor, case):
    response = client_for(supervisor).get(reverse("admin:notices_notification_changelist"))
    assert response.status_code == 200
    assert case.number in response.content.decode()


def test_a_clerk_without_admin_rights_cannot_open_the_messages(client_for, clerk, case):
    response = client_for(clerk).get(reverse("admin:notices_notification_changelist"))
    assert response.status_code in (302, 403)


def test_only_a_superuser_sees_the_task_queue(client_for, town_office, superuser):
    url = reverse("admin:django_tasks_database_dbtaskresult_changelist")
    assert client_for(town_office).get(url).status_code in (302, 403)
    assert client_for(superuser).get(url).status_code == 200
