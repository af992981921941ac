"""The demo catalogue as data: the matters, routes, time limits and materials `seed_demo` loads for the Jinjie
demo town. Typical Guangxi township practice after /work/shared/catalogue-reference.md; time limits are meant to be
edited by the town office in the admin, not legal text."""

from dataclasses import dataclass, field

from cases.models import Material, Matter


@dataclass(frozen=True)
class Mat:
    name: str
    form: str = Material.Form.BOTH
    copies: int = 1
    is_required: bool = True
    note: str = ""


@dataclass(frozen=True)
class County:
    mode: str  # Matter.CountyMode: APPOINTMENT (县级约办), REFERRAL (转县办理) or SUBMISSION (镇里报送)
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
    # The service guide's fields (办事指南). legal_days only where a law or a national rule sets the limit, 0 where
    # none does or we are not sure of one; the promise is the route's sum (promised_days below).
    result_name: str = ""
    result_delivery: str = Matter.Delivery.DESK
    visits: int = 1  # 到现场次数: 0 when the village cadre hands the application in for the villager
    legal_days: int = 0
    correction_days: int = 5  # 补正期限 on the one-time notice

    @property
    def promised_days(self) -> int:
        return self.village_days + sum(days for _, _, days in self.route) + (self.county.days if self.county else 0)

    def guide_fields(self, county_departments: dict) -> dict:
        """The fields a town's matter and a county template matter share (办事指南), from this spec."""
        promised = self.promised_days
        return {
            "name": self.name,
            "category": self.category,
            "kind": Matter.Kind.PROMISED if promised else Matter.Kind.SAME_DAY,
            "promised_days": promised,
            "needs_village_certificate": self.needs_village_certificate,
            "village_time_limit_days": self.village_days,
            "summary": self.summary,
            "conditions": self.conditions,
            "legal_basis": self.legal_basis,
            "legal_days": self.legal_days,
            "correction_days": self.correction_days,
            "result_name": self.result_name,
            "result_delivery": self.result_delivery,
            "visits": self.visits,
            "county_mode": self.county.mode if self.county else Matter.CountyMode.NONE,
            "county_department": county_departments[self.county.department] if self.county else None,
            "county_action": self.county.action if self.county else "",
            "county_time_limit_days": self.county.days if self.county else 0,
        }


