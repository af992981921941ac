"""`manage.py seed_demo [--if-empty]`: the Jinjie demo town (进结镇, 天等县).

Idempotent: every row is looked up by its natural key (town code, village code, department name, matter code,
username…) and updated in place, so running it twice leaves the same rows. Everything runs in one transaction.

What is real and what is not:
- 进结镇 (code 451425102), 天等县, and the villages 爱乐村 (谷岭屯), 印勇村 (那显屯), 高州村 come from the
  news report. Everything else named here — the other ten villages, most hamlets, distances, village codes,
  phone numbers and every person — is sample data: sample villages have `is_sample=True` and every sample place
  name ends in "（示例）"; all people are fictional.
- The catalogue follows /work/shared/catalogue-reference.md: typical Guangxi township practice, time limits meant
  to be edited by the town office, not legal text.

Route steps and materials of a matter are rewritten only when they differ from the data below (delete and
recreate the matter's rows). That is safe: a case copies its route at intake, so catalogue edits never reach a
case in flight.
"""

import datetime as dt
import unicodedata
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.utils import timezone

from cases.models import Case, Holiday, Material, Matter, RouteStep
from departments.models import Department, DepartmentMember
from jinjie.demo_cases import seed_cases
from jinjie.demo_catalogue import CATALOGUE, MatterSpec
from jinjie.demo_county import MAX_TOWNS, seed_county
from stats import tally
from villages.models import (
    CountyStaff,
    DutyShift,
    Hamlet,
    MarketDay,
    MarketSchedule,
    Town,
    TownStaff,
    Village,
    VillageCadre,
)
from villages.selectors import coming_market_days
from villages.services import market_days_generate, roster_fill_rotation

DEMO_PASSWORD = "jinjie2026"

TOWN_CODE = "451425102"
TOWN_NAME = "进结镇"
COUNTY = "天等县"
SAMPLE = "（示例）"

GROUP_OFFICE = "镇办"
GROUP_SUPERVISOR = "纪检（只读）"
# The town's own data lives in these apps; later models (market days, cases…) are picked up automatically.
DOMAIN_APPS = ("villages", "departments", "cases", "stats")


def upsert(model: type[models.Model], lookup: dict, values: dict) -> tuple[models.Model, bool]:
    """Find the row by its natural key, set the values, validate (loudly) and save only when something changed.

    Returns the object and whether it was created or changed.
    """
    obj = model.objects.filter(**lookup).first()
    created = obj is None
    if created:
        obj = model(**lookup)
    changed = created
    for name, value in values.items():
        # Compare foreign keys by id so an unchanged row costs no extra query (and a new one no missing-relation error).
        field = model._meta.get_field(name)
        current = getattr(obj, field.attname)
        wanted = value.pk if isinstance(value, models.Model) else value
        if created or current != wanted:
            setattr(obj, name, value)
            changed = True
    if changed:
        obj.full_clean()
        obj.save()
    return obj, changed


# --------------------------------------------------------------------------------------------------- town


def seed_town() -> Town:
    town, _ = upsert(
        Town,
        {"code": TOWN_CODE},
        {
            "name": TOWN_NAME,
            "county": COUNTY,
            "address": "广西壮族自治区崇左市天等县进结镇人民政府政务服务大厅",
            "phone": "0771-3560000（示例号码）",
            "government_name": "天等县进结镇人民政府",
            "doc_prefix": "进结",
            "review_body": "天等县人民政府",
            "court_name": "天等县人民法院",
            "complaint_phone": "0771-3560012（示例号码）",
            "office_hours": "周一至周五 8:00—12:00、15:00—18:00（法定节假日除外）；圩日村干部在本村台牌值班 9:00—16:00",
            "intro": (
                "进结镇位于天等县，辖 13 个行政村，服务群众 4 万多人；屯距村委最远 20 公里，"
                "村距镇最远 23 公里。自 2015 年起，镇政务服务大厅设立“村事镇办”工作站：每逢圩日，"
                "各村派一名村干部带村委公章到本村台牌值班（“947”：9 点前签到、16 点后签退、在岗 7 小时），"
                "与 8 个镇直部门和供电所同厅办公。群众的事由村干部核实盖章后，在各部门窗口之间流水线办理；"
                "需要县直部门办理的，由镇村干部预约县里工作人员到大厅办理，或持审批表转县办理。\n"
                "圩日集中办、民事立即办、村镇联办、县级约办。"
            ),
        },
    )
    return town


