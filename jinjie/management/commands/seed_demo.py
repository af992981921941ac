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
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import models, transaction
from django.utils import timezone

from cases.models import Case, Holiday, Material, Matter, RouteStep
from cases.services import Applicant, case_intake, case_stamp, step_complete
from departments.models import Department, DepartmentMember
from villages.models import DutyShift, Hamlet, MarketDay, MarketSchedule, Town, TownStaff, Village, VillageCadre
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
DOMAIN_APPS = ("villages", "departments", "cases")


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
            },
        )
    return departments


# ---------------------------------------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class Mat:
    name: str
    form: str = Material.Form.BOTH
    copies: int = 1
    is_required: bool = True
    note: str = ""


@dataclass(frozen=True)
class County:
    mode: str  # Matter.CountyMode.APPOINTMENT or REFERRAL
    department: str
    action: str
    days: int = 0


@dataclass(frozen=True)
class MatterSpec:
    code: str
    name: str
    category: str
    summary: str
    conditions: str
    legal_basis: str
    needs_village_certificate: bool = True
    village_days: int = 0
    route: list[tuple[str, str, int]] = field(default_factory=list)  # (department, action, working days)
    county: County | None = None
    materials: list[Mat] = field(default_factory=list)

    @property
    def promised_days(self) -> int:
        return self.village_days + sum(days for _, _, days in self.route) + (self.county.days if self.county else 0)


ORIG, COPY, BOTH = Material.Form.ORIGINAL, Material.Form.COPY, Material.Form.BOTH
ID_CARD = Mat("居民身份证", BOTH, note="原件核验后当场退回")
HUKOU = Mat("户口簿", BOTH, note="户主页及本人页")
SOCIAL_CARD = Mat("社会保障卡", BOTH)
VILLAGE_CERT_NOTE = "圩日在镇大厅本村台牌由值班村干部当场开具，无需提前准备"
APPOINTMENT, REFERRAL = Matter.CountyMode.APPOINTMENT, Matter.CountyMode.REFERRAL
Cat = Matter.Category

