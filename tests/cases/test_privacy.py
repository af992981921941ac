"""Issue 10, point 9 (GB/T 35273, minimum necessary): the town office and the supervisor see a villager's ID number
and phone masked; they may ask to see them once on the case page with a reason, and every asking is written in the
log the town office reads (cases.privacy). The cadres and the working desk see them as their work needs."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import privacy, services
from cases.models import IdentityReveal, mask_id_number
from jinjie.management.commands.seed_demo import group_permissions
from tests.factories import (
    APPLICANT_ID,
    APPLICANT_PHONE,
    TownFactory,
    TownStaffFactory,
    VillageCadreFactory,
    VillageFactory,
    complete,
    open_case,
    refused,
    reload,
    stamp,
)
from villages.models import TownStaff

pytestmark = pytest.mark.django_db

MASKED = mask_id_number(APPLICANT_ID)
FORM = 'id="form-identity"'
LOG = "/admin/cases/identityreveal/"


@pytest.fixture
def case(cadre, clerk, other_clerk, village, hamlet, appointment_matter):
    """赵国向's case after the village, 民政办 and 党政办: booked at 县民政局, which comes to the hall (县级约办)."""
    case = open_case(actor=cadre, matter=appointment_matter, village=village, hamlet=hamlet)
    stamp(case, cadre)
    complete(case, clerk)
    complete(case, other_clerk)
    services.appointment_book(
        actor=other_clerk,
        case_id=case.pk,
        date=timezone.localdate() + dt.timedelta(days=2),
        time=dt.time(9, 30),
        place="镇政务服务大厅",
    )
    return reload(case)


@pytest.fixture
def other_town_office(db):
    """The office of 向都镇, with the same rights in its own town as 进结镇's office has in its."""
    user = TownStaffFactory(town=TownFactory(name="向都镇"), role=TownStaff.Role.OFFICE).user
    group, _ = Group.objects.get_or_create(name="镇办")
    group.permissions.set(group_permissions(view_only=False))
    user.groups.add(group)
    return user


def url(case) -> str:
    return f"/cases/{case.number}/identity/"


def ask(client, case, reason="supervision", details="月度抽查", **extra):
    return client.post(url(case), {"reason": reason, "details": details, **extra})


def shown(page: str) -> str:
    if APPLICANT_ID in page or APPLICANT_PHONE in page:
        assert APPLICANT_ID in page and APPLICANT_PHONE in page
        return "full"
    assert MASKED in page
    return "masked"


# --- every role on the case page ----------------------------------------------------------------------------------