# ----------------------------------------------------------------------------------------------- villages

# (desk order, name, real name?, distance to town km, "hamlet km / hamlet km …" with distance to the village committee)
# Real names: 爱乐村 with 谷岭屯, 印勇村 with 那显屯, 高州村. Every other place name gets "（示例）" appended.
VILLAGES: list[tuple[int, str, bool, str, str]] = [
    (1, "爱乐村", True, "12.5", "谷岭屯 6.0 / 弄乐屯 3.5 / 那布屯 9.0"),
    (2, "印勇村", True, "16.0", "那显屯 8.5 / 陇英屯 4.0 / 弄勇屯 12.0"),
    (3, "高州村", True, "7.5", "高州屯 1.0 / 岜考屯 5.5"),
    (4, "那岭村", False, "3.0", "那岭屯 0.5 / 弄怀屯 4.5"),
    (5, "弄瓦村", False, "9.0", "弄瓦屯 1.5 / 陇兰屯 7.0 / 板亮屯 11.0"),
    (6, "岜山村", False, "23.0", "岜山屯 2.0 / 弄桥屯 14.0 / 陇楼屯 20.0 / 那坡屯 17.5"),
    (7, "板兰村", False, "5.5", "板兰屯 0.8 / 那怀屯 3.2"),
    (8, "陇新村", False, "18.0", "陇新屯 1.2 / 弄平屯 10.5 / 百合屯 15.0"),
    (9, "那福村", False, "11.0", "那福屯 0.6 / 弄团屯 6.5"),
    (10, "弄岗村", False, "20.5", "弄岗屯 1.0 / 陇槐屯 12.5 / 巴旺屯 18.0"),
    (11, "岜那村", False, "14.0", "岜那屯 2.5 / 那练屯 8.0"),
    (12, "板旺村", False, "8.5", "板旺屯 1.0 / 陇利屯 5.0 / 弄林屯 9.5"),
    (13, "那桐村", False, "21.0", "那桐屯 1.5 / 弄堂屯 16.0"),
]
REAL_HAMLETS = {"谷岭屯", "那显屯"}


def village_code(desk_order: int) -> str:
    # Sample 12-digit codes in the town's range; not the official statistical codes.
    return f"{TOWN_CODE}{199 + desk_order}"


def seed_villages(town: Town) -> dict[int, Village]:
    """Villages keyed by desk order."""
    villages = {}
    for desk_order, name, is_real, distance, hamlets in VILLAGES:
        village, _ = upsert(
            Village,
            {"code": village_code(desk_order)},
            {
                "town": town,
                "name": name if is_real else name + SAMPLE,
                "desk_order": desk_order,
                "distance_km": Decimal(distance),
                "is_sample": not is_real,
                "phone": f"0771-35612{desk_order:02d}（示例）",
            },
        )
        for item in hamlets.split(" / "):
            hamlet_name, hamlet_distance = item.split()
            if hamlet_name not in REAL_HAMLETS:
                hamlet_name += SAMPLE
            upsert(Hamlet, {"village": village, "name": hamlet_name}, {"distance_km": Decimal(hamlet_distance)})
        villages[desk_order] = village
    return villages


# -------------------------------------------------------------------------------------------- departments

# (name, level, desk order, duties); town desks are numbered windows in the hall.
TOWN_DEPARTMENTS: list[tuple[str, str, int, str]] = [
    ("党政办", Department.Level.TOWN, 1, "审批登记、用印，村务事项证明"),
    ("社保中心", Department.Level.TOWN, 2, "城乡居民养老保险、医疗保险参保登记与待遇"),
    ("民政办", Department.Level.TOWN, 3, "低保、特困、临时救助、医疗救助、高龄津贴"),
    ("残联", Department.Level.TOWN, 4, "残疾人证、残疾人两项补贴"),
    ("农业服务中心", Department.Level.TOWN, 5, "土地承包、宅基地、耕地地力保护补贴"),
    ("林业站", Department.Level.TOWN, 6, "林木采伐、林权"),
    ("自然资源所", Department.Level.TOWN, 7, "村庄规划、乡村建设规划许可、危房鉴定"),
    ("司法所", Department.Level.TOWN, 8, "人民调解、法律援助、法律咨询"),
    ("供电所", Department.Level.UTILITY, 9, "居民新装用电、用电变更、电费咨询"),
]