ORIG, COPY, BOTH = Material.Form.ORIGINAL, Material.Form.COPY, Material.Form.BOTH
ID_CARD = Mat("居民身份证", BOTH, note="原件核验后当场退回")
HUKOU = Mat("户口簿", BOTH, note="户主页及本人页")
SOCIAL_CARD = Mat("社会保障卡", BOTH)
VILLAGE_CERT_NOTE = "圩日在镇大厅本村台牌由值班村干部当场开具，无需提前准备"
APPOINTMENT, REFERRAL, SUBMISSION = (
    Matter.CountyMode.APPOINTMENT,
    Matter.CountyMode.REFERRAL,
    Matter.CountyMode.SUBMISSION,
)
Cat = Matter.Category
DESK, VILLAGE, NOTICE = Matter.Delivery.DESK, Matter.Delivery.VILLAGE, Matter.Delivery.NOTICE
# 《中华人民共和国行政许可法》第四十二条: a permit is decided within 20 days of acceptance (第八十二条: working days).
PERMIT_DAYS = 20

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
        result_name="供用电合同，装表接电到户",
    ),
    MatterSpec(
        code="yiliao-jiuzhu",
        name="城乡医疗救助申请（城乡医疗救助证明）",
        category=Cat.WELFARE,
        summary="看病自付费用负担重的困难群众申请医疗救助：村委核实盖章，民政办审核、党政办审批登记后，"
        "持转县办理审批表到县民政局办理。",
        conditions="低保对象、特困人员、低保边缘家庭成员，以及因病致贫、个人负担的合规医疗费用较重的城乡居民。",
        legal_basis="《社会救助暂行办法》（国务院令第649号）\n"
        "《国务院办公厅关于健全重特大疾病医疗保险和救助制度的意见》（国办发〔2021〕42号）",
        route=[
            ("民政办", "审核救助对象身份和医疗费用，出具审核意见", 3),
            ("党政办", "审批登记，加盖镇人民政府公章", 1),
        ],
        county=County(REFERRAL, "县民政局", "县民政局审核，核拨救助金", 5),
        materials=[
            ID_CARD,
            HUKOU,
            Mat("医疗费用票据", ORIG, note="住院或门诊发票原件；已报销的附医保结算单"),
            Mat("出院小结", COPY),
            Mat("村委家庭情况证明", ORIG, note=VILLAGE_CERT_NOTE),
        ],
        result_name="城乡医疗救助金，由县民政局核拨到本人账户",
        result_delivery=NOTICE,
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
            ("党政办", "审核并公示，报送县民政局", 2),
        ],
        county=County(SUBMISSION, "县民政局", "审核确认，按月发放低保金", 10),
        materials=[
            ID_CARD,
            HUKOU,
            Mat("家庭收入与财产申报", ORIG, note="共同生活的家庭成员均需签字"),
            Mat("家庭经济状况核对授权书", ORIG, note="成年家庭成员签字"),
            Mat("村民代表评议与公示记录", ORIG, note="由村委会提供"),
        ],
        result_name="低保证，低保金按月打入本人惠民惠农一卡通账户",
        result_delivery=VILLAGE,
        legal_days=30,  # 《最低生活保障审核确认办法》: 自受理之日起30个工作日内完成审核确认
        correction_days=10,
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
            ("党政办", "审核并公示，报送县民政局", 2),
        ],
        county=County(SUBMISSION, "县民政局", "审核认定，落实供养待遇", 10),
        materials=[
            ID_CARD,
            HUKOU,
            Mat("收入与财产申报", ORIG),
            Mat("家庭经济状况核对授权书", ORIG),
        ],
        result_name="特困人员救助供养证，基本生活费按月发放",
        result_delivery=VILLAGE,
        visits=0,  # 本人申请有困难的，可以委托村民委员会代为提出申请
        correction_days=10,
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
        result_name="临时救助金，打入本人账户",
        result_delivery=NOTICE,
    ),
    MatterSpec(
        code="gaoling-jintie",
        name="高龄津贴申请（80 周岁以上）",
        category=Cat.WELFARE,
        summary="年满 80 周岁的老人申请高龄津贴，按月发放到本人账户。",
        conditions="具有本县户籍、年满80周岁的老年人。",
        legal_basis="《中华人民共和国老年人权益保障法》",
        route=[("民政办", "核实年龄和户籍，录入高龄津贴系统", 5)],
        county=County(SUBMISSION, "县民政局", "审核并按月发放高龄津贴", 10),
        materials=[
            ID_CARD,
            HUKOU,
            Mat("社会保障卡或惠民惠农一卡通账户", COPY, note="用于发放津贴的本人账户"),
        ],
        result_name="高龄津贴，按月打入本人账户",
        result_delivery=NOTICE,
        visits=0,  # 村干部收齐材料带到镇里，老人不用跑
    ),
    MatterSpec(
        code="jiating-kunnan-zhengming",
        name="家庭困难证明",
        category=Cat.CERTIFICATE,
        summary="子女上学、看病等需要家庭经济困难证明的，村委核实后由民政办出具。",
        conditions="因就学、就医等需要证明家庭经济困难的本镇居民。",
        legal_basis="《社会救助暂行办法》（国务院令第649号）",
        route=[("民政办", "核对村委证明，出具家庭困难证明并盖章", 0)],
        materials=[ID_CARD, HUKOU, Mat("村委证明", ORIG, note=VILLAGE_CERT_NOTE)],
        result_name="家庭经济困难证明",
    ),
    MatterSpec(
        code="juzhu-qinshu-zhengming",
        name="居住证明、亲属关系证明",
        category=Cat.CERTIFICATE,
        summary="只需村委会证明：圩日到镇政务服务大厅本村台牌，由值班村干部核实后开具，加盖村委公章。",
        conditions="本村村民及在本村居住的人员。",
        legal_basis="《中华人民共和国村民委员会组织法》",
        materials=[ID_CARD, HUKOU],
        result_name="居住证明或亲属关系证明（加盖村委公章）",
    ),
    MatterSpec(
        code="canji-zheng",
        name="残疾人证办理（新办）",
        category=Cat.WELFARE,
        summary="首次办理残疾人证：镇残联初审，县残联评定人员按约到大厅集中评残，不用跑县城。",
        conditions="视力、听力、言语、肢体、智力、精神残疾或多重残疾，符合残疾评定标准的人员。",
        legal_basis="《中华人民共和国残疾人保障法》\n《中华人民共和国残疾人证管理办法》",
        route=[("残联", "初审材料，预约县残联评残日", 3)],
        county=County(APPOINTMENT, "县残联", "县残联在大厅集中评残日评定残疾等级（本人须到场），审核发证", 10),
        materials=[
            ID_CARD,
            HUKOU,
            Mat("近期两寸免冠彩色照片", ORIG, copies=3),
            Mat("残疾评定所需病历", COPY, note="以往就诊病历、检查报告"),
        ],
        result_name="中华人民共和国残疾人证",
        result_delivery=NOTICE,
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
            ("民政办", "核对低保等困难身份，报送县残联", 3),
        ],
        county=County(SUBMISSION, "县残联", "审核确认，按月发放补贴", 10),
        materials=[
            ID_CARD,
            HUKOU,
            Mat("中华人民共和国残疾人证", BOTH),
            Mat("低保证明", COPY, is_required=False, note="申请困难残疾人生活补贴的提供"),
        ],
        result_name="困难残疾人生活补贴、重度残疾人护理补贴，按月发放",
        result_delivery=NOTICE,
    ),
    MatterSpec(
        code="yanglao-canbao",
        name="城乡居民基本养老保险参保登记",
        category=Cat.SERVICE,
        needs_village_certificate=False,
        summary="城乡居民养老保险参保登记，在镇社保中心窗口办理。",
        conditions="年满16周岁（不含在校学生），非国家机关和事业单位工作人员，不属于职工基本养老保险覆盖范围的城乡居民。",
        legal_basis="《中华人民共和国社会保险法》\n《国务院关于建立统一的城乡居民基本养老保险制度的意见》（国发〔2014〕8号）",
        route=[("社保中心", "登记参保信息，告知缴费档次和缴费方式", 0)],
        materials=[ID_CARD, HUKOU],
        result_name="城乡居民基本养老保险参保登记",
    ),
    MatterSpec(
        code="yanglao-daiyu",
        name="城乡居民养老保险待遇领取（年满 60 周岁）",
        category=Cat.SERVICE,
        needs_village_certificate=False,
        summary="参保人年满 60 周岁，申请按月领取城乡居民基本养老金。",
        conditions="参加城乡居民基本养老保险、年满60周岁、未领取国家规定的基本养老保障待遇的人员。",
        legal_basis="《中华人民共和国社会保险法》\n《国务院关于建立统一的城乡居民基本养老保险制度的意见》（国发〔2014〕8号）",
        route=[("社保中心", "核对参保缴费记录，办理待遇领取申报，报送县人社局", 5)],
        county=County(SUBMISSION, "县人社局", "审核核定养老金，按月发放", 10),
        materials=[ID_CARD, HUKOU, SOCIAL_CARD],
        result_name="城乡居民基本养老金，按月发放到社会保障卡",
        result_delivery=NOTICE,
    ),
    MatterSpec(
        code="yibao-canbao",
        name="城乡居民医疗保险参保登记",
        category=Cat.SERVICE,
        needs_village_certificate=False,
        summary="城乡居民医疗保险参保登记和缴费，在镇社保中心窗口办理。",
        conditions="不属于职工基本医疗保险覆盖范围的城乡居民。",
        legal_basis="《中华人民共和国社会保险法》\n《国务院关于整合城乡居民基本医疗保险制度的意见》（国发〔2016〕3号）",
        route=[("社保中心", "登记参保信息，办理缴费", 0)],
        materials=[ID_CARD, HUKOU],
        result_name="城乡居民医疗保险参保登记及缴费凭证",
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
        county=County(SUBMISSION, "县医保局", "审核报销，将报销款支付到本人账户", 15),
        materials=[
            ID_CARD,
            SOCIAL_CARD,
            Mat("医疗费用票据", ORIG),
            Mat("费用清单", ORIG),
            Mat("出院小结", COPY),
        ],
        result_name="医疗费用报销款，支付到本人社会保障卡账户",
        result_delivery=NOTICE,
        correction_days=10,
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
        result_name="林木采伐许可证",
        legal_days=PERMIT_DAYS,
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
        result_name="农村宅基地批准书、乡村建设规划许可证",
        result_delivery=NOTICE,
        legal_days=PERMIT_DAYS,
        correction_days=10,
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
            ("党政办", "审核并公示，报送县住建局", 3),
        ],
        county=County(SUBMISSION, "县住建局", "审核批准，拨付改造补助资金", 15),
        materials=[
            ID_CARD,
            HUKOU,
            Mat("房屋现状照片", ORIG),
            Mat("村民代表评议与公示记录", ORIG, note="由村委会提供"),
        ],
        result_name="农村危房改造补助资金，审批结果由村干部告知",
        result_delivery=VILLAGE,
        correction_days=10,
    ),
    MatterSpec(
        code="gengdi-butie",
        name="耕地地力保护补贴申报核实",
        category=Cat.SERVICE,
        summary="承包耕地的农户申报耕地地力保护补贴，农业服务中心核实面积。",
        conditions="拥有耕地承包权、耕地用于农业生产的农户。",
        legal_basis="《财政部 农业部关于全面推开农业“三项补贴”改革工作的通知》",
        route=[("农业服务中心", "核实承包耕地面积和种植情况，汇总公示后报送县农业农村局", 10)],
        county=County(SUBMISSION, "县农业农村局", "审核汇总，补贴通过一卡通发放", 10),
        materials=[
            ID_CARD,
            Mat("土地承包经营权证", BOTH),
            Mat("惠民惠农一卡通账户", COPY, note="本人社会保障卡金融账户亦可"),
        ],
        result_name="耕地地力保护补贴，通过惠民惠农一卡通发放",
        result_delivery=VILLAGE,
        visits=0,  # 村委统一收集申报材料
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
        result_name="调解协议书；调解不成的，书面告知申请仲裁或诉讼的途径",
    ),
    MatterSpec(
        code="renmin-tiaojie",
        name="人民调解（邻里、婚姻家庭等纠纷）",
        category=Cat.DISPUTE,
        needs_village_certificate=False,
        summary="邻里、婚姻家庭、赔偿等民间纠纷，由司法所组织双方调解；人民调解不收费。",
        conditions="发生民间纠纷、自愿申请调解的当事人。",
        legal_basis="《中华人民共和国人民调解法》",
        route=[("司法所", "当场调解；不能当场调解的，组织双方调解并制作调解协议", 15)],
        materials=[
            Mat("当事人居民身份证", BOTH),
            Mat("纠纷情况说明", ORIG, note="可口头陈述，由调解员记录"),
        ],
        result_name="人民调解协议书",
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
        result_name="给予或者不予法律援助的决定",
        result_delivery=NOTICE,
    ),
    MatterSpec(
        code="yishiyiyi-gaizhang",
        name="农村“一事一议”或村务事项证明盖章",
        category=Cat.CERTIFICATE,
        summary="村里“一事一议”等村务事项需要镇里审核盖章的，到党政办办理。",
        conditions="村民委员会或经村民会议、村民代表会议议定的村务事项。",
        legal_basis="《中华人民共和国村民委员会组织法》\n《村民一事一议筹资筹劳管理办法》",
        route=[("党政办", "审核村委会议记录，加盖镇人民政府印章", 0)],
        materials=[Mat("村委会议记录", COPY), Mat("申请说明", ORIG)],
        result_name="加盖镇人民政府印章的村务事项材料",
    ),
]
