"""Issue 8, point 0: the admin keeps everyone in their place.

Every model on the admin site is walked — lists, filters, add and change forms with their inlines and drop-downs,
autocomplete, change/delete/history pages, password changes, actions — as each role of two towns. The rows of each
town are known by construction (what building the town created), not from the code under test, so a wrong scope
anywhere shows up as a crossing. A model registered later is walked too, and fails until it declares its scope.
"""

import datetime as dt
import json
from dataclasses import dataclass, field

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases import privacy, services
from cases.models import HistoryDigest, Matter
from cases.services import ratings
from departments.models import DepartmentMember
from jinjie.management.commands.seed_demo import group_permissions
from stats.models import OpeningBalance
from tests.factories import (
    PASSWORD,
    ConsultationFactory,
    CountyDepartmentFactory,
    DepartmentFactory,
    DepartmentMemberFactory,
    DutyShiftFactory,
    HamletFactory,
    HolidayFactory,
    MarketDayFactory,
    MarketScheduleFactory,
    TownFactory,
    TownStaffFactory,
    UserFactory,
    VillageCadreFactory,
    VillageFactory,
    complete,
    open_case,
    route_matter,
    stamp,
)
from villages.admin_scope import (
    GLOBAL_MODELS,
    RELATED_TOWN_SCOPES,
    SCOPED_ADMIN_BASES,
    SharedReadOnlyMixin,
    SuperuserOnlyMixin,
    TownScopedChoicesMixin,
    TownScopedMixin,
)
from villages.models import TownStaff

PROJECT_APPS = ("jinjie", "villages", "departments", "cases")
REGISTRY = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
REFUSED = (302, 403, 404)
# What a town office may add in the admin. Everything else (towns, town staff, the shared holidays, cases and
# their history, login records, groups…) is refused: a model registered later is refused until it is listed here.
OFFICE_ADDS = {
    "jinjie.User",
    "villages.Village",
    "villages.Hamlet",
    "villages.VillageCadre",
    "villages.MarketDay",
    "villages.MarketSchedule",
    "villages.DutyShift",
    "departments.Department",
    "departments.DepartmentMember",
    "cases.Matter",
    "cases.Holiday",  # the town's own days where it differs from the shared calendar (issue 13)
    "stats.OpeningBalance",  # the town's paper-ledger figures before the system
}


def _label(model) -> str:
    return model._meta.label


# --- every model declares its scope (no database) ----------------------------------------------------------------


@pytest.mark.parametrize("model_admin", [ma for _, ma in REGISTRY], ids=[_label(m) for m, _ in REGISTRY])
def test_every_registered_admin_declares_how_its_rows_belong_to_a_town(model_admin):
    assert isinstance(model_admin, SCOPED_ADMIN_BASES), (
        f"{type(model_admin).__name__} does not say whose rows it shows: base it on TownScopedAdmin "
        "(villages/admin_scope.py), SharedReadOnlyMixin or SuperuserOnlyMixin"
    )
    for inline in model_admin.inlines:
        assert issubclass(inline, TownScopedChoicesMixin), f"{inline.__name__} offers unscoped drop-downs"


@pytest.mark.parametrize(
    "model",
    [m for m in apps.get_models() if m._meta.app_label in PROJECT_APPS],
    ids=lambda m: _label(m),
)
def test_every_model_of_the_project_has_a_town_path_or_is_global(model):
    assert (_label(model) in RELATED_TOWN_SCOPES) != (_label(model) in GLOBAL_MODELS), (
        f"{_label(model)}: add it to RELATED_TOWN_SCOPES (how a row belongs to a town) or to GLOBAL_MODELS"
    )


# --- two towns, built the same way --------------------------------------------------------------------------------


@dataclass
class TownWorld:
    town: object
    office: object
    supervisor: object
    cadre: object
    clerk: object
    villager: object  # a plain account of the town: the office manages it
    markers: list[str]
    rows: dict = field(default_factory=dict)  # model -> pks created for this town


def _snapshot() -> dict:
    return {model: set(model._default_manager.values_list("pk", flat=True)) for model in apps.get_models()}