COUNTY_DEPARTMENTS: list[tuple[str, str]] = [
    ("县民政局", "社会救助审批、高龄津贴"),
    ("县人社局", "城乡居民养老保险待遇核定"),
    ("县医保局", "城乡居民医保报销"),
    ("县残联", "残疾评定、残疾人证核发、两项补贴审核"),
    ("县林业局", "林木采伐许可证核发"),
    ("县自然资源局", "用地与规划审批"),
    ("县农业农村局", "农业补贴、宅基地管理"),
    ("县住建局", "农村危房改造审批"),
    ("县司法局（法律援助中心）", "法律援助审查与指派"),
]


def seed_departments(town: Town) -> dict[str, Department]:
    """Town desks, the utility desk and the county departments, keyed by name."""
    departments = {}
    for name, level, desk_order, duties in TOWN_DEPARTMENTS:
        departments[name], _ = upsert(
            Department,
            {"town": town, "name": name},
            {
                "level": level,
                "county": COUNTY,
                "desk_label": f"{desk_order}号窗口 {name}",
                "desk_order": desk_order,
                "duties": duties,
                "phone": f"0771-35600{desk_order:02d}（示例）",
                # The utility signs as the power company's station (天等县进结供电所), not as a town department.
                "full_name": f"{COUNTY}{TOWN_NAME.removesuffix('镇')}{name}"
                if level == Department.Level.UTILITY
                else "",
            },
        )
    for desk_order, (name, duties) in enumerate(COUNTY_DEPARTMENTS, start=1):
        departments[name], _ = upsert(
            Department,
            {"level": Department.Level.COUNTY, "county": COUNTY, "name": name},
            {
                "town": None,
                "desk_label": "",
                "desk_order": desk_order,
                "duties": duties,
                "phone": f"0771-35500{desk_order:02d}（示例）",
                "full_name": COUNTY + name.removeprefix("县"),
            },
        )
    return departments


# ---------------------------------------------------------------------------------------------- catalogue


def _contact(spec: MatterSpec, departments: dict[str, Department]) -> str:
    """咨询电话 in the guide: the first desk of the route, by its full name, and its phone."""
    if not spec.route:
        return "本村村民委员会（圩日在镇政务服务大厅本村台牌值班）"
    desk = departments[spec.route[0][0]]
    return f"{desk.issuer}，电话 {desk.phone}"


def _sync_route(matter: Matter, spec: MatterSpec, departments: dict[str, Department]) -> bool:
    wanted = [(order, departments[dept].pk, action, days) for order, (dept, action, days) in enumerate(spec.route, 1)]
    current = list(matter.route.order_by("order").values_list("order", "department_id", "action", "time_limit_days"))
    if current == wanted:
        return False
    matter.route.all().delete()
    for order, department_id, action, days in wanted:
        step = RouteStep(matter=matter, order=order, department_id=department_id, action=action, time_limit_days=days)
        step.full_clean()
        step.save()
    return True


def _sync_materials(matter: Matter, spec: MatterSpec) -> bool:
    wanted = [(order, m.name, m.form, m.copies, m.is_required, m.note) for order, m in enumerate(spec.materials, 1)]
    current = list(
        matter.materials.order_by("order", "id").values_list("order", "name", "form", "copies", "is_required", "note")
    )
    if current == wanted:
        return False
    matter.materials.all().delete()
    for order, name, form, copies, is_required, note in wanted:
        material = Material(
            matter=matter, order=order, name=name, form=form, copies=copies, is_required=is_required, note=note
        )
        material.full_clean()
        material.save()
    return True


def seed_catalogue(town: Town, departments: dict[str, Department]) -> int:
    """The service guide. Returns how many matters were created or changed (matter, route or materials)."""
    changed = 0
    for display_order, spec in enumerate(CATALOGUE, start=1):
        matter, matter_changed = upsert(
            Matter,
            {"town": town, "code": spec.code},
            {
                **spec.guide_fields(departments),
                "fee": "免费",
                "contact": _contact(spec, departments),
                "display_order": display_order,
                "is_active": True,
            },
        )
        route_changed = _sync_route(matter, spec, departments)
        materials_changed = _sync_materials(matter, spec)
        changed += matter_changed or route_changed or materials_changed
    return changed


# ------------------------------------------------------------------------------------------------- groups


