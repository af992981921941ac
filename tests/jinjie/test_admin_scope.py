"""The town office sees only its own town in the admin; a hand-typed admin URL of another town's row finds nothing."""

import importlib
import io

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from cases.models import Holiday
from departments.models import Department
from jinjie.management.commands.seed_demo import group_permissions
from jinjie.models import User
from tests.factories import (
    DepartmentFactory,
    HolidayFactory,
    MarketDayFactory,
    TownFactory,
    TownStaffFactory,
    UserFactory,
    VillageCadreFactory,
    VillageFactory,
    open_case,
    route_matter,
)
from villages.models import DutyShift, Town, TownStaff

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_town_case():
    town = TownFactory(code="451425103", name="另一个镇")
    village = VillageFactory(town=town, name="别镇村")
    department = DepartmentFactory(town=town, name="别镇民政办")
    matter = route_matter(town=town, departments=[department])
    cadre = VillageCadreFactory(village=village).user
    return open_case(actor=cadre, matter=matter, village=village)


@pytest.fixture
def own_case(town, village, department, cadre):
    matter = route_matter(town=town, departments=[department])
    return open_case(actor=cadre, matter=matter, village=village)


@pytest.mark.parametrize(
    "path",
    ["cases/case/", "cases/caseevent/", "villages/village/", "departments/department/", "cases/matter/"],
)
def test_office_changelists_show_only_their_town(client_for, town_office, own_case, other_town_case, path):
    response = client_for(town_office).get(f"/admin/{path}")
    assert response.status_code == 200
    shown = {obj.pk for obj in response.context["cl"].result_list}
    model = response.context["cl"].model
    own = model.objects.filter(pk__in=shown)
    assert own.exists()
    for obj in own:
        assert _town_of(obj) == own_case.town


def _town_of(obj):
    for path in ("town", "case.town", "village.town"):
        target = obj
        for part in path.split("."):
            target = getattr(target, part, None)
        if target is not None and target.__class__.__name__ == "Town":
            return target
    return None


def test_office_cannot_open_another_towns_case_in_the_admin(client_for, town_office, other_town_case):
    response = client_for(town_office).get(f"/admin/cases/case/{other_town_case.pk}/change/")
    assert response.status_code == 302  # "does not exist" redirect to the admin index, not the case
    assert "/admin/" in response["Location"]


def test_office_cannot_edit_another_towns_matter(client_for, town_office, other_town_case):
    matter = other_town_case.matter
    response = client_for(town_office).get(f"/admin/cases/matter/{matter.pk}/change/")
    assert response.status_code == 302


def test_superuser_sees_every_town(client_for, superuser, own_case, other_town_case):
    response = client_for(superuser).get("/admin/cases/case/")
    shown = {obj.pk for obj in response.context["cl"].result_list}
    assert {own_case.pk, other_town_case.pk} <= shown


def test_county_departments_are_visible_to_every_town_office(client_for, town_office, county_department):
    response = client_for(town_office).get("/admin/departments/department/")
    assert county_department.pk in {obj.pk for obj in response.context["cl"].result_list}


def test_office_forms_offer_only_their_towns_choices(client_for, town_office, town, department, other_town_case):
    other_town = other_town_case.town
    other_department = other_town_case.steps.exclude(department=None).first().department
    response = client_for(town_office).get("/admin/cases/matter/add/")
    form = response.context["adminform"].form
    assert list(form.fields["town"].queryset) == [town]
    route_form = response.context["inline_admin_formsets"][0].formset.empty_form
    offered = set(route_form.fields["department"].queryset)
    assert department in offered
    assert other_department not in offered
    village_form = client_for(town_office).get("/admin/villages/village/add/").context["adminform"].form
    assert other_town not in set(village_form.fields["town"].queryset)