def _build_town(*, code: str, name: str, key: str, phone: str, county_department, groups) -> TownWorld:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    town = TownFactory(code=code, name=name)
    village = VillageFactory(town=town, code=f"{code}001", name=f"{name}村", is_sample=False)
    hamlet = HamletFactory(village=village, name=f"{name}屯")

    def account(role: str, n: int, **kwargs):
        return UserFactory(username=f"{key}_{role}", name=f"{name}{role}", phone=f"{phone}{n:03d}", town=town, **kwargs)

    office = TownStaffFactory(town=town, role=TownStaff.Role.OFFICE, user=account("office", 1, is_staff=True)).user
    office.groups.add(groups["office"])
    supervisor = TownStaffFactory(
        town=town, role=TownStaff.Role.SUPERVISOR, user=account("supervisor", 2, is_staff=True)
    ).user
    supervisor.groups.add(groups["supervisor"])
    cadre = VillageCadreFactory(village=village, user=account("cadre", 3)).user
    desk = DepartmentFactory(town=town, name=f"{name}民政办")
    clerk = DepartmentMemberFactory(department=desk, user=account("clerk", 4)).user
    villager = account("villager", 5)

    matter = route_matter(
        town=town,
        departments=[desk],
        county_mode=Matter.CountyMode.APPOINTMENT,
        county_department=county_department,
        name=f"{name}救助证明",
    )
    case = open_case(actor=cadre, matter=matter, village=village, hamlet=hamlet, phone=f"{phone}999")
    stamp(case, cadre)
    complete(case, clerk)
    services.appointment_book(
        actor=clerk,
        case_id=case.pk,
        date=timezone.localdate() + dt.timedelta(days=2),
        time=dt.time(9, 30),
        place="大厅",
    )
    privacy.identity_reveal(actor=supervisor, case_id=case.pk, reason="监督检查")
    # 好差评: a case decided at the village, rated 差评 by QR; the village desk appeals the rating.
    rated = open_case(actor=cadre, matter=matter, village=village, hamlet=hamlet, phone=f"{phone}998")
    services.case_reject(actor=cadre, case_id=rated.pk, reason="不属于本村村民")
    rating = services.rating_submit(case_id=rated.pk, level=1, reasons=["result"], channel="qr")
    ratings.appeal_file(actor=cadre, rectification_id=rating.rectification.pk, reason="已按政策解释")
    MarketScheduleFactory(town=town)
    HolidayFactory(town=town, name=f"{name}节")  # the town's own calendar day (issue 13)
    day = MarketDayFactory(town=town)
    DutyShiftFactory(market_day=day, village=village, cadre=cadre)
    ConsultationFactory(town=town, village=village, recorded_by=cadre)
    HistoryDigest.objects.create(
        town=town, date=dt.date(2026, 1, 5), cases=1, events=1, key_id="walk", value="0" * 64, created_at=timezone.now()
    )
    OpeningBalance.objects.create(
        town=town, counted_from=dt.date(2015, 3, 1), system_from=dt.date(2026, 1, 1), received=1, source="台账"
    )
    login = {"user_agent": "walk", "http_accept": "*/*", "path_info": "/accounts/login/"}
    for n, user in enumerate((cadre, office)):
        address = f"10.{code[-1]}.0.{n + 1}"
        AccessAttempt.objects.create(
            username=user.username, ip_address=address, get_data="", post_data="", failures_since_start=9, **login
        )
        AccessLog.objects.create(username=user.username, ip_address=address, **login)
        AccessFailureLog.objects.create(username=user.username, ip_address=address, locked_out=True, **login)
    # Text that only this town's rows carry: none of it may appear on another town's admin pages.
    markers = [name, key, phone, code, case.number, rated.number]
    return TownWorld(town, office, supervisor, cadre, clerk, villager, markers)


@dataclass
class World:
    a: TownWorld
    b: TownWorld
    superuser: object
    county_officer: object
    county_department: object
    shared: dict  # model -> pks that belong to no town