CATALOGUE: list[MatterSpec] = [
    MatterSpec(
        code="dianbiao-anzhuang",
        name="电表安装申请（居民新装用电）",
        category=Cat.SERVICE,
        summary="新房装电表：村干部在大厅本村台牌开具房屋归属证明，交给旁边的供电所窗口，一趟办好。",
        conditions="在本镇新建或已建住房、需要新装居民生活用电的户主。",
        legal_basis="《电力供应与使用条例》\n《供电营业规则》",
        route=[("供电所", "受理新装用电申请，现场勘查，装表接电", 5)],
        materials=[
            ID_CARD,
            HUKOU,
            Mat("房屋权属证明或村委证明", ORIG, note="没有房产证的，由村委出具房屋归属证明：" + VILLAGE_CERT_NOTE),
        ],
    ),
    MatterSpec(
        code="yiliao-jiuzhu",
        name="城乡医疗救助申请（城乡医疗救助证明）",
        category=Cat.WELFARE,
        summary="看病自付费用负担重的困难群众申请医疗救助：村委核实盖章，民政办、党政办当天审批登记，"
        "持审批表到县民政局办理。",
        conditions="低保对象、特困人员、低保边缘家庭成员，以及因病致贫、个人负担的合规医疗费用较重的城乡居民。",
        legal_basis="《社会救助暂行办法》（国务院令第649号）\n"
        "《国务院办公厅关于健全重特大疾病医疗保险和救助制度的意见》（国办发〔2021〕42号）",
        route=[
            ("民政办", "审核救助对象身份和医疗费用，出具审核意见", 3),
            ("党政办", "审批登记，加盖镇人民政府公章", 1),
        ],
        county=County(REFERRAL, "县民政局", "申请人持审批表到县民政局办理救助金核拨", 5),
        materials=[
            ID_CARD,
            HUKOU,
            Mat("医疗费用票据", ORIG, note="住院或门诊发票原件；已报销的附医保结算单"),
            Mat("出院小结", COPY),
            Mat("村委家庭情况证明", ORIG, note=VILLAGE_CERT_NOTE),
        ],
    ),
    MatterSpec(
        code="dibao",
        name="最低生活保障申请（低保）",
        category=Cat.WELFARE,
        summary="家庭人均收入低于当地低保标准的，申请最低生活保障。",
        conditions="持有本县户籍，共同生活的家庭成员人均收入低于当地最低生活保障标准，且家庭财产状况符合规定的家庭。",
        legal_basis="《社会救助暂行办法》（国务院令第649号）\n《最低生活保障审核确认办法》（民发〔2021〕57号）",
        route=[
            ("民政办", "入户调查，核对家庭经济状况，提出初审意见", 15),
            ("党政办", "审核并公示，报县民政局审批", 2),
        ],
        county=County(REFERRAL, "县民政局", "审核确认，按月发放低保金", 10),
        materials=[
            ID_CARD,
            HUKOU,
            Mat("家庭收入与财产申报", ORIG, note="共同生活的家庭成员均需签字"),
            Mat("家庭经济状况核对授权书", ORIG, note="成年家庭成员签字"),
            Mat("村民代表评议与公示记录", ORIG, note="由村委会提供"),
        ],
    ),
    MatterSpec(
        code="tekun-gongyang",
        name="特困人员救助供养申请",
        category=Cat.WELFARE,
        summary="无劳动能力、无生活来源、无人赡养抚养扶养的老年人、残疾人和未成年人，申请特困人员救助供养。",
        conditions="无劳动能力、无生活来源，且无法定赡养、抚养、扶养义务人，或者其法定义务人无履行义务能力的"
        "老年人、残疾人以及未满16周岁的未成年人。",
        legal_basis="《社会救助暂行办法》（国务院令第649号）\n《特困人员认定办法》（民发〔2021〕43号）",
        route=[
            ("民政办", "入户调查，核对收入和财产，提出初审意见", 15),
            ("党政办", "审核并公示，报县民政局审批", 2),
        ],
        county=County(REFERRAL, "县民政局", "审核认定，落实供养待遇", 10),
        materials=[
            ID_CARD,
            HUKOU,
            Mat("收入与财产申报", ORIG),
            Mat("家庭经济状况核对授权书", ORIG),
        ],
    ),
    MatterSpec(
        code="linshi-jiuzhu",
        name="临时救助申请",
        category=Cat.WELFARE,
        summary="因火灾、交通事故、突发重病等意外事件，基本生活暂时出现严重困难的，申请临时救助。",
        conditions="因意外事件、突发重大疾病等原因，导致基本生活暂时出现严重困难的家庭或个人。",
        legal_basis="《社会救助暂行办法》（国务院令第649号）\n《国务院关于全面建立临时救助制度的通知》（国发〔2014〕47号）",
        route=[("民政办", "核实困难情况，审批并发放临时救助金", 5)],
        materials=[
            ID_CARD,
            HUKOU,
            Mat("遭遇困难的证明材料", COPY, note="如医疗票据、火灾或事故证明等"),
        ],
    ),
    MatterSpec(
        code="gaoling-jintie",
        name="高龄津贴申请（80 周岁以上）",
        category=Cat.WELFARE,
        summary="年满 80 周岁的老人申请高龄津贴，按月发放到本人账户。",
        conditions="具有本县户籍、年满80周岁的老年人。",
        legal_basis="《中华人民共和国老年人权益保障法》",
        route=[("民政办", "核实年龄和户籍，录入高龄津贴系统", 5)],
        county=County(REFERRAL, "县民政局", "审核并按月发放高龄津贴", 10),
        materials=[
            ID_CARD,
            HUKOU,
            Mat("社会保障卡或惠民惠农一卡通账户", COPY, note="用于发放津贴的本人账户"),
        ],
    ),
    MatterSpec(
        code="jiating-kunnan-zhengming",
        name="家庭困难证明",
        category=Cat.CERTIFICATE,
        summary="子女上学、看病等需要家庭经济困难证明的，村委核实后民政办当场出具。",
        conditions="因就学、就医等需要证明家庭经济困难的本镇居民。",
        legal_basis="《社会救助暂行办法》（国务院令第649号）",
        route=[("民政办", "核对村委证明，出具家庭困难证明并盖章", 0)],
        materials=[ID_CARD, HUKOU, Mat("村委证明", ORIG, note=VILLAGE_CERT_NOTE)],
    ),
    MatterSpec(
        code="juzhu-qinshu-zhengming",
        name="居住证明、亲属关系证明",
        category=Cat.CERTIFICATE,
        summary="只需村委会证明：圩日到本村台牌，值班村干部核实后当场开具、加盖村委公章。",
        conditions="本村村民及在本村居住的人员。",
        legal_basis="《中华人民共和国村民委员会组织法》",
        materials=[ID_CARD, HUKOU],
    ),
    MatterSpec(
        code="canji-zheng",
        name="残疾人证办理（新办）",
        category=Cat.WELFARE,
        summary="首次办理残疾人证：镇残联初审，县残联评定人员按约到大厅集中评残，不用跑县城。",
        conditions="视力、听力、言语、肢体、智力、精神残疾或多重残疾，符合残疾评定标准的人员。",
        legal_basis="《中华人民共和国残疾人保障法》\n《中华人民共和国残疾人证管理办法》",
        route=[("残联", "初审材料，预约县残联评残日", 3)],
        county=County(APPOINTMENT, "县残联", "县残联在大厅集中评残日评定残疾等级，审核发证", 10),
        materials=[
            ID_CARD,
            HUKOU,
            Mat("近期两寸免冠彩色照片", ORIG, copies=3),
            Mat("残疾评定所需病历", COPY, note="以往就诊病历、检查报告"),
        ],
    ),
    MatterSpec(
        code="canji-liangxiang-butie",
        name="困难残疾人生活补贴和重度残疾人护理补贴",
        category=Cat.WELFARE,
        summary="持证残疾人申请“两项补贴”：困难残疾人生活补贴、重度残疾人护理补贴。",
        conditions="生活补贴：低保家庭中的残疾人；护理补贴：残疾等级为一级、二级且需要长期照护的重度残疾人。",
        legal_basis="《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》（国发〔2015〕52号）",
        route=[
            ("残联", "审核残疾类别、等级和照护情况", 5),
            ("民政办", "核对低保等困难身份", 3),
        ],
        county=County(REFERRAL, "县残联", "审核确认，按月发放补贴", 10),
        materials=[
            ID_CARD,
            HUKOU,
            Mat("中华人民共和国残疾人证", BOTH),
            Mat("低保证明", COPY, is_required=False, note="申请困难残疾人生活补贴的提供"),
        ],
    ),
    MatterSpec(
        code="yanglao-canbao",
        name="城乡居民基本养老保险参保登记",
        category=Cat.SERVICE,
        needs_village_certificate=False,
        summary="城乡居民养老保险参保登记，社保中心窗口当场办理。",
        conditions="年满16周岁（不含在校学生），非国家机关和事业单位工作人员，不属于职工基本养老保险覆盖范围的城乡居民。",
        legal_basis="《中华人民共和国社会保险法》\n《国务院关于建立统一的城乡居民基本养老保险制度的意见》（国发〔2014〕8号）",
        route=[("社保中心", "登记参保信息，告知缴费档次和缴费方式", 0)],
        materials=[ID_CARD, HUKOU],
    ),
    MatterSpec(
        code="yanglao-daiyu",
        name="城乡居民养老保险待遇领取（年满 60 周岁）",
        category=Cat.SERVICE,
        needs_village_certificate=False,
        summary="参保人年满 60 周岁，申请按月领取城乡居民基本养老金。",
        conditions="参加城乡居民基本养老保险、年满60周岁、未领取国家规定的基本养老保障待遇的人员。",
        legal_basis="《中华人民共和国社会保险法》\n《国务院关于建立统一的城乡居民基本养老保险制度的意见》（国发〔2014〕8号）",
        route=[("社保中心", "核对参保缴费记录，办理待遇领取申报", 5)],
        county=County(REFERRAL, "县人社局", "审核核定养老金，按月发放", 10),
        materials=[ID_CARD, HUKOU, SOCIAL_CARD],
    ),
    MatterSpec(
        code="yibao-canbao",
        name="城乡居民医疗保险参保登记",
        category=Cat.SERVICE,
        needs_village_certificate=False,
        summary="城乡居民医疗保险参保登记和缴费，社保中心窗口当场办理。",
        conditions="不属于职工基本医疗保险覆盖范围的城乡居民。",
        legal_basis="《中华人民共和国社会保险法》\n《国务院关于整合城乡居民基本医疗保险制度的意见》（国发〔2016〕3号）",
        route=[("社保中心", "登记参保信息，办理缴费", 0)],
        materials=[ID_CARD, HUKOU],
    ),
    MatterSpec(
        code="yibao-lingxing-baoxiao",
        name="城乡居民医保零星报销",
        category=Cat.SERVICE,
        needs_village_certificate=False,
        summary="在外地或未联网医院看病、未能直接结算的医疗费用，在镇社保中心交材料报销。",
        conditions="参加本县城乡居民医保，在异地或未联网医疗机构就医、未能直接结算的参保人员。",
        legal_basis="《中华人民共和国社会保险法》",
        route=[("社保中心", "初审票据和费用清单，报送县医保局", 5)],
        county=County(REFERRAL, "县医保局", "审核报销，将报销款支付到本人账户", 15),
        materials=[
            ID_CARD,
            SOCIAL_CARD,
            Mat("医疗费用票据", ORIG),
            Mat("费用清单", ORIG),
            Mat("出院小结", COPY),
        ],
    ),
    MatterSpec(
        code="linmu-caifa",
        name="林木采伐许可申请",
        category=Cat.PERMIT,
        summary="采伐自有林木申请采伐许可证：林业站现场核查，县林业局按约到大厅审核发证。",
        conditions="拥有林木所有权、需要采伐林木的个人或单位（农村居民采伐自留地和房前屋后个人所有的零星林木除外）。",
        legal_basis="《中华人民共和国森林法》\n《中华人民共和国森林法实施条例》",
        route=[("林业站", "现场核查伐区，测量蓄积，提出初审意见", 5)],
        county=County(APPOINTMENT, "县林业局", "县林业局在大厅约办，审核核发林木采伐许可证", 10),
        materials=[
            ID_CARD,
            Mat("林权证", BOTH),
            Mat("采伐申请书", ORIG),
            Mat("村委四至证明", ORIG, note="写明林地四至界限；" + VILLAGE_CERT_NOTE),
        ],
    ),
    MatterSpec(
        code="zhaijidi-jianfang",
        name="农村宅基地和建房（规划许可）申请",
        category=Cat.PERMIT,
        summary="农村村民建房申请宅基地和乡村建设规划许可，镇里联审，一次报件。",
        conditions="本村集体经济组织成员，符合“一户一宅”规定，建房选址符合村庄规划。",
        legal_basis="《中华人民共和国土地管理法》第六十二条\n《中华人民共和国城乡规划法》第四十一条\n"
        "《农业农村部 自然资源部关于规范农村宅基地审批管理的通知》",
        route=[
            ("自然资源所", "现场踏勘选址，审查是否符合村庄规划", 10),
            ("农业服务中心", "审查宅基地申请条件和面积（一户一宅）", 5),
            ("党政办", "镇人民政府审批，核发宅基地批准书和乡村建设规划许可证", 5),
        ],
        materials=[
            Mat("农村宅基地和建房（规划许可）申请表", ORIG),
            ID_CARD,
            HUKOU,
            Mat("村民小组会议意见", ORIG),
            Mat("公示材料", ORIG, note="村务公开栏公示照片及公示无异议说明"),
            Mat("建房设计图", ORIG, note="可选用通用图集"),
        ],
    ),
    MatterSpec(
        code="weifang-gaizao",
        name="农村危房改造申请",
        category=Cat.WELFARE,
        summary="住房困难的低收入群体申请农村危房改造补助。",
        conditions="住房经鉴定为危房的农村低保户、分散供养特困人员、低保边缘家庭等低收入群体。",
        legal_basis="国家和自治区农村危房改造有关政策规定；本县农村危房改造实施方案",
        route=[
            ("自然资源所", "入户鉴定房屋危险等级，核实改造对象", 10),
            ("党政办", "审核并公示，报县住建局审批", 3),
        ],
        county=County(REFERRAL, "县住建局", "审核批准，拨付改造补助资金", 15),
        materials=[
            ID_CARD,
            HUKOU,
            Mat("房屋现状照片", ORIG),
            Mat("村民代表评议与公示记录", ORIG, note="由村委会提供"),
        ],
    ),
    MatterSpec(
        code="gengdi-butie",
        name="耕地地力保护补贴申报核实",
        category=Cat.SERVICE,
        summary="承包耕地的农户申报耕地地力保护补贴，农业服务中心核实面积。",
        conditions="拥有耕地承包权、耕地用于农业生产的农户。",
        legal_basis="《财政部 农业部关于全面推开农业“三项补贴”改革工作的通知》",
        route=[("农业服务中心", "核实承包耕地面积和种植情况，汇总公示", 10)],
        county=County(REFERRAL, "县农业农村局", "审核汇总，补贴通过一卡通发放", 10),
        materials=[
            ID_CARD,
            Mat("土地承包经营权证", BOTH),
            Mat("惠民惠农一卡通账户", COPY, note="本人社会保障卡金融账户亦可"),
        ],
    ),
    MatterSpec(
        code="tudi-chengbao-tiaojie",
        name="土地承包经营权纠纷调解",
        category=Cat.DISPUTE,
        summary="承包地边界、流转等纠纷，由农业服务中心和司法所联合调解。",
        conditions="发生农村土地承包经营纠纷的当事人。",
        legal_basis="《中华人民共和国农村土地承包经营纠纷调解仲裁法》\n《中华人民共和国农村土地承包法》",
        route=[
            ("农业服务中心", "调查承包合同和地块，组织双方调解", 10),
            ("司法所", "制作调解协议书；调解不成的，告知申请仲裁或诉讼的途径", 5),
        ],
        materials=[
            ID_CARD,
            Mat("承包合同或证明", COPY),
            Mat("争议说明", ORIG, note="写明争议地块、四至和诉求"),
        ],
    ),
    MatterSpec(
        code="renmin-tiaojie",
        name="人民调解（邻里、婚姻家庭等纠纷）",
        category=Cat.DISPUTE,
        needs_village_certificate=False,
        summary="邻里、婚姻家庭、赔偿等民间纠纷，司法所能当场调处的当场调处；人民调解不收费。",
        conditions="发生民间纠纷、自愿申请调解的当事人。",
        legal_basis="《中华人民共和国人民调解法》",
        route=[("司法所", "当场调解；不能当场调解的，组织双方调解并制作调解协议", 15)],
        materials=[
            Mat("当事人居民身份证", BOTH),
            Mat("纠纷情况说明", ORIG, note="可口头陈述，由调解员记录"),
        ],
    ),
    MatterSpec(
        code="falv-yuanzhu",
        name="法律援助申请",
        category=Cat.SERVICE,
        summary="经济困难、需要打官司或法律帮助的，在镇司法所提出法律援助申请。",
        conditions="因经济困难没有委托代理人或者辩护人的当事人，事项属于法律援助范围。",
        legal_basis="《中华人民共和国法律援助法》",
        route=[("司法所", "受理申请，初审经济困难状况和案件材料", 3)],
        county=County(REFERRAL, "县司法局（法律援助中心）", "审查决定是否给予法律援助，指派律师", 7),
        materials=[
            ID_CARD,
            Mat("经济困难证明", ORIG, note="由村委出具；" + VILLAGE_CERT_NOTE),
            Mat("案件材料", COPY, note="起诉状、判决书、合同、欠条等与案件有关的材料"),
        ],
    ),
    MatterSpec(
        code="yishiyiyi-gaizhang",
        name="农村“一事一议”或村务事项证明盖章",
        category=Cat.CERTIFICATE,
        summary="村里“一事一议”等村务事项需要镇里审核盖章的，党政办当场办理。",
        conditions="村民委员会或经村民会议、村民代表会议议定的村务事项。",
        legal_basis="《中华人民共和国村民委员会组织法》\n《村民一事一议筹资筹劳管理办法》",
        route=[("党政办", "审核村委会议记录，加盖镇人民政府印章", 0)],
        materials=[Mat("村委会议记录", COPY), Mat("申请说明", ORIG)],
    ),
]


