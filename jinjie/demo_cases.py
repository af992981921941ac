"""The demo town's sample cases (seed_demo): a few in every state, and 代办 by the cadre and by a relative, made
through the real services so that their history, papers and messages are the ones the hall would produce."""

from django.contrib.auth import get_user_model

from cases.models import Case, Matter, Proxy
from cases.services import Applicant, OnBehalf, case_intake, case_stamp, step_complete
from villages.models import Hamlet, Town, Village


def seed_cases(town: Town) -> int:
    """A few cases in every state, made through the real services, only into an empty town (idempotent)."""
    if Case.objects.filter(town=town).exists():
        return 0
    users = {u.username: u for u in get_user_model().objects.all()}
    villages = {v.name: v for v in Village.objects.filter(town=town)}
    matters = {m.code: m for m in Matter.objects.filter(town=town).prefetch_related("materials")}

    def intake(code, cadre, village, hamlet, name, id_number, phone, *, complete=True, awaiting=False, **extra):
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
            **extra,
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
    # 代办: an elder's matter carried by the village cadre, and one brought by a son with the written authorisation.
    c = intake(
        "gaoling-jintie",
        "cadre_yinyong",
        "印勇村",
        "那显屯",
        "黄妈仁",
        "452131194203050643",
        "13877100005",
        on_behalf=OnBehalf(kind=Proxy.CADRE),
        messages_declined=True,
    )
    stamp(c, "cadre_yinyong")
    made.append(c)
    c = intake(
        "linshi-jiuzhu",
        "cadre_aile",
        "爱乐村",
        "谷岭屯",
        "农美兰",
        "452131197509181324",
        "13877100006",
        on_behalf=OnBehalf(
            kind=Proxy.RELATIVE, name="黄志远", id_number="45142520000101064X", relation="儿子", authorised=True
        ),
    )
    made.append(c)
    return len(made)
