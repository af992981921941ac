"""What each message says: the template text as registered with the provider (Chinese, the 签名 is added by the
provider), its parameters in the order Tencent numbers them ({1}, {2} …; Aliyun names them ${name}), and how the
parameters are read from a case, its history event and the database.

Providers limit a variable's length (Aliyun: 35 characters for a plain variable); free text — a reason, a list of
materials, a place — is shortened to PARAM_MAX with "等" (etc.), links and numbers never are.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from cases import workflow
from cases.models import Appointment, Case, CaseEvent, Matter

from .models import Kind

PARAM_MAX = 35


@dataclass(frozen=True)
class Template:
    text: str  # Aliyun's form: ${name}
    params: tuple[str, ...]  # the order of Tencent's {1}, {2} …


TEMPLATES: dict[str, Template] = {
    Kind.RECEIVED: Template(
        "您申请的“${matter}”已登记，办件编号${number}，办理进度请看：${link}", ("matter", "number", "link")
    ),
    Kind.MATERIALS: Template(
        "您的办件${number}还缺材料：${materials}。请在${deadline}前补齐，送到镇政务服务中心。",
        ("number", "materials", "deadline"),
    ),
    Kind.APPOINTMENT: Template(
        "您的办件${number}已约${department}于${date}${time}在${place}办理，请带齐材料按时到场。",
        ("number", "department", "date", "time", "place"),
    ),
    Kind.REMINDER: Template(
        "提醒：明天${date}${time}，${department}在${place}办理您的办件${number}，请按时到场。",
        ("date", "time", "department", "place", "number"),
    ),
    Kind.COMPLETED: Template("您的办件${number}（${matter}）已办结，${delivery}。", ("number", "matter", "delivery")),
    Kind.REFUSED: Template("您的办件${number}不予受理，理由：${reason}。详见：${link}", ("number", "reason", "link")),
    Kind.REJECTED: Template("您的办件${number}不予办理，理由：${reason}。详见：${link}", ("number", "reason", "link")),
    Kind.RATE: Template("请为办件${number}的办理服务评价（好差评）：${link}", ("number", "link")),
}

# How the result reaches the villager (case.result_delivery, copied from the matter at intake).
DELIVERY: dict[str, str] = {
    Matter.Delivery.DESK: "请带身份证到镇政务服务中心窗口领取",
    Matter.Delivery.VILLAGE: "结果由村干部带回村里交给您",
    Matter.Delivery.MAIL: "结果将邮寄给您",
    Matter.Delivery.NOTICE: "凭本短信即可，无需再到场",
}

# History actions (cases.workflow.MOVES[...].event) that tell the villager something, and what.
KINDS_FOR_ACTION: dict[str, tuple[str, ...]] = {
    workflow.MOVES[workflow.Move.OPEN].event: (Kind.RECEIVED,),
    workflow.MOVES[workflow.Move.REQUEST_MATERIALS].event: (Kind.MATERIALS,),
    workflow.MOVES[workflow.Move.BOOK].event: (Kind.APPOINTMENT,),
    workflow.MOVES[workflow.Move.FINISH].event: (Kind.COMPLETED, Kind.RATE),
    workflow.MOVES[workflow.Move.REFUSE].event: (Kind.REFUSED, Kind.RATE),
    workflow.MOVES[workflow.Move.REJECT].event: (Kind.REJECTED, Kind.RATE),
}

_VARIABLE = re.compile(r"\$\{(\w+)\}")


def render(kind: str, params: dict[str, str]) -> str:
    return _VARIABLE.sub(lambda m: params[m.group(1)], TEMPLATES[kind].text)


def ordered(kind: str, params: dict[str, str]) -> list[str]:
    """Tencent's TemplateParamSet: the values in the template's order."""
    return [params[name] for name in TEMPLATES[kind].params]


def shorten(text: str, limit: int = PARAM_MAX) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "等"


def public_link(name: str, case: Case) -> str:
    return settings.PUBLIC_URL + reverse(name, kwargs={"token": case.token})


def day(date: dt.date) -> str:
    return f"{date.month}月{date.day}日"


def materials_missing(case: Case, event: CaseEvent) -> str:
    """What the one-time notice asks for: the checklist's materials not received (case.materials), then anything
    else the desk wrote (the event's note lists every item, in the notice's order)."""
    names = [m["name"] for m in case.materials if not m.get("received")]
    for item in event.note.split("、"):
        item = item.strip()
        if item and item not in names:
            names.append(item)
    listed: list[str] = []
    for name in names:
        if len("、".join([*listed, name])) > PARAM_MAX - 4:
            return "、".join(listed) + f"等{len(names)}项"
        listed.append(name)
    return "、".join(listed)


def appointment_params(case: Case, appointment: Appointment) -> dict[str, str]:
    return {
        "number": case.number,
        "department": shorten(appointment.department.name),
        "date": day(appointment.date),
        "time": f"{appointment.time:%H:%M}",
        "place": shorten(appointment.place),
    }


def booked_appointment(event: CaseEvent) -> Appointment | None:
    """The appointment the "booked" event records: the step's open one, the newest."""
    return (
        Appointment.objects.select_related("department")
        .filter(step_id=event.step_id, state__in=[Appointment.State.BOOKED, Appointment.State.CONFIRMED])
        .order_by("-booked_at", "-id")
        .first()
    )


def params_for(kind: str, case: Case, event: CaseEvent) -> tuple[dict[str, str], Appointment | None] | None:
    """The template's parameters for `kind` after `event`, with the appointment it is about; None when there is
    nothing to tell (a booking whose appointment is gone)."""
    if kind == Kind.RECEIVED:
        return {
            "matter": shorten(case.matter.name),
            "number": case.number,
            "link": public_link("cases:public_token", case),
        }, None
    if kind == Kind.MATERIALS:
        deadline = workflow.deadline(event.at, case.matter.correction_days).due_on
        return {"number": case.number, "materials": materials_missing(case, event), "deadline": day(deadline)}, None
    if kind == Kind.APPOINTMENT:
        appointment = booked_appointment(event)
        if appointment is None:
            return None
        return appointment_params(case, appointment), appointment
    if kind == Kind.COMPLETED:
        delivery = DELIVERY.get(case.result_delivery, DELIVERY[Matter.Delivery.DESK])
        return {"number": case.number, "matter": shorten(case.matter.name), "delivery": delivery}, None
    if kind in (Kind.REFUSED, Kind.REJECTED):
        reason = shorten(event.note or case.closing_reason)
        return {"number": case.number, "reason": reason, "link": public_link("cases:public_token", case)}, None
    if kind == Kind.RATE:
        return {"number": case.number, "link": public_link("cases:public_rate", case)}, None
    raise ValueError(kind)
