"""How often things happen in a synthetic town, and the words and names its cases are made of."""

import datetime as dt

from cases import workflow
from cases.models import (
    Case,
    CaseEvent,
    CaseStep,
    MediationOutcome,
)
from villages.models import Consultation

DEMO_TOWN_CODE = "451425102"
UTC = dt.UTC
NOBODY = (None, "")  # the actor of a rating through the receipt's QR code
A = CaseEvent.Action
S = Case.State
SS = CaseStep.State
M = workflow.Move

# How often things happen (per case or per step); tuned to look like a rural hall, not measured.
P_OPEN_AWAITING = 0.04  # opened as awaiting materials at intake
P_REQUEST_MATERIALS = 0.05  # a town desk asks for missing materials
P_NEVER_BROUGHT = 0.25  # ... and the villager gives up (withdrawn)
P_REJECT = 0.012  # per step
P_WITHDRAW = 0.004  # per step
P_RETURN = 0.02  # a desk sends the case back one step (once per case)
P_SKIP = 0.003  # the town office skips a desk
P_OVERDUE = 0.10  # a step takes longer than its time limit
P_STUCK = 0.004  # ... much longer: weeks (what oversight is for)
P_NOT_ACCEPTED_SAME_DAY = 0.15  # the paper file reaches the desk the next working day
P_NO_SHOW = 0.06
P_DESK_INTAKE = 0.6  # a matter without village certificate taken in at the department desk
P_HAMLET = 0.9
P_NOTES = 0.1
P_PROXY_CADRE = 0.06  # 代办 by the village cadre (the applicant old, or away)
P_PROXY_RELATIVE = 0.03  # ... by a relative with written authorisation
PROXY_RELATIONS = ("儿子", "女儿", "儿媳", "孙子", "配偶")

# Matter codes of the demo catalogue and how common they are; unknown codes get DEFAULT_MATTER_WEIGHT.
MATTER_WEIGHTS = {
    "juzhu-qinshu-zhengming": 12,
    "yibao-canbao": 8,
    "jiating-kunnan-zhengming": 7,
    "dianbiao-anzhuang": 6,
    "gaoling-jintie": 6,
    "yanglao-canbao": 6,
    "yiliao-jiuzhu": 5,
    "dibao": 4,
    "gengdi-butie": 4,
    "yanglao-daiyu": 4,
    "yibao-lingxing-baoxiao": 4,
    "linshi-jiuzhu": 3,
    "canji-zheng": 2,
    "canji-liangxiang-butie": 2,
    "linmu-caifa": 2,
    "zhaijidi-jianfang": 2,
    "renmin-tiaojie": 2,
    "weifang-gaizao": 1.5,
    "yishiyiyi-gaizhang": 1.5,
    "tekun-gongyang": 1,
    "tudi-chengbao-tiaojie": 1,
    "falv-yuanzhu": 1,
}
DEFAULT_MATTER_WEIGHT = 2
# Villages by desk order: the near, big ones bring more cases.
VILLAGE_WEIGHTS = [3.0, 2.4, 2.0, 1.8, 1.6, 1.4, 1.3, 1.2, 1.1, 1.0, 0.9, 0.8, 0.7]
OLD_AGE_MATTERS = {"gaoling-jintie"}  # the applicant is 80 or older

SURNAMES = "黄黄黄韦韦韦农农覃覃陆陆蓝梁梁李莫马邓卢周赵何凌廖黎冯潘闭零许罗谭宁苏"
GIVEN = "秀美丽春海建国志明文德永福玉兰桂芳小红振华海燕雪梅立新晓慧敏必刘向勇军平强英凤琼桃金银宝贵荣"
PHONE_PREFIXES = [
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "155",
    "156", "157", "158", "159", "177", "180", "181", "182", "183", "186", "187", "188", "189", "198", "199",
]  # fmt: skip

DONE_OUTCOMES = [
    "材料齐全，审核通过",
    "已核实，同意办理",
    "已录入系统并告知申请人",
    "已出具证明并盖章",
    "审核通过，转下一环节",
    "经入户核实，符合条件",
]
COUNTY_OUTCOMES = ["县里已审核通过", "已核发", "审核通过，按月发放", "已办结，结果已告知申请人"]
REJECT_REASONS = [
    "不符合申请条件",
    "经核实，家庭收入超过标准",
    "非本镇户籍，请到户籍所在地办理",
    "提供的材料与实际情况不符",
    "已享受同类待遇，不能重复申请",
]
WITHDRAW_REASONS = ["群众申请撤回", "已通过其他渠道办理", "暂不办理，以后再申请", "未能补齐材料，群众自愿撤回"]
BAD_REASONS = ["slow", "trips", "attitude", "unclear", "result"]  # Rating.Reason values a villager ticks
REFUSE_REASON = "一次性告知的补正材料在补正期限内未补齐，不予受理；补齐后可重新申请"
RETURN_REASONS = ["村委证明内容不完整，请补充核实", "上一环节审核意见缺少签字", "证明事项与申请不符，请重新核实"]
SKIP_REASONS = ["该环节已在县里一并办理", "部门意见已书面提交，不再到窗口"]
NOTES = ["申请人行动不便，由家属代办", "电话联系时请说壮话", "已电话告知补交时间", "申请人为低保户"]
P_RATED = 0.55  # finished cases the villager rates
P_RATED_AT_DESK = 0.6
RATING_LEVELS = [5, 4, 3, 2, 1]
RATING_WEIGHTS = [62, 26, 8, 3, 1]  # about the article's 96% satisfied
RATING_WEIGHTS_REJECTED = [15, 30, 30, 15, 10]
RATING_COMMENTS = {
    5: ["一趟就办好了，感谢！", "村干部在大厅帮忙，很方便", "不用跑县城了"],
    4: ["办得挺快", "态度好"],
    3: ["等的时间有点长"],
    2: ["来回跑了两趟", "窗口人少，排队久"],
    1: ["材料一次没说清楚", "办理太慢"],
}
RECTIFICATION_DAYS = 15
RECTIFICATION_ACTIONS = ["已约谈窗口经办人，规范一次性告知", "已调整圩日窗口人手", "已向群众说明办理时限并道歉"]
MEDIATION_OUTCOMES = [MediationOutcome.SUCCESS, MediationOutcome.FAILED, MediationOutcome.REFERRED]
MEDIATION_WEIGHTS = [75, 15, 10]
MEDIATION_NOTES = {
    MediationOutcome.SUCCESS: "双方达成调解协议",
    MediationOutcome.FAILED: "双方意见分歧较大，已告知申请仲裁或诉讼的途径",
    MediationOutcome.REFERRED: "已转县司法局处理",
}
APPOINTMENT_TIMES = [dt.time(9, 30), dt.time(10, 0), dt.time(10, 30), dt.time(14, 30), dt.time(15, 0)]
CONSULTATION_TOPICS = [
    (Consultation.Topic.WELFARE, 5),
    (Consultation.Topic.SOCIAL_SECURITY, 5),
    (Consultation.Topic.CERTIFICATE, 4),
    (Consultation.Topic.LAND, 3),
    (Consultation.Topic.AGRICULTURE, 3),
    (Consultation.Topic.DISPUTE, 2),
    (Consultation.Topic.UTILITY, 2),
    (Consultation.Topic.MISSING_MATERIALS, 3),
    (Consultation.Topic.OTHER, 2),
]