ROLES = {
    # role: (status of the case page, what it shows, whether it offers to ask)
    "cadre": (200, "full", False),  # the applicant's village: knows the villager, certifies the facts
    "other_clerk": (200, "full", False),  # the desk that booked the county: works the case now
    "clerk": (200, "masked", False),  # its step is done
    "county_officer": (200, "masked", False),  # reads the case through the hall's papers
    "supervisor": (200, "masked", True),
    "town_office": (200, "masked", True),
    "other_cadre": (404, None, False),
    "other_town_office": (404, None, False),
    "no_role_user": (404, None, False),
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_the_case_page_as_its_work_needs(request, client_for, case, role):
    status, numbers, offered = ROLES[role]

    response = client_for(request.getfixturevalue(role)).get(f"/cases/{case.number}/")

    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert shown(page) == numbers
        assert (FORM in page) == offered


def test_the_form_offers_the_reasons_and_posts_to_the_reveal(client_for, supervisor, case):
    page = client_for(supervisor).get(f"/cases/{case.number}/").content.decode()

    assert f'action="{url(case)}"' in page
    for value, label in privacy.Reason.choices:
        assert f'<option value="{value}">{label}</option>' in page


# --- asking with a reason -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["supervisor", "town_office"])
def test_asking_with_a_reason_shows_the_full_number_and_writes_one_log_row(request, client_for, case, role):
    user = request.getfixturevalue(role)
    before = timezone.now()

    response = ask(client_for(user), case)

    assert response.status_code == 200
    page = response.content.decode()
    assert shown(page) == "full"
    assert FORM not in page
    row = IdentityReveal.objects.get()
    assert (row.case, row.town, row.user, row.user_name) == (case, case.town, user, user.get_full_name())
    assert before <= row.at <= timezone.now()
    assert row.reason == f"{privacy.Reason.SUPERVISION.label}：月度抽查"
    assert row.where == "case_page"


def test_the_reason_alone_is_enough_and_is_logged_in_words(client_for, town_office, case):
    response = ask(client_for(town_office), case, reason="applicant_called", details="")

    assert shown(response.content.decode()) == "full"
    assert IdentityReveal.objects.get().reason == str(privacy.Reason.APPLICANT_CALLED.label)


def test_the_next_page_is_masked_again(client_for, supervisor, case):
    client = client_for(supervisor)
    ask(client, case)

    again = client.get(f"/cases/{case.number}/").content.decode()

    assert shown(again) == "masked"
    assert FORM in again
    assert IdentityReveal.objects.count() == 1
    assert not any(APPLICANT_ID in str(value) for value in client.session.values())


def test_asking_again_shows_it_again_and_logs_again(client_for, supervisor, case):
    client = client_for(supervisor)
    ask(client, case)

    response = ask(client, case, reason="complaint", details="12345热线转办件")

    assert shown(response.content.decode()) == "full"
    assert [r.reason for r in IdentityReveal.objects.order_by("at", "pk")][1].endswith("12345热线转办件")


@pytest.mark.parametrize("paper", ["certificate", "receipt"])
def test_the_papers_stay_masked_for_the_supervisor_after_asking(client_for, supervisor, case, paper):
    client = client_for(supervisor)
    ask(client, case)

    printed = client.get(f"/cases/{case.number}/print/{paper}/")

    assert printed.status_code == 200
    assert APPLICANT_ID not in printed.content.decode()
    assert APPLICANT_PHONE not in printed.content.decode()


def test_a_reveal_goes_into_the_security_log_without_the_number(client_for, supervisor, case, caplog):
    with caplog.at_level("INFO", logger="jinjie.security"):
        ask(client_for(supervisor), case)

    lines = [r.getMessage() for r in caplog.records if r.name == "jinjie.security"]
    assert any(line.startswith("full_id_shown") and case.number in line and "where=case_page" in line for line in lines)
    assert not any(APPLICANT_ID in line or APPLICANT_PHONE in line for line in lines)


# --- refusals --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kept"),
    [
        ({"reason": "", "details": "群众反映办理慢"}, "群众反映办理慢"),
        ({"details": "没有选原因"}, "没有选原因"),
        ({"reason": "curiosity", "details": "随便看看"}, "随便看看"),
        ({"reason": "other", "details": "   "}, ""),
    ],
    ids=["blank", "missing", "not-a-reason", "other-without-details"],
)
def test_without_a_reason_nothing_is_written_and_the_number_stays_masked(client_for, supervisor, case, data, kept):
    response = client_for(supervisor).post(url(case), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert shown(page) == "masked"
    assert 'role="alert"' in page
    if kept:
        assert f'value="{kept}"' in page
    assert IdentityReveal.objects.count() == 0


def test_the_choice_is_kept_when_the_details_are_missing(client_for, supervisor, case):
    page = client_for(supervisor).post(url(case), {"reason": "other", "details": ""}).content.decode()

    assert '<option value="other" selected>' in page
    assert "<details" in page and " open>" in page
    assert IdentityReveal.objects.count() == 0


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("other_town_office", 404),  # another town's case is not theirs to see at all
        ("other_cadre", 404),
        ("no_role_user", 404),
        ("county_officer", 403),  # sees the case for the appointment, may not ask
        ("clerk", 403),  # the desk whose step is done
        ("cadre", 403),  # sees the numbers for the work, nothing to ask
    ],
)
def test_who_may_not_ask_is_refused_and_nothing_is_written(request, client_for, case, role, status):
    response = ask(client_for(request.getfixturevalue(role)), case)

    assert response.status_code == status
    assert APPLICANT_ID not in response.content.decode()
    assert IdentityReveal.objects.count() == 0


def test_an_anonymous_visitor_is_sent_to_login(case):
    response = ask(Client(), case)

    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert IdentityReveal.objects.count() == 0


def test_get_is_not_allowed(client_for, supervisor, case):
    response = client_for(supervisor).get(url(case), {"reason": "supervision"})

    assert response.status_code == 405
    assert IdentityReveal.objects.count() == 0


def test_a_post_without_the_csrf_token_is_refused(supervisor, case):
    client = Client(enforce_csrf_checks=True)
    client.force_login(supervisor)

    response = ask(client, case)

    assert response.status_code == 403
    assert IdentityReveal.objects.count() == 0


def test_the_form_carries_the_csrf_token(supervisor, case):
    client = Client(enforce_csrf_checks=True)
    client.force_login(supervisor)
    client.get(f"/cases/{case.number}/")

    response = ask(client, case, csrfmiddlewaretoken=client.cookies["csrftoken"].value)

    assert response.status_code == 200
    assert IdentityReveal.objects.count() == 1


# --- the service -----------------------------------------------------------------------------------------------------


def test_the_service_refuses_a_blank_reason(supervisor, case):
    with refused("invalid_input"):
        privacy.identity_reveal(actor=supervisor, case_id=case.pk, reason="  \n ")
    assert IdentityReveal.objects.count() == 0