@pytest.fixture
def world(db) -> World:
    groups = {}
    for key, name, view_only in (("office", "镇办", False), ("supervisor", "纪检", True)):
        groups[key] = Group.objects.create(name=name)
        groups[key].permissions.set(group_permissions(view_only=view_only))
    superuser = UserFactory(username="county_admin", is_staff=True, is_superuser=True)
    county_department = CountyDepartmentFactory(name="县民政局")
    county_officer = DepartmentMemberFactory(
        department=county_department, role=DepartmentMember.Role.COUNTY_OFFICER, user__username="county_officer"
    ).user
    HolidayFactory()
    start = _snapshot()
    a = _build_town(
        code="451425201",
        name="华隆镇",
        key="hualong",
        phone="13811110",
        county_department=county_department,
        groups=groups,
    )
    after_a = _snapshot()
    b = _build_town(
        code="451425203",
        name="向都镇",
        key="xiangdu",
        phone="13922220",
        county_department=county_department,
        groups=groups,
    )
    after_b = _snapshot()
    a.rows = {model: after_a[model] - start[model] for model in start}
    b.rows = {model: after_b[model] - after_a[model] for model in start}
    return World(a, b, superuser, county_officer, county_department, shared=start)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _kind(model_admin) -> str:
    if isinstance(model_admin, SuperuserOnlyMixin):
        return "superuser"
    if isinstance(model_admin, TownScopedMixin):
        return "town"
    assert isinstance(model_admin, SharedReadOnlyMixin)
    return "shared"


class Walk:
    """Collects every crossing with where it was seen, so one run reports them all."""

    def __init__(self, world: World, own: TownWorld, other: TownWorld, user):
        self.world, self.own, self.other, self.user = world, own, other, user
        self.client = _client(user)
        self.crossings: list[str] = []

    def cross(self, where: str, what) -> None:
        self.crossings.append(f"{self.user.username} {where}: {what}")

    def page(self, where: str, response) -> None:
        if response.status_code == 200 and "json" not in response.get("Content-Type", ""):
            content = response.content.decode()
            for marker in self.other.markers:
                if marker in content:
                    self.cross(where, f"shows {marker!r} of {self.other.town}")

    def other_rows(self, model) -> set:
        return self.other.rows.get(model, set())

    def choices(self, where: str, form) -> None:
        for name, form_field in form.fields.items():
            # An inline row's hidden id: Django only ever saves rows of the formset's own (parent's) queryset.
            if name == form._meta.model._meta.pk.name and isinstance(form_field.widget, forms.HiddenInput):
                continue
            if isinstance(form_field, forms.ModelChoiceField):
                offered = set(form_field.queryset.values_list("pk", flat=True))
                if offered & self.other_rows(form_field.queryset.model):
                    self.cross(where, f"drop-down {name} offers {form_field.queryset.model.__name__} of the other town")

    def form_page(self, where: str, response) -> None:
        self.page(where, response)
        if response.status_code != 200 or response.context is None:
            return
        if "adminform" in response.context:
            self.choices(where, response.context["adminform"].form)
        for inline in response.context.get("inline_admin_formsets") or []:
            for form in [inline.formset.empty_form, *inline.formset.forms]:
                self.choices(f"{where} inline {inline.formset.prefix}", form)

    def changelist(self, model, model_admin) -> set:
        response = self.client.get(_url(model, "changelist"))
        self.page(f"{_label(model)} list", response)
        if response.status_code != 200:
            return set()
        cl = response.context["cl"]
        shown = set(cl.queryset.values_list("pk", flat=True))
        if shown & self.other_rows(model):
            self.cross(f"{_label(model)} list", "lists rows of the other town")
        for spec in cl.filter_specs:
            related = getattr(getattr(spec, "field", None), "related_model", None)
            named = {pk for pk, _ in getattr(spec, "lookup_choices", [])} if related is not None else set()
            if named & self.other_rows(related):
                self.cross(f"{_label(model)} list", f"filter {spec.title} names the other town's rows")
        return shown

    def refused(self, where: str, response) -> None:
        if response.status_code not in REFUSED:
            self.cross(where, f"answered {response.status_code}")
        elif response.status_code == 302 and response["Location"] != reverse("admin:index"):
            self.cross(where, f"went on to {response['Location']}")  # "does not exist" goes to the index

    def foreign_rows(self, model) -> None:
        for pk in sorted(self.other_rows(model))[:3]:
            for view in ("change", "delete", "history"):
                self.refused(f"{_label(model)} {view} of the other town's {pk}", self.client.get(_url(model, view, pk)))
            self.refused(
                f"POST {_label(model)} change of the other town's {pk}", self.client.post(_url(model, "change", pk), {})
            )
            self.refused(
                f"POST {_label(model)} delete of the other town's {pk}",
                self.client.post(_url(model, "delete", pk), {"post": "yes"}),
            )
            if not model._default_manager.filter(pk=pk).exists():
                self.cross(f"{_label(model)} delete", f"deleted the other town's {pk}")

    def adding(self, model) -> None:
        """An empty add form comes back with errors where the office may add, and is refused everywhere else."""
        before = model._default_manager.count()
        response = self.client.post(_url(model, "add"), {})
        may_add = self.user == self.own.office and _label(model) in OFFICE_ADDS
        if response.status_code != (200 if may_add else 403):
            self.cross(f"POST {_label(model)} add", f"answered {response.status_code}")
        if model._default_manager.count() != before:
            self.cross(f"POST {_label(model)} add", "created a row")

    def shared_rows(self, model) -> None:
        """Rows of no town (county departments and their officers, county accounts) are changed by a superuser."""
        for pk in sorted(self.world.shared.get(model, set()))[:3]:
            self.refused(f"POST {_label(model)} change of shared {pk}", self.client.post(_url(model, "change", pk), {}))
            self.refused(
                f"POST {_label(model)} delete of shared {pk}",
                self.client.post(_url(model, "delete", pk), {"post": "yes"}),
            )
            if not model._default_manager.filter(pk=pk).exists():
                self.cross(f"{_label(model)} delete", f"deleted the shared {pk}")

    def autocomplete(self, model, model_admin) -> None:
        sources = [(model, model_admin.autocomplete_fields)]
        sources += [(inline.model, inline.autocomplete_fields) for inline in model_admin.inlines]
        for source, names in sources:
            for name in names:
                target = source._meta.get_field(name).related_model
                response = self.client.get(
                    reverse("admin:autocomplete"),
                    {"app_label": source._meta.app_label, "model_name": source._meta.model_name, "field_name": name},
                )
                if response.status_code != 200:
                    continue
                ids = {int(result["id"]) for result in json.loads(response.content)["results"]}
                if ids & self.other_rows(target):
                    self.cross(f"autocomplete {_label(source)}.{name}", "offers the other town's rows")
                if target is type(self.world.superuser) and self.world.superuser.pk in ids:
                    self.cross(f"autocomplete {_label(source)}.{name}", "offers the superuser")

    def actions(self, model, model_admin, own_pk) -> None:
        response = self.client.get(_url(model, "changelist"))
        if response.status_code != 200 or not response.context.get("action_form"):
            return
        names = [name for name, _ in response.context["action_form"].fields["action"].choices if name]
        theirs = sorted(self.other_rows(model))[:1]
        for name in names:
            self.client.post(
                _url(model, "changelist"), {"action": name, "_selected_action": [own_pk, *theirs], "post": "yes"}
            )
            for pk in theirs:
                if not model._default_manager.filter(pk=pk).exists():
                    self.cross(f"{_label(model)} action {name}", f"deleted the other town's {pk}")


