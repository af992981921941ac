"""`seed_demo --county`: two more sample towns of 天等县, so the county's pages (the towns side by side, county
officers across towns, each town's own public pages) can be tried (issue 13 point 4).

龙茗镇 and 华隆镇 are real towns of Tiandeng county, but nothing here is about them: their codes, addresses, phone
numbers, villages, hamlets, people, market-day rules and cases are all sample data. Every town and place name ends
in "（示例）" and each town's introduction says so.

Each town's catalogue is adopted from the county template catalogue (cases.catalogue_template), which this loads
from the same data as Jinjie's catalogue (jinjie/demo_catalogue.py): 华隆镇 has no forestry station in this sample,
so the felling permit is not adopted there — the adoption says which desk is missing — and 龙茗镇 adjusts one
adopted matter, as a town office would. Idempotent like the rest of seed_demo: natural keys, upserts, sample cases
only into a town with none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from cases.catalogue_template import adopt
from cases.models import Case, Holiday, Matter, TemplateMaterial, TemplateMatter, TemplateRouteStep
from cases.services import Applicant, case_intake, case_stamp, step_complete
from departments.models import Department, DepartmentMember
from villages.models import Hamlet, MarketSchedule, Town, TownStaff, Village, VillageCadre
from villages.selectors import coming_market_days
from villages.services import market_days_generate, roster_fill_rotation

from .demo_catalogue import CATALOGUE

SAMPLE = "（示例）"


@dataclass(frozen=True)
class SampleTown:
    code: str
    name: str  # without the sample mark
    key: str  # for logins: office_<key>, cadre_<key>1 …
    villages: list[tuple[str, str, list[str]]]  # (name, km to town, hamlets)
    desks: list[str]  # the town's departments by name (TOWN_DEPARTMENTS of seed_demo), in window order
    schedule: dict
    office: str  # the town office's (fictional) name
    cadres: list[str]
    clerks: dict[str, tuple[str, str]]  # department -> (username suffix, name)


ALL_DESKS = ["党政办", "社保中心", "民政办", "残联", "农业服务中心", "林业站", "自然资源所", "司法所", "供电所"]

TOWNS = [
    SampleTown(
        code="451425104",
        name="龙茗镇",
        key="longming",
        villages=[
            ("龙茗村", "0.8", ["龙茗屯", "那弄屯"]),
            ("东风村", "6.5", ["东风屯", "陇怀屯"]),
            ("把荷村", "12.0", ["把荷屯", "弄岩屯", "岜乐屯"]),
            ("那造村", "17.5", ["那造屯", "板练屯"]),
        ],
        desks=ALL_DESKS,
        # 逢二、五、八 (solar days of the month ending in 2, 5, 8): a sample rule.
        schedule={"kind": MarketSchedule.Kind.SOLAR, "digits": "2,5,8", "cycle_days": None, "anchor_date": None},
        office="罗秀英",
        cadres=["赵春梅", "黄永新", "农丽萍", "陆国强"],
        clerks={"民政办": ("minzheng", "韦小燕"), "党政办": ("dangzheng", "覃志明"), "供电所": ("gongdian", "李海波")},
    ),
    SampleTown(
        code="451425105",
        name="华隆镇",
        key="hualong",
        villages=[
            ("华隆村", "1.2", ["华隆屯", "弄旺屯"]),
            ("新明村", "9.0", ["新明屯", "陇那屯"]),
            ("岜定村", "15.5", ["岜定屯", "那坛屯"]),
        ],
        desks=[d for d in ALL_DESKS if d != "林业站"],  # no forestry station in this sample: see the docstring
        schedule={"kind": MarketSchedule.Kind.CYCLE, "digits": "", "cycle_days": 3, "anchor_date": dt.date(2026, 1, 4)},
        office="蒙丽芳",
        cadres=["黄金凤", "梁志文", "马秀兰"],
        clerks={"民政办": ("minzheng", "农春艳"), "党政办": ("dangzheng", "陈立军"), "社保中心": ("shebao", "蓝小梅")},
    ),
]
TOWN_CODES = [t.code for t in TOWNS]

# The rest of Tiandeng's thirteen towns and townships, for `seed_demo --county --towns N` (the bench's county of
# issue 13 point 5). Real names; everything in them is made up from the lists below, like the two towns above.
MORE_TOWN_NAMES = ["天等镇", "向都镇", "东平镇", "福新镇", "都康乡", "宁干乡", "驮堪乡", "进远乡", "上映乡", "小山乡"]
_VILLAGE_NAMES = ["那坡", "弄乐", "陇兰", "岜峒", "板旺", "那隆", "弄亭", "陇怀", "岜浪", "那练", "弄平", "陇利"]
_PEOPLE = "黄韦农覃陆蓝梁李莫马邓卢", "秀春海建志文永玉桂丽小立", "梅明华芳强英兰军平燕新凤"


def _person(n: int) -> str:
    surnames, middles, lasts = _PEOPLE
    return surnames[n % 12] + middles[(n // 12) % 12] + lasts[(n // 3) % 12]


def _more_town(n: int) -> SampleTown:
    """The n-th (0-based) further sample town: four villages of two hamlets, every desk, three clerks."""
    name = MORE_TOWN_NAMES[n]
    stem = name[:-1]
    villages = []
    for v in range(4):
        village = _VILLAGE_NAMES[(3 * n + v) % len(_VILLAGE_NAMES)]
        villages.append(
            (f"{village}村" if v else f"{stem}村", f"{1.0 + 5.5 * v:.1f}", [f"{village}屯", f"{village}上屯"])
        )
    schedule = (
        {
            "kind": MarketSchedule.Kind.SOLAR,
            "digits": "1,4,7" if n % 2 else "3,6,9",
            "cycle_days": None,
            "anchor_date": None,
        }
        if n % 3
        else {
            "kind": MarketSchedule.Kind.CYCLE,
            "digits": "",
            "cycle_days": 3,
            "anchor_date": dt.date(2026, 1, 2 + n % 3),
        }
    )
    base = 40 * (n + 1)
    return SampleTown(
        code=f"4514252{n + 10:02d}",
        name=name,
        key=f"t{n + 10}",
        villages=villages,
        desks=ALL_DESKS,
        schedule=schedule,
        office=_person(base),
        cadres=[_person(base + 1 + v) for v in range(4)],
        clerks={
            "民政办": ("minzheng", _person(base + 5)),
            "党政办": ("dangzheng", _person(base + 6)),
            "社保中心": ("shebao", _person(base + 7)),
        },
    )


MAX_TOWNS = 1 + len(TOWNS) + len(MORE_TOWN_NAMES)


def sample_towns(count: int) -> list[SampleTown]:
    """The sample towns of a county of `count` towns with Jinjie: 龙茗镇 and 华隆镇 first, then MORE_TOWN_NAMES."""
    if not 1 <= count <= MAX_TOWNS:
        raise ValueError(f"a county of 1 to {MAX_TOWNS} towns")
    return (TOWNS + [_more_town(n) for n in range(len(MORE_TOWN_NAMES))])[: count - 1]


def seed_template(county: str, county_departments: dict[str, Department], upsert) -> int:
    """The county template catalogue from the demo catalogue's data. Returns how many templates changed."""
    changed = 0
    for order, spec in enumerate(CATALOGUE, start=1):
        template, template_changed = upsert(
            TemplateMatter,
            {"county": county, "code": spec.code},
            {**spec.guide_fields(county_departments), "display_order": order},
        )
        route = [(n, dept, action, days) for n, (dept, action, days) in enumerate(spec.route, 1)]
        if list(template.route.values_list("order", "department_name", "action", "time_limit_days")) != route:
            template.route.all().delete()
            TemplateRouteStep.objects.bulk_create(
                TemplateRouteStep(template=template, order=n, department_name=d, action=a, time_limit_days=days)
                for n, d, a, days in route
            )
            template_changed = True
        materials = [(n, m.name, m.form, m.copies, m.is_required, m.note) for n, m in enumerate(spec.materials, 1)]
        fields = ("order", "name", "form", "copies", "is_required", "note")
        if list(template.materials.values_list(*fields)) != materials:
            template.materials.all().delete()
            TemplateMaterial.objects.bulk_create(
                TemplateMaterial(template=template, **dict(zip(fields, row, strict=True))) for row in materials
            )
            template_changed = True
        changed += template_changed
    return changed