def test_office_cannot_add_a_village_to_another_town(client_for, town_office, other_town_case):
    other_town = other_town_case.town
    response = client_for(town_office).post(
        "/admin/villages/village/add/",
        {
            "town": other_town.pk,
            "code": "999",
            "name": "闯入村",
            "desk_order": 1,
            "hamlets-TOTAL_FORMS": 0,
            "hamlets-INITIAL_FORMS": 0,
            "cadres-TOTAL_FORMS": 0,
            "cadres-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200  # the form comes back with an error
    assert "town" in response.context["adminform"].form.errors
    assert not other_town.villages.filter(name="闯入村").exists()


# --- issue 8, point 0: everyone in their place ---------------------------------------------------------------------


@pytest.fixture
def other_town():
    return TownFactory(code="451425203", name="向都镇")


@pytest.fixture
def other_town_user(other_town):
    return UserFactory(username="xiangdu_villager", phone="13922220001", town=other_town)


@pytest.fixture
def own_user(town):
    return UserFactory(username="hualong_villager", name="农秀英", phone="13811110001", town=town)


def _user_list(client):
    response = client.get("/admin/jinjie/user/")
    assert response.status_code == 200
    return set(response.context["cl"].queryset)


def test_office_lists_only_its_own_towns_accounts(
    client_for, town_office, supervisor, own_user, other_town_user, superuser, county_officer
):
    shown = _user_list(client_for(town_office))

    assert shown == {town_office, supervisor, own_user}


def test_office_cannot_open_another_towns_account_or_its_phone(client_for, town_office, other_town_user):
    response = client_for(town_office).get(f"/admin/jinjie/user/{other_town_user.pk}/change/")

    assert response.status_code == 302
    assert other_town_user.phone not in client_for(town_office).get("/admin/jinjie/user/").content.decode()


def test_office_user_forms_offer_no_staff_flags_groups_or_permissions(client_for, town_office, own_user):
    client = client_for(town_office)

    change = client.get(f"/admin/jinjie/user/{own_user.pk}/change/").context["adminform"].form
    add = client.get("/admin/jinjie/user/add/").context["adminform"].form

    for form in (change, add):
        assert not {"is_staff", "is_superuser", "groups", "user_permissions"} & set(form.fields)
    assert {"is_active", "town"} <= set(change.fields)


def _user_post(user, **changes):
    return {
        "username": user.username,
        "name": user.name,
        "phone": user.phone,
        "email": "",
        "town": user.town_id or "",
        "is_active": "on",
        **changes,
    }


def test_office_cannot_make_its_towns_account_staff_or_superuser(client_for, town_office, own_user):
    group = town_office.groups.get()

    response = client_for(town_office).post(
        f"/admin/jinjie/user/{own_user.pk}/change/",
        _user_post(own_user, is_staff="on", is_superuser="on", groups=[group.pk]),
    )

    assert response.status_code == 302
    own_user.refresh_from_db()
    assert (own_user.is_staff, own_user.is_superuser, own_user.groups.count()) == (False, False, 0)


def test_office_deactivates_an_ordinary_account_of_its_town(client_for, town_office, own_user):
    data = _user_post(own_user)
    del data["is_active"]

    response = client_for(town_office).post(f"/admin/jinjie/user/{own_user.pk}/change/", data)

    assert response.status_code == 302
    own_user.refresh_from_db()
    assert not own_user.is_active


@pytest.mark.parametrize("target", ["supervisor", "superuser", "other_town_user", "county_officer"])
def test_office_cannot_edit_or_deactivate_an_account_it_does_not_manage(client_for, town_office, request, target):
    user = request.getfixturevalue(target)
    data = _user_post(user, name="改名")
    del data["is_active"]

    response = client_for(town_office).post(f"/admin/jinjie/user/{user.pk}/change/", data)

    assert response.status_code in (302, 403)
    if response.status_code == 302:  # "does not exist" for a row outside the office's list
        assert response["Location"] == "/admin/"
    user.refresh_from_db()
    assert user.is_active and user.name != "改名"


def test_office_sees_its_towns_staff_accounts_read_only(client_for, town_office, supervisor):
    page = client_for(town_office).get(f"/admin/jinjie/user/{supervisor.pk}/change/")

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()


def test_office_creates_accounts_of_its_own_town_only(client_for, town_office, town, other_town):
    client = client_for(town_office)
    new = {"name": "黄必刘", "phone": "13877112233", "password1": "Gul1ng-tun-2020", "password2": "Gul1ng-tun-2020"}

    form = client.get("/admin/jinjie/user/add/").context["adminform"].form
    elsewhere = client.post("/admin/jinjie/user/add/", {**new, "username": "hbl2", "town": other_town.pk})
    nowhere = client.post("/admin/jinjie/user/add/", {**new, "username": "hbl3", "town": ""})
    created = client.post("/admin/jinjie/user/add/", {**new, "username": "hbl", "town": town.pk})

    assert list(form.fields["town"].queryset) == [town]
    assert form.fields["town"].initial == town.pk
    assert elsewhere.status_code == 200 and "town" in elsewhere.context["adminform"].form.errors
    assert nowhere.status_code == 200 and "town" in nowhere.context["adminform"].form.errors
    assert created.status_code == 302
    user = User.objects.get(username="hbl")
    assert (user.town, user.is_staff) == (town, False)
    assert not User.objects.filter(username__in=["hbl2", "hbl3"]).exists()


def test_superuser_manages_staff_flags_and_county_accounts(client_for, superuser, county_officer):
    form = client_for(superuser).get(f"/admin/jinjie/user/{county_officer.pk}/change/").context["adminform"].form

    assert {"is_staff", "is_superuser", "groups", "user_permissions", "town"} <= set(form.fields)
    assert not form.fields["town"].required


@pytest.mark.parametrize("role", ["town_office", "supervisor"])
def test_groups_are_the_superusers_alone(client_for, request, role):
    client = client_for(request.getfixturevalue(role))

    assert client.get("/admin/auth/group/").status_code == 403
    assert client.get("/admin/auth/group/add/").status_code == 403
    assert "/admin/auth/group/" not in client.get("/admin/").content.decode()


@pytest.mark.parametrize("role", ["town_office", "supervisor"])
def test_town_staff_cannot_create_a_town(client_for, request, role):
    client = client_for(request.getfixturevalue(role))

    page = client.get("/admin/villages/town/add/")
    post = client.post("/admin/villages/town/add/", {"code": "451425999", "name": "新镇", "county": "天等县"})

    assert (page.status_code, post.status_code) == (403, 403)
    assert not Town.objects.filter(code="451425999").exists()


def test_office_cannot_delete_its_town(client_for, town_office, town):
    response = client_for(town_office).post(f"/admin/villages/town/{town.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert Town.objects.filter(pk=town.pk).exists()


def test_office_changes_its_own_towns_details(client_for, town_office, town):
    response = client_for(town_office).post(
        f"/admin/villages/town/{town.pk}/change/",
        {
            "code": town.code,
            "name": town.name,
            "county": town.county,
            "address": "进结镇政府一楼",
            "phone": "",
            "intro": "",
            "sign_in_by": "09:00:00",
            "sign_out_from": "16:00:00",
        },
    )

    assert response.status_code == 302
    town.refresh_from_db()
    assert town.address == "进结镇政府一楼"


def _department_post(department, **changes):
    return {
        "name": department.name,
        "level": department.level,
        "town": department.town_id or "",
        "county": department.county,
        "desk_label": department.desk_label,
        "desk_order": department.desk_order,
        "duties": "",
        "phone": "",
        "members-TOTAL_FORMS": 0,
        "members-INITIAL_FORMS": 0,
        **changes,
    }


def test_office_reads_but_cannot_rename_or_delete_a_county_department(client_for, town_office, county_department):
    client = client_for(town_office)
    url = f"/admin/departments/department/{county_department.pk}/"

    page = client.get(f"{url}change/")
    renamed = client.post(f"{url}change/", _department_post(county_department, name="改名局"))
    deleted = client.post(f"{url}delete/", {"post": "yes"})

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert (renamed.status_code, deleted.status_code) == (403, 403)
    county_department.refresh_from_db()
    assert county_department.name == "县民政局"


def test_office_cannot_touch_a_county_departments_members(client_for, town_office, county_officer, county_department):
    member = county_officer.department_memberships.get()
    client = client_for(town_office)
    url = f"/admin/departments/departmentmember/{member.pk}/"

    page = client.get(f"/admin/departments/department/{county_department.pk}/change/")
    changed = client.post(
        f"{url}change/", {"user": town_office.pk, "department": county_department.pk, "role": "county_officer"}
    )
    deleted = client.post(f"{url}delete/", {"post": "yes"})

    members = page.context["inline_admin_formsets"][0]
    assert not (members.has_add_permission or members.has_change_permission or members.has_delete_permission)
    assert (changed.status_code, deleted.status_code) == (403, 403)
    member.refresh_from_db()
    assert member.user == county_officer


def test_office_cannot_make_itself_an_officer_of_a_county_department(
    client_for, town_office, county_department, department
):
    client = client_for(town_office)

    form = client.get("/admin/departments/departmentmember/add/").context["adminform"].form
    response = client.post(
        "/admin/departments/departmentmember/add/",
        {"user": town_office.pk, "department": county_department.pk, "role": "county_officer", "is_active": "on"},
    )

    assert list(form.fields["department"].queryset) == [department]
    assert response.status_code == 200
    assert "department" in response.context["adminform"].form.errors
    assert not county_department.members.exists()


def test_office_cannot_create_or_make_a_county_department(client_for, town_office, town, department):
    client = client_for(town_office)
    new = _department_post(department, name="新县局", level="county", town="")

    created = client.post("/admin/departments/department/add/", new)
    turned = client.post(
        f"/admin/departments/department/{department.pk}/change/",
        _department_post(department, level="county", town=""),
    )

    assert created.status_code == 200 and {"level", "town"} <= set(created.context["adminform"].form.errors)
    assert turned.status_code == 200 and {"level", "town"} <= set(turned.context["adminform"].form.errors)
    assert not Department.objects.filter(level="county").exists()


def test_office_cannot_put_a_shift_on_another_towns_market_day(client_for, town_office, village, other_town):
    other_day = MarketDayFactory(town=other_town)

    response = client_for(town_office).post(
        "/admin/villages/dutyshift/add/",
        {
            "market_day": other_day.pk,
            "village": village.pk,
            "corrections-TOTAL_FORMS": 0,
            "corrections-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 200
    assert "market_day" in response.context["adminform"].form.errors
    assert not DutyShift.objects.exists()


def test_office_reads_the_holiday_calendar_but_only_a_superuser_changes_it(client_for, town_office, superuser):
    holiday = HolidayFactory()
    url = f"/admin/cases/holiday/{holiday.pk}/change/"
    data = {"date": holiday.date.isoformat(), "kind": holiday.kind, "name": "改"}

    office = client_for(town_office)
    assert office.get("/admin/cases/holiday/").status_code == 200
    assert office.post(url, data).status_code == 403
    # A town office adds only its own town's days (tests/towns/test_holidays.py), never a shared one.
    office.post("/admin/cases/holiday/add/", {**data, "date": "2031-01-01"})
    assert not Holiday.objects.filter(date="2031-01-01").exists()
    assert client_for(superuser).post(url, data).status_code == 302
    holiday.refresh_from_db()
    assert holiday.name == "改"


def test_office_cannot_appoint_town_staff(client_for, town_office, town, own_user):
    response = client_for(town_office).post(
        "/admin/villages/townstaff/add/", {"user": own_user.pk, "town": town.pk, "role": "office", "is_active": "on"}
    )

    assert response.status_code == 403
    assert not TownStaff.objects.filter(user=own_user).exists()


def test_office_cannot_remove_its_supervisor(client_for, town_office, supervisor):
    membership = supervisor.town_memberships.get()

    response = client_for(town_office).post(f"/admin/villages/townstaff/{membership.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert TownStaff.objects.filter(pk=membership.pk).exists()


def test_cadre_autocomplete_offers_only_the_offices_own_town_accounts(
    client_for, town_office, own_user, other_town_user, superuser, county_officer
):
    response = client_for(town_office).get(
        "/admin/autocomplete/", {"app_label": "villages", "model_name": "villagecadre", "field_name": "user"}
    )

    ids = {int(result["id"]) for result in response.json()["results"]}
    assert own_user.pk in ids
    assert not {other_town_user.pk, superuser.pk, county_officer.pk} & ids


def test_changelist_filters_name_only_the_offices_own_rows(client_for, town_office, village, other_town):
    VillageFactory(town=other_town, name="别镇村")
    response = client_for(town_office).get("/admin/villages/village/")

    assert "别镇村" not in response.content.decode()
    assert "向都镇" not in response.content.decode()


# --- login records (django-axes) ----------------------------------------------------------------------------------


def _attempt(username, address):
    return AccessAttempt.objects.create(
        username=username,
        ip_address=address,
        user_agent="Firefox",
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=5,
    )


@pytest.fixture
def attempts(own_user, other_town_user, superuser):
    return {
        "own": _attempt(own_user.username, "10.0.0.1"),
        "other": _attempt(other_town_user.username, "10.0.0.2"),
        "superuser": _attempt(superuser.username, "10.0.0.3"),
        "unknown": _attempt("nobody", "10.0.0.4"),
    }


@pytest.mark.parametrize("role", ["town_office", "supervisor"])
@pytest.mark.parametrize("model", [AccessAttempt, AccessLog, AccessFailureLog])
def test_town_staff_read_the_login_records_of_their_own_towns_accounts_only(
    client_for, request, role, model, own_user, other_town_user, superuser
):
    login = {"user_agent": "Firefox", "http_accept": "*/*", "path_info": "/accounts/login/"}
    for user in (own_user, other_town_user, superuser):
        extra = {"get_data": "", "post_data": "", "failures_since_start": 1} if model is AccessAttempt else {}
        model.objects.create(username=user.username, ip_address="10.0.0.9", **login, **extra)

    staff = request.getfixturevalue(role)
    response = client_for(staff).get(f"/admin/axes/{model._meta.model_name}/")

    assert response.status_code == 200
    shown = {row.username for row in response.context["cl"].queryset}
    assert own_user.username in shown
    assert shown <= {own_user.username, staff.username}  # logging in as staff writes its own AccessLog


def test_office_unlocks_only_its_own_towns_accounts(client_for, town_office, attempts):
    client = client_for(town_office)

    page = client.get("/admin/axes/accessattempt/")
    response = client.post(
        "/admin/axes/accessattempt/",
        {"action": "unlock", "_selected_action": [a.pk for a in attempts.values()], "post": "yes"},
    )

    actions = dict(page.context["action_form"].fields["action"].choices)
    assert set(actions) - {""} == {"unlock"}
    assert actions["unlock"] == "解除锁定"
    assert response.status_code == 302
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {
        attempts[key].username for key in ("other", "superuser", "unknown")
    }


def test_supervisor_cannot_unlock(client_for, supervisor, attempts):
    client = client_for(supervisor)

    client.post("/admin/axes/accessattempt/", {"action": "unlock", "_selected_action": [attempts["own"].pk]})
    deleted = client.post(f"/admin/axes/accessattempt/{attempts['own'].pk}/delete/", {"post": "yes"})

    assert deleted.status_code == 403
    assert AccessAttempt.objects.filter(pk=attempts["own"].pk).exists()


def test_nobody_but_the_superuser_edits_login_records(client_for, town_office, own_user):
    log = AccessLog.objects.create(
        username=own_user.username, ip_address="10.0.0.1", user_agent="Firefox", http_accept="*/*", path_info="/"
    )
    client = client_for(town_office)

    changed = client.post(f"/admin/axes/accesslog/{log.pk}/change/", {"username": "x"})
    deleted = client.post(f"/admin/axes/accesslog/{log.pk}/delete/", {"post": "yes"})

    assert (changed.status_code, deleted.status_code) == (403, 403)
    assert AccessLog.objects.filter(pk=log.pk, username=own_user.username).exists()


# --- who manages an account: User.town ----------------------------------------------------------------------------


def _backfill():
    from django.apps import apps

    return importlib.import_module("jinjie.migrations.0002_user_town").town_from_memberships(apps, None)


def test_migration_gives_each_account_the_one_town_of_its_memberships(
    town, other_town, cadre, clerk, town_office, county_officer, superuser
):
    both = VillageCadreFactory(village=VillageFactory(town=town)).user
    VillageCadreFactory(user=both, village=VillageFactory(town=other_town))
    TownStaffFactory(user=superuser, town=town)
    User.objects.update(town=None)

    _backfill()

    towns = dict(User.objects.values_list("pk", "town"))
    assert towns[cadre.pk] == towns[clerk.pk] == towns[town_office.pk] == town.pk
    assert towns[both.pk] is None  # two towns: left to the superuser
    assert towns[county_officer.pk] is None
    assert towns[superuser.pk] is None


def test_seed_demo_puts_town_accounts_in_the_town_and_county_accounts_in_none(db):
    call_command("seed_demo", stdout=io.StringIO())
    town = Town.objects.get(code="451425102")

    towns = dict(User.objects.values_list("username", "town"))
    office = Group.objects.get(name="镇办").permissions.values_list("content_type__app_label", "codename")
    supervisor = Group.objects.get(name="纪检（只读）").permissions.values_list("content_type__app_label", "codename")

    assert towns["office"] == towns["supervisor"] == towns["cadre_aile"] == towns["clerk_gongdian"] == town.pk
    assert towns["admin"] is None and towns["county_minzheng"] is None
    assert {("axes", "view_accesslog"), ("axes", "delete_accessattempt"), ("jinjie", "change_user")} <= set(office)
    assert ("axes", "view_accessfailurelog") in set(supervisor)
    assert not {("axes", "delete_accessattempt"), ("jinjie", "change_user")} & set(supervisor)


def test_a_superuser_given_a_town_is_still_not_the_offices_to_manage(client_for, town_office, superuser, town):
    superuser.town = town
    superuser.save()
    client = client_for(town_office)

    assert superuser not in _user_list(client)
    assert client.get(f"/admin/jinjie/user/{superuser.pk}/password/").status_code == 404


def test_group_rights_alone_open_neither_groups_nor_login_record_edits(client_for, town_office, own_user):
    extra = Permission.objects.filter(
        content_type__app_label__in=["auth", "axes"],
        codename__regex=r"^(view|change|delete)_(group|accesslog|accessattempt)$",
    )
    town_office.groups.get().permissions.add(*extra)
    log = AccessLog.objects.create(
        username=own_user.username, ip_address="10.0.0.1", user_agent="Firefox", http_accept="*/*", path_info="/"
    )
    client = client_for(town_office)

    assert client.get("/admin/auth/group/").status_code == 403
    assert client.post(f"/admin/axes/accesslog/{log.pk}/change/", {"username": "x"}).status_code == 403
    assert client.post(f"/admin/axes/accesslog/{log.pk}/delete/", {"post": "yes"}).status_code == 403
    attempt = _attempt(own_user.username, "10.0.0.1")
    assert client.post(f"/admin/axes/accessattempt/{attempt.pk}/change/", {"username": "x"}).status_code == 403
    assert AccessLog.objects.filter(pk=log.pk, username=own_user.username).exists()


def test_office_of_one_town_and_supervisor_of_another_writes_only_in_the_first(
    client_for, town_office, village, own_user, other_town, other_town_user
):
    TownStaffFactory(user=town_office, town=other_town, role=TownStaff.Role.SUPERVISOR)
    watched = VillageFactory(town=other_town, name="别镇村")
    client = client_for(town_office)

    listed = client.get("/admin/villages/village/").context["cl"].queryset
    choices = client.get("/admin/villages/hamlet/add/").context["adminform"].form.fields["village"].queryset
    found = client.get(
        "/admin/autocomplete/", {"app_label": "villages", "model_name": "villagecadre", "field_name": "user"}
    ).json()["results"]
    renamed = client.post(
        f"/admin/villages/village/{watched.pk}/change/",
        {
            "town": other_town.pk,
            "code": watched.code,
            "name": "改名村",
            "desk_order": 1,
            "hamlets-TOTAL_FORMS": 0,
            "hamlets-INITIAL_FORMS": 0,
            "cadres-TOTAL_FORMS": 0,
            "cadres-INITIAL_FORMS": 0,
        },
    )

    assert set(listed) == {village, watched}  # reads both towns
    assert list(choices) == [village]
    assert {int(r["id"]) for r in found} & {own_user.pk, other_town_user.pk} == {own_user.pk}
    assert renamed.status_code == 403
    watched.refresh_from_db()
    assert watched.name == "别镇村"


def test_staff_account_of_no_town_sees_and_adds_nothing_of_any_town(client_for, village, department):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.create(name="镇办（无镇）"))
    user.groups.get().permissions.set(group_permissions(view_only=False))
    client = client_for(user)

    assert not client.get("/admin/villages/village/").context["cl"].queryset.exists()
    assert client.get("/admin/villages/village/add/").status_code == 403
    assert client.get("/admin/jinjie/user/add/").status_code == 403


def test_view_on_site_does_not_lead_to_another_towns_case(client_for, town_office, own_case, other_town_case):
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(other_town_case)
    client = client_for(town_office)

    other = client.get(f"/admin/r/{content_type.pk}/{other_town_case.pk}/")
    own = client.get(f"/admin/r/{content_type.pk}/{own_case.pk}/")

    assert other.status_code == 404
    assert own.status_code == 302 and own_case.number in own["Location"]


def test_the_login_records_have_a_chinese_heading(client_for, superuser):
    page = client_for(superuser).get("/admin/").content.decode()

    assert "登录与锁定" in page