def _walk(world: World, own: TownWorld, other: TownWorld, user) -> list[str]:
    walk = Walk(world, own, other, user)
    acted = []
    for model, model_admin in REGISTRY:
        kind = _kind(model_admin)
        if kind == "town":
            assert own.rows.get(model) and other.rows.get(model), f"the world lacks rows of {_label(model)}"
        shown = walk.changelist(model, model_admin)
        if kind == "town" and user == own.office and not shown & own.rows[model]:
            walk.cross(f"{_label(model)} list", "the office does not even see its own town's rows")
        if kind == "superuser" and shown:
            walk.cross(f"{_label(model)} list", "a town user sees a superuser-only model")
        walk.form_page(f"{_label(model)} add", walk.client.get(_url(model, "add")))
        own_rows = own.rows.get(model) or world.shared.get(model) or set()
        own_pk = min(own_rows) if own_rows else None
        if own_pk is not None:
            walk.form_page(f"{_label(model)} change of own {own_pk}", walk.client.get(_url(model, "change", own_pk)))
            walk.page(f"{_label(model)} delete of own {own_pk}", walk.client.get(_url(model, "delete", own_pk)))
            acted.append((model, model_admin, own_pk))
        walk.adding(model)
        walk.foreign_rows(model)
        if kind == "town":
            walk.shared_rows(model)
        walk.autocomplete(model, model_admin)
    for model, model_admin, own_pk in acted:  # last: an action may delete the town's own rows
        walk.actions(model, model_admin, own_pk)
    return walk.crossings