@pytest.mark.parametrize("role", ["county_officer", "clerk", "other_clerk", "cadre", "other_town_office"])
def test_the_service_refuses_who_may_not_ask(request, case, role):
    with refused("not_allowed"):
        privacy.identity_reveal(actor=request.getfixturevalue(role), case_id=case.pk, reason="监督检查")
    assert IdentityReveal.objects.count() == 0


def test_a_supervisor_whose_membership_ended_is_refused(client_for, supervisor, case):
    privacy.may_ask_full_id(supervisor, case)  # roles read and kept on the user, as during a request
    TownStaff.objects.filter(user=supervisor).update(is_active=False)

    with refused("not_allowed"):
        privacy.identity_reveal(actor=supervisor, case_id=case.pk, reason="监督检查")
    assert IdentityReveal.objects.count() == 0


def test_the_supervisor_of_another_town_gets_404_even_as_a_cadre_there(client_for, case):
    elsewhere = VillageFactory(town=TownFactory(name="龙茗镇"))
    user = TownStaffFactory(town=elsewhere.town, role=TownStaff.Role.SUPERVISOR).user
    VillageCadreFactory(village=elsewhere, user=user)

    assert ask(client_for(user), case).status_code == 404
    assert IdentityReveal.objects.count() == 0


def test_the_log_is_append_only(supervisor, case):
    row = privacy.identity_reveal(actor=supervisor, case_id=case.pk, reason="监督检查")

    row.reason = "改过的原因"
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        IdentityReveal.objects.filter(pk=row.pk).update(reason="改过的原因")
    with pytest.raises(PermissionError):
        IdentityReveal.objects.filter(pk=row.pk).delete()
    assert IdentityReveal.objects.get().reason == "监督检查"


# --- the log in the admin ------------------------------------------------------------------------------------------


@pytest.fixture
def logged(supervisor, case):
    return privacy.identity_reveal(actor=supervisor, case_id=case.pk, reason="核实群众投诉：12345热线转办件")


@pytest.mark.parametrize("role", ["town_office", "supervisor", "superuser"])
def test_the_log_lists_the_reveal_for_the_town(request, client_for, logged, role):
    response = client_for(request.getfixturevalue(role)).get(LOG)

    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == [logged]
    page = response.content.decode()
    assert logged.case.number in page
    assert "12345热线转办件" in page
    assert APPLICANT_ID not in page and APPLICANT_PHONE not in page


def test_another_towns_office_does_not_see_the_reveal(client_for, other_town_office, logged):
    client = client_for(other_town_office)

    response = client.get(LOG)

    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == []
    assert logged.case.number not in response.content.decode()
    assert client.get(f"{LOG}{logged.pk}/change/").status_code == 302  # "does not exist": back to the admin index


@pytest.mark.parametrize("role", ["cadre", "clerk", "county_officer"])
def test_desks_do_not_read_the_log(request, client_for, logged, role):
    response = client_for(request.getfixturevalue(role)).get(LOG)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("role", ["town_office", "superuser"])
def test_nobody_adds_changes_or_deletes_a_log_row(request, client_for, logged, role):
    client = client_for(request.getfixturevalue(role))

    assert client.post(f"{LOG}add/", {"reason": "x"}).status_code == 403
    assert client.post(f"{LOG}{logged.pk}/change/", {"reason": "改过的原因"}).status_code == 403
    assert client.post(f"{LOG}{logged.pk}/delete/", {"post": "yes"}).status_code == 403
    assert IdentityReveal.objects.get().reason == logged.reason


def test_the_log_list_costs_the_same_with_1_and_50_rows(
    client_for, town_office, supervisor, case, logged, django_assert_num_queries
):
    client = client_for(town_office)
    client.get(LOG)  # Django's first admin page fills its caches (content types)
    with CaptureQueriesContext(connection) as one:
        assert client.get(LOG).status_code == 200
    for n in range(49):
        privacy.identity_reveal(actor=supervisor, case_id=case.pk, reason=f"监督检查：第{n}次")

    with django_assert_num_queries(len(one)):
        assert client.get(LOG).status_code == 200


@pytest.mark.parametrize(
    "sql",
    [
        pytest.param(
            "UPDATE cases_identityreveal SET reason = 'x' WHERE id = %s",
            id="update",
            marks=[pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL triggers")],
        ),
        pytest.param(
            "DELETE FROM cases_identityreveal WHERE id = %s",
            id="delete",
            marks=[pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL triggers")],
        ),
    ],
)
def test_the_database_refuses_raw_sql_that_changes_or_removes_the_log(supervisor, case, sql):
    from django.db import DatabaseError, transaction

    row = privacy.identity_reveal(actor=supervisor, case_id=case.pk, reason="监督检查")

    with pytest.raises(DatabaseError, match="只能追加"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [row.pk])

    assert IdentityReveal.objects.get(pk=row.pk).reason == row.reason
