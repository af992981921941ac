"""Issue 13 point 2: a town office never sees another town's cases, people or statistics — across two towns of one
county, on every page, API endpoint and admin list.

The URL conf and the admin registry are walked, not listed: a page added later is walked too (and a URL parameter
the walk does not know fails the test until it is taught what to put there). Each of town A's roles — office,
supervisor, village cadre, department clerk — opens every address with town B's identifiers filled in (its case
numbers, its rows' ids, its town code), and no response may carry what only town B's villagers and staff are:
applicants' names, ID numbers and phones, case numbers, staff names. What an anonymous visitor is shown on the same
address (the public hall board, guide) is public and not a crossing; but no anonymous page shows the private ones.
The county office (villages.CountyStaff) reads both towns' statistics and no town's cases.
"""

import datetime as dt
import re
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from cases import services
from cases.models import Case, CaseEvent, Matter
from departments import services as department_services
from departments.models import DepartmentMember, VisitRound
from jinjie.management.commands.seed_demo import group_permissions
from tests.factories import (
    ConsultationFactory,
    CountyDepartmentFactory,
    DepartmentFactory,
    DepartmentMemberFactory,
    DutyShiftFactory,
    HamletFactory,
    MarketDayFactory,
    TownFactory,
    TownStaffFactory,
    UserFactory,
    VillageCadreFactory,
    VillageFactory,
    complete,
    id_number,
    open_case,
    route_matter,
    stamp,
)
from tickets import services as ticket_services
from tickets.models import Ticket
from villages.models import Consultation, CountyStaff, DutyShift, TownStaff

ROLES = ("office", "supervisor", "cadre", "clerk")
REFUSED = (302, 400, 403, 404, 405)
PAPERS = ("receipt", "missing", "certificate", "referral")


@dataclass
class TownWorld:
    town: object
    village: object
    department: object
    users: dict  # role -> user
    cases: list
    private: list[str]  # what only this town's villagers and staff are
    ids: dict = field(default_factory=dict)  # what the URL parameters of this town's rows are


def _snapshot() -> dict:
    return {model: set(model._default_manager.values_list("pk", flat=True)) for model in apps.get_models()}


def _build(*, code, name, key, phone, serial, county_department, county_officer, groups) -> TownWorld:
    today = timezone.localdate()
    town = TownFactory(code=code, name=name, county="天等县")
    village = VillageFactory(town=town, code=f"{code}001", name=f"{name}{key}村", is_sample=False)
    hamlet = HamletFactory(village=village, name=f"{name}{key}屯")

    def account(role, n, **kwargs):
        return UserFactory(
            username=f"{key}_{role}", name=f"{key}{role}员", phone=f"{phone}{n:03d}", town=town, **kwargs
        )

    users = {
        "office": TownStaffFactory(
            town=town, role=TownStaff.Role.OFFICE, user=account("office", 1, is_staff=True)
        ).user,
        "supervisor": TownStaffFactory(
            town=town, role=TownStaff.Role.SUPERVISOR, user=account("supervisor", 2, is_staff=True)
        ).user,
        "cadre": VillageCadreFactory(village=village, user=account("cadre", 3)).user,
    }
    users["office"].groups.add(groups["office"])
    users["supervisor"].groups.add(groups["supervisor"])
    department = DepartmentFactory(town=town, name=f"{name}民政办")
    users["clerk"] = DepartmentMemberFactory(department=department, user=account("clerk", 4)).user
    cadre, clerk = users["cadre"], users["clerk"]
    for offset in (0, 3, 6):
        MarketDayFactory(town=town, date=today + dt.timedelta(days=offset))
    day = town.market_days.get(date=today)
    DutyShiftFactory(market_day=day, village=village, cadre=cadre)

    applicants = [(f"覃{name}{n}号", s) for n, s in (("一", "11"), ("二", "22"), ("三", "33"))]
    appointment = route_matter(
        town=town, departments=[department], county_mode=Matter.CountyMode.APPOINTMENT,
        county_department=county_department, name=f"{name}约办证明",
    )  # fmt: skip
    desk_only = route_matter(town=town, departments=[department], name=f"{name}证明")
    cases, private = [], []
    for n, (applicant, tail) in enumerate(applicants):
        id_no = id_number(birth="19580301", serial=f"{serial}{n}")
        matter = appointment if n == 0 else desk_only
        case = open_case(
            actor=cadre, matter=matter, village=village, hamlet=hamlet, name=applicant,
            phone=f"{phone}9{tail}", id_no=id_no, notes=f"{name}备注{n}",
        )  # fmt: skip
        cases.append(case)
        private += [applicant, id_no, f"{phone}9{tail}", case.number]
    stamp(cases[0], cadre)
    complete(cases[0], clerk)
    booked = services.appointment_book(
        actor=clerk, case_id=cases[0].pk, date=today + dt.timedelta(days=3), time=dt.time(9, 30), place="大厅"
    )
    services.case_reject(actor=cadre, case_id=cases[1].pk, reason="不属于本村村民")
    rating = services.rating_submit(case_id=cases[1].pk, level=1, reasons=["result"], channel="qr")
    ticket = ticket_services.ticket_issue(actor=cadre, village=village, cases=[cases[2]])
    visit = department_services.visit_round_plan(
        actor=county_officer, department_id=county_department.pk, town_id=town.pk,
        date=today + dt.timedelta(days=3), staff_ids=[county_officer.pk], note=f"{name}下乡",
    )  # fmt: skip
    ConsultationFactory(town=town, village=village, recorded_by=cadre, note=f"{name}咨询记录")
    private += [u.get_full_name() for u in users.values()]
    world = TownWorld(town, village, department, users, cases, private)
    world.ids = {
        "appointment": [booked.pk],
        "shift": list(day.shifts.values_list("pk", flat=True)),
        "ticket": [ticket.pk],
        "village": [village.pk],
        "department": [department.pk],
        "round": [visit.pk],
        "rectification": [rating.rectification.pk],
    }
    return world