def _contact(spec: MatterSpec, departments: dict[str, Department]) -> str:
    if not spec.route:
        return "本村村委会（圩日在镇政务服务大厅本村台牌）"
    desk = departments[spec.route[0][0]]
    return f"进结镇{desk.name}（{desk.desk_label}），电话 {desk.phone}"


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
        promised = spec.promised_days
        matter, matter_changed = upsert(
            Matter,
            {"code": spec.code},
            {
                "town": town,
                "name": spec.name,
                "category": spec.category,
                "kind": Matter.Kind.PROMISED if promised else Matter.Kind.SAME_DAY,
                "promised_days": promised,
                "needs_village_certificate": spec.needs_village_certificate,
                "village_time_limit_days": spec.village_days,
                "summary": spec.summary,
                "conditions": spec.conditions,
                "legal_basis": spec.legal_basis,
                "fee": "免费",
                "contact": _contact(spec, departments),
                "county_mode": spec.county.mode if spec.county else Matter.CountyMode.NONE,
                "county_department": departments[spec.county.department] if spec.county else None,
                "county_action": spec.county.action if spec.county else "",
                "county_time_limit_days": spec.county.days if spec.county else 0,
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

    def __init__(self) -> None:
        self.model = get_user_model()
        # One hash per run (hashing is deliberately slow); every demo login gets the same known password.
        self.password_hash = make_password(DEMO_PASSWORD)
        self.rows: list[tuple[str, str, str, str]] = []

    def user(self, username: str, name: str, role: str, where: str, town: Town | None = None, **flags: bool):
        phone = f"1380000{len(self.rows) + 1:04d}"  # sample numbers
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
        upsert(Holiday, {"date": day}, {"kind": kind, "name": name})
    today = timezone.localdate()
    market_days_generate(town=town, start=today - dt.timedelta(days=60), until=today + dt.timedelta(days=120))
    office = get_user_model().objects.get(username="office")
    coming = coming_market_days(town=town, limit=10, today=today)
    return roster_fill_rotation(actor=office, town=town, market_days=coming)


def seed_cases(town: Town) -> int:
    """A few cases in every state, made through the real services, only into an empty town (idempotent)."""
    if Case.objects.filter(town=town).exists():
        return 0
    users = {u.username: u for u in get_user_model().objects.all()}
    villages = {v.name: v for v in Village.objects.filter(town=town)}
    matters = {m.code: m for m in Matter.objects.filter(town=town).prefetch_related("materials")}

    def intake(code, cadre, village, hamlet, name, id_number, phone, *, complete=True, awaiting=False):
        matter = matters[code]
        materials = [m.pk for m in matter.materials.all() if complete or not m.is_required]
        return case_intake(
            actor=users[cadre],
            matter=matter,
            village=villages[village],
            hamlet=Hamlet.objects.filter(village=villages[village], name=hamlet).first(),
            applicant=Applicant(name=name, id_number=id_number, phone=phone),
            received_material_ids=materials,
            open_awaiting=awaiting,
        )

    def stamp(case, cadre):
        case_stamp(actor=users[cadre], case_id=case.pk, seal_confirmed=True, note="户籍、居住情况属实")

    def complete(case, clerk, outcome):
        step_complete(actor=users[clerk], case_id=case.pk, outcome=outcome)

    made = []
    c = intake("dianbiao-anzhuang", "cadre_aile", "爱乐村", "谷岭屯", "黄必刘", "452131198203154213", "13877100001")
    stamp(c, "cadre_aile")
    made.append(c)
    c = intake("yiliao-jiuzhu", "cadre_yinyong", "印勇村", "那显屯", "赵国向", "45213119650708231X", "13877100002")
    stamp(c, "cadre_yinyong")
    complete(c, "clerk_minzheng", "家庭困难属实，同意医疗救助")
    complete(c, "clerk_dangzheng", "已审批登记")
    made.append(c)
    c = intake(
        "dibao",
        "cadre_gaozhou",
        "高州村",
        None,
        "农秀英",
        "452131197911230622",
        "13877100003",
        complete=False,
        awaiting=True,
    )
    made.append(c)
    c = intake("linshi-jiuzhu", "cadre_aile", "爱乐村", None, "黄月娥", "452131198806120047", "13877100004")
    stamp(c, "cadre_aile")
    complete(c, "clerk_minzheng", "发放临时救助金 1000 元")
    made.append(c)
    return len(made)


class Command(BaseCommand):
    help = "Load the Jinjie demo town (进结镇): villages, departments, catalogue, groups and demo users. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when a town already exists (used by `make run`).",
        )

    def handle(self, *args, **options):
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

        self.stdout.write(self.style.SUCCESS(f"seed_demo: {town.county}{town.name}（{town.code}）已载入示例数据。"))
        self.stdout.write(f"Matters created or changed this run: {matters_changed}")
        self.stdout.write(f"Roster desks filled this run: {filled}; demo cases created this run: {demo_cases}")
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