def group_permissions(*, view_only: bool) -> list[Permission]:
    """镇办 may change the town's data and users and unlock its accounts; 纪检 may only read them and the login logs.

    Which rows is the admin's business (villages/admin_scope.py): these rights apply to the user's own town only.
    """
    domain = Permission.objects.filter(content_type__app_label__in=DOMAIN_APPS)
    user_model = get_user_model()
    user_perms = Permission.objects.filter(
        content_type__app_label=user_model._meta.app_label,
        content_type__model=user_model._meta.model_name,
    )
    login_logs = Permission.objects.filter(content_type__app_label="axes", codename__startswith="view_")
    if view_only:
        return (
            list(domain.filter(codename__startswith="view_"))
            + list(user_perms.filter(codename__startswith="view_"))
            + list(login_logs)
        )
    unlock = Permission.objects.filter(content_type__app_label="axes", codename="delete_accessattempt")
    return (
        list(domain) + list(user_perms.filter(codename__regex=r"^(view|change|add)_")) + list(login_logs) + list(unlock)
    )


def seed_groups() -> dict[str, Group]:
    """镇办 may change the town's data and users; 纪检 may only read it."""
    office, _ = Group.objects.get_or_create(name=GROUP_OFFICE)
    office.permissions.set(group_permissions(view_only=False))
    supervisor, _ = Group.objects.get_or_create(name=GROUP_SUPERVISOR)
    supervisor.permissions.set(group_permissions(view_only=True))
    return {GROUP_OFFICE: office, GROUP_SUPERVISOR: supervisor}


# -------------------------------------------------------------------------------------------------- users

# All people are fictional. (username, name, village desk order, cadre title)
CADRES: list[tuple[str, str, int, str]] = [
    ("cadre_aile", "黄秀梅", 1, VillageCadre.Title.DIRECTOR),
    ("cadre_aile2", "农志强", 1, VillageCadre.Title.MEMBER),
    ("cadre_yinyong", "韦建平", 2, VillageCadre.Title.SECRETARY),
    ("cadre_gaozhou", "覃丽华", 3, VillageCadre.Title.DIRECTOR),
    ("cadre_v04", "陆春燕", 4, VillageCadre.Title.DIRECTOR),
    ("cadre_v05", "蓝海军", 5, VillageCadre.Title.SECRETARY),
    ("cadre_v06", "梁桂芳", 6, VillageCadre.Title.MEMBER),
    ("cadre_v07", "李德明", 7, VillageCadre.Title.DIRECTOR),
    ("cadre_v08", "莫小红", 8, VillageCadre.Title.CLERK),
    ("cadre_v09", "马文杰", 9, VillageCadre.Title.SECRETARY),
    ("cadre_v10", "邓玉兰", 10, VillageCadre.Title.DIRECTOR),
    ("cadre_v11", "卢永福", 11, VillageCadre.Title.MEMBER),
    ("cadre_v12", "周美玲", 12, VillageCadre.Title.DIRECTOR),
    ("cadre_v13", "黄建新", 13, VillageCadre.Title.SECRETARY),
]

# (username, name, department) — clerks of town/utility desks, then county officers.
CLERKS: list[tuple[str, str, str]] = [
    ("clerk_dangzheng", "韦明辉", "党政办"),
    ("clerk_minzheng", "黄丽娟", "民政办"),
    ("clerk_shebao", "农海燕", "社保中心"),
    ("clerk_canlian", "陆建华", "残联"),
    ("clerk_linye", "覃振国", "林业站"),
    ("clerk_nongye", "梁春生", "农业服务中心"),
    ("clerk_sifa", "蓝雪梅", "司法所"),
    ("clerk_ziran", "李国栋", "自然资源所"),
    ("clerk_gongdian", "莫志勇", "供电所"),
]
COUNTY_OFFICERS: list[tuple[str, str, str]] = [
    ("county_minzheng", "邓慧敏", "县民政局"),
    ("county_canlian", "马立新", "县残联"),
    ("county_linye", "周振华", "县林业局"),
    ("county_renshe", "何晓燕", "县人社局"),
]

TITLE_LABELS = {
    VillageCadre.Title.SECRETARY: "支书",
    VillageCadre.Title.DIRECTOR: "主任",
    VillageCadre.Title.MEMBER: "委员",
    VillageCadre.Title.CLERK: "文书",
}