def _seed_town(spec: SampleTown, county: str, upsert) -> Town:
    short = spec.name[:-1]  # 龙茗 of 龙茗镇, 都康 of 都康乡
    town, _ = upsert(
        Town,
        {"code": spec.code},
        {
            "name": spec.name + SAMPLE,
            "county": county,
            "address": f"广西壮族自治区崇左市天等县{spec.name}人民政府政务服务大厅（示例地址）",
            "phone": f"0771-35{spec.code[-2:]}000（示例号码）",
            "government_name": f"天等县{spec.name}人民政府",
            "doc_prefix": short,
            "review_body": "天等县人民政府",
            "court_name": "天等县人民法院",
            "complaint_phone": f"0771-35{spec.code[-2:]}012（示例号码）",
            "office_hours": "周一至周五 8:00—12:00、15:00—18:00（法定节假日除外）；圩日村干部在本村台牌值班 9:00—16:00",
            "intro": (
                f"示例数据：{spec.name}是天等县的真实乡镇，但这里的村、屯、人员、圩日规则、电话和办件全部是虚构的示例，"
                "只用于试用县级部署（多镇并列统计、县直部门跨镇约办、各镇自己的办事指南和大厅看板）。"
            ),
        },
    )
    for order, name in enumerate(spec.desks, start=1):
        level = Department.Level.UTILITY if name == "供电所" else Department.Level.TOWN
        upsert(
            Department,
            {"town": town, "name": name},
            {
                "level": level,
                "county": county,
                "desk_label": f"{order}号窗口 {name}",
                "desk_order": order,
                "phone": f"0771-35{spec.code[-2:]}1{order:02d}（示例）",
                "full_name": f"{county}{short}{name}" if level == Department.Level.UTILITY else "",
            },
        )
    for order, (name, km, hamlets) in enumerate(spec.villages, start=1):
        village, _ = upsert(
            Village,
            {"code": f"{spec.code}2{order:02d}"},
            {
                "town": town,
                "name": name + SAMPLE,
                "desk_order": order,
                "distance_km": Decimal(km),
                "is_sample": True,
                "phone": f"0771-35{spec.code[-2:]}2{order:02d}（示例）",
            },
        )
        for n, hamlet in enumerate(hamlets):
            upsert(Hamlet, {"village": village, "name": hamlet + SAMPLE}, {"distance_km": Decimal(1 + 3 * n)})
    upsert(
        MarketSchedule,
        {"town": town, "kind": spec.schedule["kind"]},
        {**spec.schedule, "valid_from": dt.date(2026, 1, 1)},
    )
    return town