@dataclass
class World:
    a: TownWorld
    b: TownWorld
    county_office: object
    county_officer: object


@pytest.fixture
def world(db) -> World:
    groups = {}
    for key, name, view_only in (("office", "镇办", False), ("supervisor", "纪检", True)):
        groups[key] = Group.objects.create(name=name)
        groups[key].permissions.set(group_permissions(view_only=view_only))
    county_department = CountyDepartmentFactory(name="县民政局", county="天等县")
    county_officer = DepartmentMemberFactory(
        department=county_department, role=DepartmentMember.Role.COUNTY_OFFICER, user__username="county_officer"
    ).user
    county_office = UserFactory(username="county_office", is_staff=True)
    CountyStaff.objects.create(user=county_office, county="天等县")
    common = {"county_department": county_department, "county_officer": county_officer, "groups": groups}
    a = _build(code="451425201", name="华隆镇", key="hualong", phone="13811110", serial="12", **common)
    b = _build(code="451425203", name="向都镇", key="xiangdu", phone="13922220", serial="34", **common)
    return World(a, b, county_office, county_officer)


# --- the walk ------------------------------------------------------------------------------------------------------

PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def _routes(patterns=None, prefix=""):
    """(route, URL name) of every page outside the admin, read from the URL conf."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.name or ""


def _values(route: str, name: str, other: TownWorld) -> list[str]:
    """What to put in a parameter so that the address names the other town's rows."""
    if name == "number":
        return [case.number for case in other.cases]
    if name == "town_code":
        return [other.town.code]
    if name == "code":
        return list(Matter.objects.filter(town=other.town).values_list("code", flat=True)[:1])
    if name == "token":
        return ["not-a-token"]  # the token is the villager's key; whoever holds it may read the case
    if name == "paper":
        return list(PAPERS)
    if name == "action":
        return ["confirm", "done", "complete", "call"]
    if name == "kind":
        return ["village", "department"]
    if name == "pk":
        for fragment, key in (
            ("appointments/", "appointment"),
            ("roster/shift/", "shift"),
            ("tickets/desk/", None),
            ("tickets/", "ticket"),
            ("county/rounds/", "round"),
        ):
            if fragment in route:
                keys = ["village", "department"] if key is None else [key]
                return [str(pk) for k in keys for pk in other.ids[k]]
    raise AssertionError(f"the isolation walk does not know what to put in <{name}> of {route}: teach _values")


def _addresses(other: TownWorld) -> list[str]:
    found = []
    for route, _name in _routes():
        addresses = [route]
        for match in PARAMETER.finditer(route):
            values = _values(route, match.group("name"), other)
            addresses = [a.replace(match.group(0), v, 1) for a in addresses for v in values]
        for address in addresses:
            found.append("/" + address)
            # Every list page asked for the other town by name, as the statistics and roster take it.
            found.append(f"/{address}?town={other.town.code}&month={timezone.localdate():%Y-%m}")
    return sorted(set(found))