@pytest.mark.parametrize("role", ["office", "supervisor"])
@pytest.mark.parametrize("towns", [("a", "b"), ("b", "a")], ids=["hualong", "xiangdu"])
def test_town_staff_never_cross_into_the_other_town_anywhere_in_the_admin(world, role, towns):
    own, other = (getattr(world, t) for t in towns)

    crossings = _walk(world, own, other, getattr(own, role))

    assert crossings == []


@pytest.mark.parametrize("role", ["cadre", "clerk", "villager"])
def test_town_users_without_staff_status_are_sent_to_the_admin_login(world, role):
    assert _answers_other_than_login(world, getattr(world.a, role), world.a) == {}


def test_county_officer_is_sent_to_the_admin_login(world):
    assert _answers_other_than_login(world, world.county_officer, world.a) == {}


def _answers_other_than_login(world, user, own) -> dict:
    """Every admin page that did not send `user` to the admin login, with what it answered instead."""
    client = _client(user)
    login = reverse("admin:login")
    answers = {}
    for model, _ in REGISTRY:
        pk = min(own.rows.get(model) or world.shared.get(model) or {0})
        for url in (_url(model, "changelist"), _url(model, "add"), _url(model, "change", pk)):
            response = client.get(url)
            if response.status_code != 302 or not response["Location"].startswith(login):
                answers[url] = response.status_code
    return answers


def test_superuser_sees_both_towns_in_every_list(world):
    client = _client(world.superuser)
    missing = []
    for model, model_admin in REGISTRY:
        response = client.get(_url(model, "changelist"))
        assert response.status_code == 200, _label(model)
        shown = set(response.context["cl"].queryset.values_list("pk", flat=True))
        if _kind(model_admin) == "town" and not (world.a.rows[model] <= shown and world.b.rows[model] <= shown):
            missing.append(_label(model))
    assert missing == []


def test_the_town_paths_match_what_each_town_created(world):
    """RELATED_TOWN_SCOPES (drop-downs and autocomplete) against the rows each town really has."""
    wrong = []
    for label, scope in RELATED_TOWN_SCOPES.items():
        model = apps.get_model(label)
        for own, other in ((world.a, world.b), (world.b, world.a)):
            found = set(model._default_manager.filter(scope([own.town.pk])).values_list("pk", flat=True))
            if found & other.rows[model] or not own.rows[model] <= found:
                wrong.append(f"{label} for {own.town}")
    assert wrong == []


# --- the holes reported in issue 8 ----------------------------------------------------------------------------------


def _password_post(client, user, password="Taken-0ver-2026"):
    return client.post(
        f"/admin/jinjie/user/{user.pk}/password/",
        {"password1": password, "password2": password, "usable_password": "true"},
    )


@pytest.mark.parametrize("target", ["superuser", "other_town_user", "own_staff_user", "other_office"])
def test_office_cannot_change_the_password_of_an_account_it_does_not_manage(world, target):
    user = {
        "superuser": world.superuser,
        "other_town_user": world.b.villager,
        "own_staff_user": world.a.supervisor,
        "other_office": world.b.office,
    }[target]
    client = _client(world.a.office)

    page = client.get(f"/admin/jinjie/user/{user.pk}/password/")
    post = _password_post(client, user)

    assert page.status_code in (403, 404)
    assert post.status_code in (403, 404)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_office_resets_the_password_of_its_own_towns_ordinary_account(world):
    client = _client(world.a.office)

    response = _password_post(client, world.a.cadre, "Ai-le-cun-2026")

    assert response.status_code == 302
    world.a.cadre.refresh_from_db()
    assert world.a.cadre.check_password("Ai-le-cun-2026")


def test_supervisor_cannot_change_any_password(world):
    response = _password_post(_client(world.a.supervisor), world.a.cadre)

    assert response.status_code == 403
    world.a.cadre.refresh_from_db()
    assert world.a.cadre.check_password(PASSWORD)