class UserSeeder:
    """Creates the demo users with one shared, known password and records a line per login for the table."""

    def __init__(self, *, phones_from: int = 1) -> None:
        self.phones_from = phones_from  # sample phone numbers 1380000NNNN from here (the county's towns: later)
        self.model = get_user_model()
        # One hash per run (hashing is deliberately slow); every demo login gets the same known password.
        self.password_hash = make_password(DEMO_PASSWORD)
        self.rows: list[tuple[str, str, str, str]] = []

    def user(self, username: str, name: str, role: str, where: str, town: Town | None = None, **flags: bool):
        phone = f"1380000{len(self.rows) + self.phones_from:04d}"  # sample numbers
        user, _ = upsert(
            self.model,
            {"username": username},
            {
                "name": name,
                "phone": phone,
                "town": town,  # the office that manages the account; none for county officers and the admin
                "is_active": True,
                "is_staff": flags.get("is_staff", False),
                "is_superuser": flags.get("is_superuser", False),
                # Reset on every run so the printed password is always the right one.
                "password": self.password_hash,
            },
        )
        self.rows.append((username, name, role, where))
        return user


def seed_users(
    town: Town,
    villages: dict[int, Village],
    departments: dict[str, Department],
    groups: dict[str, Group],
) -> list[tuple[str, str, str, str]]:
    """Demo logins of every role. Returns (username, name, role, where) rows for the printed table."""
    seeder = UserSeeder()
    seeder.user("admin", "系统管理员", "超级管理员", "全部", is_staff=True, is_superuser=True)

    office = seeder.user("office", "陈静", "镇办", TOWN_NAME, town, is_staff=True)
    office.groups.add(groups[GROUP_OFFICE])
    upsert(TownStaff, {"user": office, "town": town}, {"role": TownStaff.Role.OFFICE, "is_active": True})

    supervisor = seeder.user("supervisor", "杨正清", "纪检（只读）", TOWN_NAME, town, is_staff=True)
    supervisor.groups.add(groups[GROUP_SUPERVISOR])
    upsert(TownStaff, {"user": supervisor, "town": town}, {"role": TownStaff.Role.SUPERVISOR, "is_active": True})

    # The county office reads every town's statistics of the county, side by side (stats.county); nothing else.
    county_office = seeder.user("county_office", "梁志坚", "县政务服务中心（只看统计）", town.county, is_staff=True)
    upsert(CountyStaff, {"user": county_office, "county": town.county}, {"is_active": True})

    for username, name, desk_order, title in CADRES:
        village = villages[desk_order]
        cadre = seeder.user(username, name, f"村干部（{TITLE_LABELS[title]}）", village.name, village.town)
        upsert(VillageCadre, {"user": cadre, "village": village}, {"title": title, "is_active": True})

    for username, name, department_name in CLERKS:
        department = departments[department_name]
        clerk = seeder.user(username, name, "部门经办人", department.desk_label or department.name, department.town)
        upsert(
            DepartmentMember,
            {"user": clerk, "department": department},
            {"role": DepartmentMember.Role.CLERK, "is_active": True},
        )

    for username, name, department_name in COUNTY_OFFICERS:
        officer = seeder.user(username, name, "县直部门", department_name)
        upsert(
            DepartmentMember,
            {"user": officer, "department": departments[department_name]},
            {"role": DepartmentMember.Role.COUNTY_OFFICER, "is_active": True},
        )
    return seeder.rows