def _seed_people(spec: SampleTown, town: Town, seeder, groups: dict, group_office: str, upsert) -> None:
    office = seeder.user(f"office_{spec.key}", spec.office, "镇办", town.name, town, is_staff=True)
    office.groups.add(groups[group_office])
    upsert(TownStaff, {"user": office, "town": town}, {"role": TownStaff.Role.OFFICE, "is_active": True})
    for order, (village, name) in enumerate(
        zip(Village.objects.filter(town=town).order_by("desk_order"), spec.cadres, strict=True), 1
    ):
        cadre = seeder.user(f"cadre_{spec.key}{order}", name, "村干部（主任）", village.name, town)
        upsert(
            VillageCadre, {"user": cadre, "village": village}, {"title": VillageCadre.Title.DIRECTOR, "is_active": True}
        )
    for department_name, (suffix, name) in spec.clerks.items():
        department = Department.objects.get(town=town, name=department_name)
        clerk = seeder.user(f"clerk_{spec.key}_{suffix}", name, "部门经办人", department.desk_label, town)
        upsert(
            DepartmentMember,
            {"user": clerk, "department": department},
            {"role": DepartmentMember.Role.CLERK, "is_active": True},
        )


def _seed_calendar(spec: SampleTown, town: Town, upsert) -> None:
    today = timezone.localdate()
    market_days_generate(town=town, start=today - dt.timedelta(days=30), until=today + dt.timedelta(days=90))
    office = get_user_model().objects.get(username=f"office_{spec.key}")
    roster_fill_rotation(actor=office, town=town, market_days=coming_market_days(town=town, limit=10, today=today))
    if spec.key == "longming":
        # A day of the town's own where it differs from the shared calendar (sample): 龙茗镇 alone is off.
        upsert(
            Holiday,
            {"town": town, "date": dt.date(2026, 12, 28)},
            {"kind": Holiday.Kind.HOLIDAY, "name": "地方节庆（示例）", "source": Holiday.Source.REGIONAL},
        )