def _admin_addresses(other: TownWorld) -> list[str]:
    query = f"?town={other.town.code}"
    found = [reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist") for m in admin.site._registry]
    for entry in admin.site.get_urls():
        if isinstance(entry, URLPattern) and entry.name and not PARAMETER.search(str(entry.pattern)):
            found.append(reverse(f"admin:{entry.name}") + query)
    found.append(reverse("admin:stats_list") + query + "&figure=received")
    return sorted(set(found))


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    try:
        return content.decode()
    except UnicodeDecodeError:
        return ""  # a spreadsheet: its strings are zipped, and refused ones answer with a page anyway


def _crossings(user, addresses: list[str], other: TownWorld, *, public: dict) -> list[str]:
    client, crossings = _client(user), []
    for address in addresses:
        response = client.get(address)
        if response.status_code != 200:
            continue
        content = _text(response)
        for marker in other.private:
            if marker in content and marker not in public.get(address, ""):
                crossings.append(f"{user.username} GET {address}: shows {marker!r} of {other.town}")
    return crossings


def _public(addresses: list[str]) -> dict:
    client, pages = _client(None), {}
    for address in addresses:
        response = client.get(address)
        pages[address] = _text(response) if response.status_code == 200 else ""
    return pages


def _state(other: TownWorld) -> tuple:
    cases = Case.objects.filter(town=other.town)
    return (
        sorted(cases.values_list("pk", "version", "state")),
        CaseEvent.objects.filter(case__town=other.town).count(),
        sorted(VisitRound.objects.filter(town=other.town).values_list("pk", "version", "state")),
        sorted(DutyShift.objects.filter(market_day__town=other.town).values_list("pk", "cadre", "signed_in_at")),
        Consultation.objects.filter(town=other.town).count(),
        Ticket.objects.filter(town=other.town).count(),
    )


@pytest.mark.parametrize("role", ROLES)
def test_a_town_user_sees_nothing_of_the_other_town_on_any_page_or_api(world, role):
    addresses = _addresses(world.b)
    public = _public(addresses)

    crossings = _crossings(world.a.users[role], addresses, world.b, public=public)

    assert crossings == []


@pytest.mark.parametrize("role", ("office", "supervisor"))
def test_a_town_office_sees_nothing_of_the_other_town_in_any_admin_list_or_page(world, role):
    assert _crossings(world.a.users[role], _admin_addresses(world.b), world.b, public={}) == []


def test_the_walk_reaches_every_page_and_admin_list(world):
    """The walk must not quietly shrink: every route and every registered model is in it."""
    addresses = _addresses(world.b)
    assert len({route for route, _ in _routes()}) > 50
    assert any(a.startswith("/county/rounds/") for a in addresses)
    assert any(f"/cases/{world.b.cases[0].number}/print/" in a for a in addresses)
    assert len(_admin_addresses(world.b)) > len(admin.site._registry)


@pytest.mark.parametrize("role", ROLES)
def test_the_same_walk_over_the_users_own_town_does_show_its_rows(world, role):
    """The walk can fail: over the user's own town the same addresses show that town's cases and people."""
    own, client, seen = world.a, _client(world.a.users[role]), set()
    for address in _addresses(own):
        response = client.get(address)
        if response.status_code == 200:
            content = _text(response)
            seen |= {marker for marker in own.private if marker in content}

    assert {case.number for case in own.cases} & seen
    assert {case.applicant_name for case in own.cases} & seen


def test_no_anonymous_page_shows_a_villagers_name_id_number_or_phone(world):
    for town in (world.a, world.b):
        pages = _public(_addresses(town))
        private = [
            m for case in town.cases for m in (case.applicant_name, case.applicant_id_number, case.applicant_phone)
        ]
        shown = [(address, m) for address, content in pages.items() for m in private if m in content]
        assert shown == []


@pytest.mark.parametrize("role", ROLES)
def test_the_other_towns_case_addresses_are_refused(world, role):
    client = _client(world.a.users[role])
    answers = {}
    for address in _addresses(world.b):
        if not address.startswith("/cases/") or "?" in address:
            continue
        response = client.get(address)
        if response.status_code not in (403, 404, 405):
            answers[address] = response.status_code

    assert answers == {}


@pytest.mark.parametrize("role", ROLES)
def test_posting_to_the_other_towns_addresses_changes_nothing_there(world, role):
    client = _client(world.a.users[role])
    before = _state(world.b)
    answers = {}
    for address in _addresses(world.b):
        if "?" in address or not any(str(x) in address for x in _identifiers(world.b)):
            continue
        response = client.post(address, {"version": 1, "outcome": "越权", "reason": "越权", "expected_version": 1})
        if response.status_code not in REFUSED:
            answers[address] = response.status_code

    assert answers == {}
    assert _state(world.b) == before


def _body_naming(other: TownWorld) -> dict:
    """A form body whose every usual field names one of the other town's rows."""
    shift = DutyShift.objects.filter(pk__in=other.ids["shift"]).first()
    return {
        "village": other.village.pk,
        "department": other.department.pk,
        "town": other.town.pk,
        "case": other.cases[2].pk,
        "cases": [c.pk for c in other.cases],
        "case_numbers": ",".join(c.number for c in other.cases),
        "matter": other.cases[2].matter.code,
        "shift": shift.pk,
        f"s_{shift.market_day_id}_{other.village.pk}": other.users["cadre"].pk,
        f"o_{shift.market_day_id}_{other.village.pk}": other.users["cadre"].pk,
        "seal_carried": "on",
        "topic": "other",
        "people": 1,
        "name": "越权",
        "date": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
        "staff": [other.users["clerk"].pk],
    }


@pytest.mark.parametrize("role", ROLES)
def test_forms_posted_with_the_other_towns_rows_change_nothing_there(world, role):
    client = _client(world.a.users[role])
    body = _body_naming(world.b)
    before = _state(world.b)
    crossings = []
    for route, name in _routes():
        if PARAMETER.search(route) or name == "logout":  # logging out would walk the rest as nobody
            continue
        response = client.post(f"/{route}", body, follow=True)
        assert response.wsgi_request.user == world.a.users[role], f"POST /{route} logged the user out"
        content = _text(response)
        crossings += [f"POST /{route}: shows {m!r}" for m in world.b.private if m in content and m not in str(body)]

    assert crossings == []
    assert _state(world.b) == before


def _identifiers(other: TownWorld) -> list[str]:
    return [case.number for case in other.cases] + [
        f"/{pk}/"
        for key in ("appointment", "shift", "ticket", "round", "village", "department")
        for pk in other.ids[key]
    ]


STATISTICS = ("stats", "stats_xlsx", "stats_csv", "stats_list", "stats_print", "stats_county", "stats_county_xlsx")


@pytest.mark.parametrize("role", ROLES)
def test_no_town_user_gets_statistics_of_the_other_town(world, client_for, role):
    client = client_for(world.a.users[role])
    query = {"town": world.b.town.code, "month": f"{timezone.localdate():%Y-%m}", "figure": "received"}
    answers = {}
    for name in STATISTICS:
        response = client.get(reverse(f"admin:{name}"), {**query, "county": world.b.town.county})
        if response.status_code not in (302, 403, 404):
            answers[name] = response.status_code
    api = client.get(reverse("api_stats_monthly"), query)

    assert answers == {}
    assert api.status_code in (302, 403, 404)


def test_a_town_office_reads_its_own_statistics(world, client_for):
    response = client_for(world.a.users["office"]).get(reverse("admin:stats"), {"town": world.a.town.code})

    assert response.status_code == 200 and response.context["town"] == world.a.town


def test_the_county_office_reads_every_towns_statistics_and_no_case(world, client_for):
    client = client_for(world.county_office)
    month = f"{timezone.localdate():%Y-%m}"

    for town in (world.a, world.b):
        page = client.get(reverse("admin:stats"), {"town": town.town.code, "month": month})
        assert page.status_code == 200
        assert page.context["town"] == town.town
        for case in town.cases:
            assert client.get(case.get_absolute_url()).status_code in (403, 404)
        # The drill-down lists are the statistics' (issue 13 point 3): case numbers and masked names, never more.
        listing = client.get(
            reverse("admin:stats_list"), {"town": town.town.code, "month": month, "figure": "received"}
        )
        assert listing.status_code == 200
        content = _text(page) + _text(listing)
        private = [
            m for case in town.cases for m in (case.applicant_name, case.applicant_id_number, case.applicant_phone)
        ]
        assert [m for m in private if m in content] == []
    assert client.get(reverse("departments:county")).status_code == 403


def test_the_county_office_sees_no_town_rows_in_the_admin(world, client_for):
    client = client_for(world.county_office)
    shown = {}
    for model in admin.site._registry:
        response = client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
        if response.status_code == 200 and response.context["cl"].queryset.exists():
            shown[model._meta.label] = response.context["cl"].queryset.count()

    assert shown == {}