# ---------------------------------------------------------------------------------------------- printing


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(_width(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = ["  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in (header, *rows)]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- command


# Sample calendar: check it against the State Council's notice each year before relying on it (调休 included).
HOLIDAYS_2026 = [
    *[(dt.date(2026, 1, d), "holiday", "元旦") for d in (1, 2, 3)],
    (dt.date(2026, 1, 4), "workday", "元旦调休上班"),
    *[(dt.date(2026, 2, d), "holiday", "春节") for d in range(15, 24)],
    (dt.date(2026, 2, 14), "workday", "春节调休上班"),
    (dt.date(2026, 2, 28), "workday", "春节调休上班"),
    *[(dt.date(2026, 4, d), "holiday", "清明节") for d in (4, 5, 6)],
    *[(dt.date(2026, 5, d), "holiday", "劳动节") for d in range(1, 6)],
    (dt.date(2026, 5, 9), "workday", "劳动节调休上班"),
    *[(dt.date(2026, 6, d), "holiday", "端午节") for d in (19, 20, 21)],
    *[(dt.date(2026, 9, d), "holiday", "中秋节") for d in (25, 26, 27)],
    (dt.date(2026, 9, 20), "workday", "国庆调休上班"),
    *[(dt.date(2026, 10, d), "holiday", "国庆节") for d in range(1, 8)],
    (dt.date(2026, 10, 10), "workday", "国庆调休上班"),
]


def seed_calendar(town: Town) -> int:
    """A 3-day market cycle (sample anchor), the market days around today, the holiday calendar, the roster."""
    upsert(
        MarketSchedule,
        {"town": town, "kind": MarketSchedule.Kind.CYCLE},
        {"cycle_days": 3, "anchor_date": dt.date(2026, 1, 3), "valid_from": dt.date(2026, 1, 1), "digits": ""},
    )
    for day, kind, name in HOLIDAYS_2026:
        upsert(Holiday, {"date": day, "town": None}, {"kind": kind, "name": name})
    today = timezone.localdate()
    market_days_generate(town=town, start=today - dt.timedelta(days=60), until=today + dt.timedelta(days=120))
    office = get_user_model().objects.get(username="office")
    coming = coming_market_days(town=town, limit=10, today=today)
    return roster_fill_rotation(actor=office, town=town, market_days=coming)


class Command(BaseCommand):
    help = "Load the Jinjie demo town (进结镇): villages, departments, catalogue, groups and demo users. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when a town already exists (used by `make run`).",
        )
        parser.add_argument(
            "--county",
            action="store_true",
            help="Also load two sample towns of the county (龙茗镇, 华隆镇) and the county template catalogue.",
        )
        parser.add_argument(
            "--towns",
            type=int,
            default=3,
            help="With --county: how many towns the county has with Jinjie, up to Tiandeng's 13 (sample towns "
            "after 龙茗镇 and 华隆镇: 天等镇, 向都镇 …, made up like them); the county bench uses 13.",
        )

    def handle(self, *args, **options):
        if not 1 <= options["towns"] <= MAX_TOWNS:
            raise CommandError(f"--towns: a county of 1 to {MAX_TOWNS} towns.")
        if options["if_empty"] and Town.objects.exists():
            self.stdout.write("seed_demo: a town already exists; nothing loaded (--if-empty).")
            return

        with transaction.atomic():
            town = seed_town()
            villages = seed_villages(town)
            departments = seed_departments(town)
            matters_changed = seed_catalogue(town, departments)
            groups = seed_groups()
            logins = seed_users(town, villages, departments, groups)
            filled = seed_calendar(town)
            demo_cases = seed_cases(town)
            county_lines = []
            if options["county"]:
                seeder = UserSeeder(phones_from=101)
                county_lines = seed_county(
                    county=COUNTY,
                    county_departments={n: d for n, d in departments.items() if d.level == Department.Level.COUNTY},
                    seeder=seeder,
                    groups=groups,
                    group_office=GROUP_OFFICE,
                    upsert=upsert,
                    towns=options["towns"],
                )
                logins += seeder.rows
        for each in Town.objects.filter(county=COUNTY) if options["county"] else [town]:
            tally.store(each)  # the demo's finished months, as the nightly stats_store would

        self.stdout.write(self.style.SUCCESS(f"seed_demo: {town.county}{town.name}（{town.code}）已载入示例数据。"))
        self.stdout.write(f"Matters created or changed this run: {matters_changed}")
        self.stdout.write(f"Roster desks filled this run: {filled}; demo cases created this run: {demo_cases}")
        for line in county_lines:
            self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(f"演示账号（姓名均为虚构）— 统一密码 / password for all: {DEMO_PASSWORD}")
        self.stdout.write(
            format_table(
                ("登录名 login", "姓名 name", "角色 role", "所在 where", "密码 password"),
                [(*row, DEMO_PASSWORD) for row in logins],
            )
        )
        self.stdout.write("")
        counts = [
            ("towns", Town.objects.count()),
            ("villages", Village.objects.count()),
            ("hamlets", Hamlet.objects.count()),
            ("departments", Department.objects.count()),
            ("matters", Matter.objects.count()),
            ("route steps", RouteStep.objects.count()),
            ("materials", Material.objects.count()),
            ("groups", Group.objects.count()),
            ("users", get_user_model().objects.count()),
            ("village cadres", VillageCadre.objects.count()),
            ("department members", DepartmentMember.objects.count()),
            ("town staff", TownStaff.objects.count()),
            ("market days", MarketDay.objects.count()),
            ("duty shifts", DutyShift.objects.count()),
            ("cases", Case.objects.count()),
        ]
        self.stdout.write("Counts: " + ", ".join(f"{name} {n}" for name, n in counts))