def _seed_cases(spec: SampleTown, town: Town) -> int:
    """Three sample cases through the real services, only into a town that has none."""
    if Case.objects.filter(town=town).exists():
        return 0
    users = {u.username: u for u in get_user_model().objects.filter(username__contains=spec.key)}
    villages = list(Village.objects.filter(town=town).order_by("desk_order"))
    matters = {m.code: m for m in Matter.objects.filter(town=town).prefetch_related("materials")}
    people = [
        ("农大叔", "452131196205124211", "13877200001", "yiliao-jiuzhu"),
        ("黄阿姨", "452131195809233426", "13877200002", "gaoling-jintie"),
        ("陆小明", "452131199001015617", "13877200003", "jiating-kunnan-zhengming"),
    ]
    made = 0
    for n, (name, id_number, phone, code) in enumerate(people):
        village = villages[n % len(villages)]
        cadre = users[f"cadre_{spec.key}{n % len(villages) + 1}"]
        matter = matters[code]
        case = case_intake(
            actor=cadre,
            matter=matter,
            village=village,
            hamlet=Hamlet.objects.filter(village=village).order_by("name").first(),
            applicant=Applicant(name=name, id_number=id_number, phone=phone),
            received_material_ids=[m.pk for m in matter.materials.all()],
        )
        made += 1
        if n < 2:
            case_stamp(actor=cadre, case_id=case.pk, seal_confirmed=True, note="情况属实（示例）")
        if n == 0:
            step_complete(actor=users[f"clerk_{spec.key}_minzheng"], case_id=case.pk, outcome="审核通过（示例）")
    return made


def seed_county(
    *, county: str, county_departments: dict[str, Department], seeder, groups, group_office, upsert, towns: int = 3
):
    """The county template and the sample towns of a county of `towns` towns (Jinjie and two sample towns unless
    asked for more). Returns a line per town for the command's report."""
    seed_template(county, county_departments, upsert)
    admin = get_user_model().objects.get(username="admin")
    templates = TemplateMatter.objects.filter(county=county)
    lines = []
    for spec in sample_towns(towns):
        town = _seed_town(spec, county, upsert)
        _seed_people(spec, town, seeder, groups, group_office, upsert)
        adoption = adopt(actor=admin, town=town, templates=templates)
        if spec.key == "longming" and adoption.adopted:
            # The town adjusts what it adopted (a sample): its civil-affairs office promises the certificate faster.
            Matter.objects.filter(town=town, code="jiating-kunnan-zhengming").update(
                summary="龙茗镇：家庭困难证明由民政办当场出具（示例调整）"
            )
        _seed_calendar(spec, town, upsert)
        made = _seed_cases(spec, town)
        missing = "".join(f"；{code} 未采用（本镇没有{'、'.join(names)}）" for code, names in adoption.missing.items())
        lines.append(
            f"{town.name}（{town.code}）：{Matter.objects.filter(town=town).count()} 个事项"
            f"（本次从县级模板采用 {len(adoption.adopted)} 个）{missing}；本次新建示例办件 {made} 件"
        )
    return lines
