"""The papers a town signs and stamps (issue 10, points 1-5 and 7): their numbers, who issues each, the two kinds
of refusal, the one-time notice, the receipt, the village certificate, public verification, printing, and the
county step the town sends up itself (镇里报送).

Time is outside the system: every test runs on Wednesday 2 December 2026, 10:00 in the hall, unless it travels on.
"""

import datetime as dt
import re

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases import services, workflow
from cases.models import Appointment, Case, CaseEvent, Material, Matter, Paper, SealUse
from cases.services import papers
from cases.templatetags.hall import qr_svg as _qr_svg
from departments.models import Department, DepartmentMember
from stats.periods import Period
from stats.queries import monthly_report
from tests.factories import (
    APPLICANT_ID,
    APPLICANT_NAME,
    APPLICANT_PHONE,
    DepartmentFactory,
    DepartmentMemberFactory,
    MaterialFactory,
    TownFactory,
    VillageCadreFactory,
    VillageFactory,
    complete,
    open_case,
    refused,
    reload,
    route_matter,
    stamp,
)

pytestmark = pytest.mark.django_db


def local(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))


WEDNESDAY = local(2026, 12, 2)
HALL_PHONE = "0771-3520000"
COMPLAINT_PHONE = "0771-3512345"
FORGED = "可能是伪造的文书"
TOO_MANY = "本设备查询不存在的编号次数过多"
GENUINE = "本文书真实有效"


@pytest.fixture(autouse=True)
def _wednesday():
    with time_machine.travel(WEDNESDAY, tick=False):
        yield


@pytest.fixture(autouse=True)
def _phones(town):
    town.phone = HALL_PHONE
    town.complaint_phone = COMPLAINT_PHONE
    town.save(update_fields=["phone", "complaint_phone"])


def paper_of(case: Case, kind: str) -> Paper:
    return Paper.objects.get(case=case, kind=kind)


def text(response) -> str:
    return response.content.decode()


def print_url(case: Case, name: str) -> str:
    return f"/cases/{case.number}/print/{name}/"


@pytest.fixture
def desk_case(clerk, village, department, desk_matter):
    """Taken in and accepted by 民政办's clerk at the desk (no village certificate)."""
    return open_case(actor=clerk, matter=desk_matter, village=village, intake_department=department)


@pytest.fixture
def awaiting_desk_case(clerk, village, department, desk_matter):
    """Opened by 民政办's clerk awaiting materials: not accepted (受理) yet."""
    return open_case(
        actor=clerk,
        matter=desk_matter,
        village=village,
        intake_department=department,
        open_awaiting=True,
        bring_all=False,
    )


@pytest.fixture
def utility(town):
    return DepartmentFactory(
        town=town, name="供电所", level=Department.Level.UTILITY, full_name="天等县进结供电所", desk_label="供电"
    )


@pytest.fixture
def utility_clerk(utility):
    return DepartmentMemberFactory(department=utility, role=DepartmentMember.Role.CLERK, user__town=utility.town).user


@pytest.fixture
def utility_matter(town, utility):
    return route_matter(
        town=town, departments=[utility], needs_village_certificate=False, code="power-connect", name="低压用电报装"
    )


def to_county(case: Case, cadre, clerk, other_clerk) -> Case:
    """The village stamps, 民政办 and 党政办 finish: the county step starts."""
    stamp(case, cadre)
    complete(case, clerk)
    complete(case, other_clerk)
    return reload(case)


# --- 1. numbers -------------------------------------------------------------------------------------------------


def test_number_is_prefix_kind_bracketed_year_and_number_without_leading_zeros(cadre, village, referral_matter, town):
    first = open_case(actor=cadre, matter=referral_matter, village=village)
    town.doc_prefix = "进镇"
    town.save(update_fields=["doc_prefix"])
    second = open_case(actor=cadre, matter=referral_matter, village=village)

    assert paper_of(first, Paper.Kind.RECEIPT).number == "进结受〔2026〕1号"
    assert paper_of(second, Paper.Kind.RECEIPT).number == "进镇受〔2026〕2号"  # the prefix is the town's data
    assert papers.number_for(town, Paper.Kind.RECEIPT, 2026, 12) == "进镇受〔2026〕12号"


def test_each_town_has_its_own_gap_free_sequence(cadre, village, referral_matter):
    other_town = TownFactory(name="向都镇", county="天等县")
    other_village = VillageFactory(town=other_town, name="向都村", is_sample=False)
    other_cadre = VillageCadreFactory(village=other_village, user__town=other_town).user
    other_matter = route_matter(
        town=other_town, departments=[DepartmentFactory(town=other_town, name="民政办")], code="xd-medical-aid"
    )

    cases = [
        open_case(actor=cadre, matter=referral_matter, village=village),
        open_case(actor=other_cadre, matter=other_matter, village=other_village),
        open_case(actor=cadre, matter=referral_matter, village=village),
        open_case(actor=other_cadre, matter=other_matter, village=other_village),
        open_case(actor=cadre, matter=referral_matter, village=village),
    ]

    assert [paper_of(c, Paper.Kind.RECEIPT).number for c in cases] == [
        "进结受〔2026〕1号",
        "向都受〔2026〕1号",
        "进结受〔2026〕2号",
        "向都受〔2026〕2号",
        "进结受〔2026〕3号",
    ]


def test_each_kind_of_paper_has_its_own_sequence(cadre, village, referral_matter):
    accepted = open_case(actor=cadre, matter=referral_matter, village=village)
    awaiting = open_case(actor=cadre, matter=referral_matter, village=village, open_awaiting=True, bring_all=False)
    stamp(accepted, cadre)
    another = open_case(actor=cadre, matter=referral_matter, village=village)

    assert paper_of(accepted, Paper.Kind.RECEIPT).number == "进结受〔2026〕1号"
    assert paper_of(awaiting, Paper.Kind.NOTICE).number == "进结补〔2026〕1号"
    assert paper_of(accepted, Paper.Kind.CERTIFICATE).number == "进结证〔2026〕1号"
    assert paper_of(another, Paper.Kind.RECEIPT).number == "进结受〔2026〕2号"


def test_a_new_year_starts_again_at_one(cadre, village, referral_matter):
    with time_machine.travel(local(2026, 12, 31, 16), tick=False):
        open_case(actor=cadre, matter=referral_matter, village=village)
        last_of_2026 = open_case(actor=cadre, matter=referral_matter, village=village)
    with time_machine.travel(local(2027, 1, 4, 9), tick=False):
        first_of_2027 = open_case(actor=cadre, matter=referral_matter, village=village)
        second_of_2027 = open_case(actor=cadre, matter=referral_matter, village=village)

    assert paper_of(last_of_2026, Paper.Kind.RECEIPT).number == "进结受〔2026〕2号"
    assert paper_of(first_of_2027, Paper.Kind.RECEIPT).number == "进结受〔2027〕1号"
    assert paper_of(second_of_2027, Paper.Kind.RECEIPT).number == "进结受〔2027〕2号"


def test_a_paper_issued_in_a_rolled_back_transaction_does_not_use_up_its_number(cadre, village, referral_matter):
    with pytest.raises(RuntimeError), transaction.atomic():
        open_case(actor=cadre, matter=referral_matter, village=village)
        assert Paper.objects.filter(number="进结受〔2026〕1号").exists()
        raise RuntimeError("the move failed after its paper was numbered")
    assert not Paper.objects.exists()

    case = open_case(actor=cadre, matter=referral_matter, village=village)

    assert paper_of(case, Paper.Kind.RECEIPT).number == "进结受〔2026〕1号"


def test_numbers_are_unique(cadre, village, referral_matter, town):
    for _ in range(3):
        stamp(open_case(actor=cadre, matter=referral_matter, village=village), cadre)
    numbers = list(Paper.objects.values_list("number", flat=True))
    assert len(numbers) == 6 and len(set(numbers)) == 6
    taken = Paper.objects.filter(kind=Paper.Kind.RECEIPT).order_by("seq").first()
    row = {"town": town, "kind": taken.kind, "year": taken.year, "issued_at": WEDNESDAY, "issuer": "伪造"}

    with pytest.raises(IntegrityError), transaction.atomic():
        Paper.objects.create(**row, seq=99, number=taken.number, token="forged-token-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Paper.objects.create(**row, seq=taken.seq, number="进结受〔2026〕99号", token="forged-token-2")


# --- 2. who issues ----------------------------------------------------------------------------------------------


def test_village_certificate_is_issued_by_the_villagers_committee(client_for, cadre, village, referral_matter):
    village.committee_name = "天等县进结镇爱乐村村民委员会"
    village.save(update_fields=["committee_name"])
    case = open_case(actor=cadre, matter=referral_matter, village=village)
    stamp(case, cadre)

    certificate = paper_of(case, Paper.Kind.CERTIFICATE)
    assert certificate.issuer == "天等县进结镇爱乐村村民委员会"
    assert certificate.content["handling"] == ""
    assert "天等县进结镇爱乐村村民委员会" in text(client_for(cadre).get(print_url(case, "certificate")))


def test_village_desks_one_time_notice_is_issued_by_the_villagers_committee(cadre, village, referral_matter):
    case = open_case(actor=cadre, matter=referral_matter, village=village)

    services.case_request_materials(actor=cadre, case_id=case.pk, missing="低保证复印件")

    notice = paper_of(case, Paper.Kind.NOTICE)
    assert notice.issuer == "爱乐村村民委员会" == village.committee
    assert notice.content["is_government"] is False


def test_town_desks_notice_is_issued_by_the_town_government_with_the_desk_handling(clerk, desk_case):
    services.case_request_materials(actor=clerk, case_id=desk_case.pk, missing="银行卡复印件")

    notice = paper_of(desk_case, Paper.Kind.NOTICE)
    assert notice.issuer == "天等县进结镇人民政府"
    assert notice.content["handling"] == "进结镇民政办"


def test_town_desks_decision_is_issued_by_the_town_government_with_the_desk_handling(client_for, clerk, desk_case):
    services.case_reject(actor=clerk, case_id=desk_case.pk, reason="户籍不在本镇")

    decision = paper_of(desk_case, Paper.Kind.DECISION)
    assert (decision.issuer, decision.content["handling"]) == ("天等县进结镇人民政府", "进结镇民政办")
    assert decision.content["is_government"] is True
    page = text(client_for(clerk).get(f"/cases/{desk_case.number}/notice/"))
    assert "承办单位：进结镇民政办" in page


@pytest.mark.parametrize("move", ["refuse", "reject"])
def test_utility_desks_refusal_has_no_administrative_remedy_but_the_complaint_phone(
    client_for, utility_clerk, utility, utility_matter, village, move
):
    case = open_case(
        actor=utility_clerk,
        matter=utility_matter,
        village=village,
        intake_department=utility,
        open_awaiting=move == "refuse",
        bring_all=move != "refuse",
    )
    close = services.case_refuse if move == "refuse" else services.case_reject
    close(actor=utility_clerk, case_id=case.pk, reason="线路不具备接入条件")

    paper = Paper.objects.get(case=case, kind__in=[Paper.Kind.REFUSAL, Paper.Kind.DECISION])
    assert paper.issuer == "天等县进结供电所"
    assert paper.content["is_government"] is False
    page = text(client_for(utility_clerk).get(f"/cases/{case.number}/notice/"))
    assert "行政复议" not in page
    assert "行政诉讼" not in page
    assert f"拨打监督投诉电话{COMPLAINT_PHONE}反映" in page
    assert "天等县进结供电所" in page


def test_county_referral_form_is_issued_by_the_town_government(
    client_for, cadre, clerk, other_clerk, village, referral_matter
):
    case = to_county(open_case(actor=cadre, matter=referral_matter, village=village), cadre, clerk, other_clerk)

    referral = paper_of(case, Paper.Kind.REFERRAL)
    assert referral.issuer == "天等县进结镇人民政府"
    assert referral.content["handling"] == "进结镇党政办"
    page = text(client_for(other_clerk).get(print_url(case, "referral")))
    assert "转县办理审批表" in page and "天等县进结镇人民政府" in page


def test_issuer_number_and_remedies_follow_the_towns_data(client_for, clerk, desk_case, town):
    town.government_name = "广西壮族自治区天等县进结镇人民政府"
    town.doc_prefix = "进政"
    town.review_body = "崇左市天等县人民政府"
    town.court_name = "崇左市江州区人民法院"
    town.save(update_fields=["government_name", "doc_prefix", "review_body", "court_name"])

    services.case_reject(actor=clerk, case_id=desk_case.pk, reason="家庭收入超过标准")

    decision = paper_of(desk_case, Paper.Kind.DECISION)
    assert decision.issuer == "广西壮族自治区天等县进结镇人民政府"
    assert decision.number == "进政不予〔2026〕1号"
    page = text(client_for(clerk).get(f"/cases/{desk_case.number}/notice/"))
    assert "广西壮族自治区天等县进结镇人民政府" in page
    assert "六十日内向崇左市天等县人民政府申请行政复议" in page
    assert "六个月内向崇左市江州区人民法院提起行政诉讼" in page


# --- 3. two refusals --------------------------------------------------------------------------------------------


def test_case_not_yet_accepted_is_refused_not_rejected(clerk, awaiting_desk_case):
    assert not workflow.is_accepted(awaiting_desk_case)
    with refused("wrong_state"):
        services.case_reject(actor=clerk, case_id=awaiting_desk_case.pk, reason="材料未补齐")
    assert not Paper.objects.filter(case=awaiting_desk_case, kind=Paper.Kind.DECISION).exists()

    services.case_refuse(actor=clerk, case_id=awaiting_desk_case.pk, reason="逾期未补正材料")

    case = reload(awaiting_desk_case)
    assert case.state == Case.State.REFUSED
    assert CaseEvent.objects.filter(case=case).order_by("-seq").first().action == "refused"
    refusal = paper_of(case, Paper.Kind.REFUSAL)
    assert refusal.content["reason"] == "逾期未补正材料"
    assert not Paper.objects.filter(case=case, kind=Paper.Kind.DECISION).exists()


def test_accepted_case_is_rejected_not_refused(clerk, desk_case):
    assert workflow.is_accepted(desk_case)
    with refused("wrong_state"):
        services.case_refuse(actor=clerk, case_id=desk_case.pk, reason="不属于受理范围")
    assert not Paper.objects.filter(case=desk_case, kind=Paper.Kind.REFUSAL).exists()

    services.case_reject(actor=clerk, case_id=desk_case.pk, reason="家庭收入超过标准")

    case = reload(desk_case)
    assert case.state == Case.State.REJECTED
    assert CaseEvent.objects.filter(case=case).order_by("-seq").first().action == "rejected"
    assert paper_of(case, Paper.Kind.DECISION).content["reason"] == "家庭收入超过标准"
    assert not Paper.objects.filter(case=case, kind=Paper.Kind.REFUSAL).exists()


def test_government_decision_names_the_review_body_sixty_days_six_months_and_the_court(
    client_for, clerk, desk_case, town
):
    town.review_body = "天等县人民政府"
    town.court_name = "天等县人民法院"
    town.save(update_fields=["review_body", "court_name"])
    services.case_reject(
        actor=clerk, case_id=desk_case.pk, reason="家庭收入超过标准", basis="《社会救助暂行办法》第九条"
    )

    page = text(client_for(clerk).get(f"/cases/{desk_case.number}/notice/"))

    assert "不予办理决定书" in page
    assert "家庭收入超过标准" in page and "《社会救助暂行办法》第九条" in page
    assert "六十日内向天等县人民政府申请行政复议" in page
    assert "六个月内向天等县人民法院提起行政诉讼" in page


def _intake_post(client, matter: Matter, village, **overrides):
    url = f"/desk/intake/?matter={matter.code}"
    form = client.get(url).context["form"]
    data = {
        "matter": matter.code,
        "village": village.pk,
        "intake_key": str(form["intake_key"].value()),
        "applicant_name": APPLICANT_NAME,
        "applicant_id_number": APPLICANT_ID,
        "applicant_phone": APPLICANT_PHONE,
        "hamlet": "",
        "notes": "",
        "materials": [],
        "decision": "refuse",
        **overrides,
    }
    return client.post(url, data)


def test_refusal_at_intake_opens_and_closes_the_case_as_refused(client_for, cadre, village, referral_matter):
    client = client_for(cadre)

    response = _intake_post(client, referral_matter, village, refusal_reason="本事项由县不动产登记中心办理")

    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.number}/notice/"
    assert case.state == Case.State.REFUSED
    assert case.closed_at == WEDNESDAY
    assert case.accepted_at is None
    assert list(Paper.objects.filter(case=case).values_list("kind", flat=True)) == [Paper.Kind.REFUSAL]
    page = text(client.get(response["Location"]))
    assert "不予受理决定书" in page and "本事项由县不动产登记中心办理" in page


def test_refusal_at_intake_without_a_reason_opens_nothing(client_for, cadre, village, referral_matter):
    # Everything brought, so that only the missing reason can stop it.
    everything = list(referral_matter.materials.values_list("pk", flat=True))
    response = _intake_post(client_for(cadre), referral_matter, village, materials=everything, refusal_reason="  ")

    assert response.status_code == 200
    assert "不予受理须填写理由。" in text(response)
    assert not Case.objects.exists()
    assert not Paper.objects.exists()


def test_refusal_without_a_reason_is_invalid_input(clerk, awaiting_desk_case):
    with refused("invalid_input"):
        services.case_refuse(actor=clerk, case_id=awaiting_desk_case.pk, reason="   ")
    assert reload(awaiting_desk_case).state == Case.State.AWAITING
    assert not Paper.objects.filter(case=awaiting_desk_case, kind=Paper.Kind.REFUSAL).exists()


def test_month_report_counts_refusals_apart_from_rejections(
    client_for, cadre, clerk, village, department, desk_matter, referral_matter, town
):
    for _ in range(2):
        case = open_case(
            actor=clerk,
            matter=desk_matter,
            village=village,
            intake_department=department,
            open_awaiting=True,
            bring_all=False,
        )
        services.case_refuse(actor=clerk, case_id=case.pk, reason="逾期未补正")
    _intake_post(client_for(cadre), referral_matter, village, refusal_reason="不属于本镇办理")
    rejected = open_case(actor=clerk, matter=desk_matter, village=village, intake_department=department)
    services.case_reject(actor=clerk, case_id=rejected.pk, reason="不符合条件")

    figures = monthly_report(town=town, month=Period.month(2026, 12))["figures"]

    assert (figures["refused"], figures["rejected"], figures["completed"]) == (3, 1, 0)


# --- 4. the one-time notice -------------------------------------------------------------------------------------


@pytest.fixture
def checklist_matter(town, department):
    matter = route_matter(
        town=town,
        departments=[department],
        needs_village_certificate=False,
        materials=(),
        correction_days=7,
        code="dibao-renew",
        name="低保年审",
    )
    MaterialFactory(matter=matter, order=1, name="户口簿", form=Material.Form.COPY, copies=2)
    MaterialFactory(matter=matter, order=2, name="身份证", form=Material.Form.ORIGINAL, copies=1)
    return matter


@pytest.fixture
def checklist_case(clerk, village, department, checklist_matter):
    return open_case(actor=clerk, matter=checklist_matter, village=village, intake_department=department)


def _request(client, case: Case, **data):
    case = reload(case)
    return client.post(
        f"/cases/{case.number}/request_materials/", {"version": case.version, "step": case.current_step_id, **data}
    )


NOTICE_ROW = re.compile(
    r'<tr><td class="text-center">(\d+)</td><td class="fw-bold">(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>'
)


def test_one_time_notice_lists_each_missing_material_once_with_form_and_copies(
    client_for, clerk, checklist_case, checklist_matter
):
    client = client_for(clerk)
    hukou = checklist_matter.materials.get(name="户口簿")

    response = _request(
        client, checklist_case, materials=[hukou.pk], missing="户口簿\n低保申请书\n低保申请书；收入证明"
    )

    assert response.status_code == 302
    assert response["Location"] == f"/cases/{checklist_case.number}/print/missing/"
    page = text(client.get(response["Location"]))
    assert NOTICE_ROW.findall(page) == [
        ("1", "户口簿", "复印件", "2"),
        ("2", "低保申请书", "—", "1"),
        ("3", "收入证明", "—", "1"),
    ]
    assert "原件/复印件" in page


def test_one_time_notice_gives_the_deadline_and_says_the_clock_pauses(client_for, clerk, checklist_case):
    client = client_for(clerk)

    _request(client, checklist_case, missing="收入证明")

    notice = paper_of(checklist_case, Paper.Kind.NOTICE)
    due = workflow.deadline(WEDNESDAY, 7).due_on
    assert due == dt.date(2026, 12, 11)
    assert notice.content["bring_by"] == "2026-12-11"
    page = text(client.get(print_url(checklist_case, "missing")))
    assert "请于2026年12月11日前（7个工作日内）" in page
    assert "以上为需补正的全部材料，补齐后不再要求补交其他材料" in page
    assert re.search(r"暂停计算办理时限.*恢复计算", page)
    assert "12月02日" not in page and "2026年12月2日" in page


def test_one_time_notice_with_nothing_listed_comes_back_with_the_error_and_changes_nothing(
    client_for, clerk, checklist_case
):
    before = reload(checklist_case)

    response = _request(client_for(clerk), checklist_case, missing="  ")

    assert response.status_code == 200
    assert "请列出需补正的材料，用于一次性告知。" in text(response)
    after = reload(checklist_case)
    assert (after.state, after.version, after.paused_at) == (before.state, before.version, None)
    assert not Paper.objects.filter(case=checklist_case, kind=Paper.Kind.NOTICE).exists()
    assert not CaseEvent.objects.filter(case=checklist_case, action="materials_requested").exists()


def test_one_time_notice_with_a_material_of_another_matter_is_invalid_input(clerk, checklist_case, referral_matter):
    foreign = referral_matter.materials.first()

    with refused("invalid_input"):
        services.case_request_materials(actor=clerk, case_id=checklist_case.pk, material_ids=[foreign.pk])

    assert reload(checklist_case).state == Case.State.RECEIVED
    assert not Paper.objects.filter(case=checklist_case, kind=Paper.Kind.NOTICE).exists()


# --- 5. the receipt ---------------------------------------------------------------------------------------------


@pytest.fixture
def accepted(cadre, village, referral_matter):
    """赵国向's case, taken in by 韦丽华 at the village desk with everything: accepted at once (5 promised days)."""
    assert referral_matter.promised_days == 5
    return open_case(actor=cadre, matter=referral_matter, village=village)


def test_receipt_gives_the_promised_days_and_the_due_date(client_for, cadre, accepted):
    receipt = paper_of(accepted, Paper.Kind.RECEIPT)
    assert (receipt.content["promised_days"], receipt.content["expected_on"]) == (5, "2026-12-09")

    page = text(client_for(cadre).get(f"/cases/{accepted.number}/receipt/"))

    assert re.search(r"预计办结日期</th><td[^>]*>2026年12月9日<", page)


def test_receipt_has_the_seal_area_handling_person_phones_issuer_and_date(client_for, cadre, accepted):
    page = text(client_for(cadre).get(f"/cases/{accepted.number}/receipt/"))

    assert "受理专用章" in page
    assert "经办人：韦丽华" in page
    assert f"联系电话：{HALL_PHONE}" in page
    assert f"监督投诉电话：{COMPLAINT_PHONE}" in page
    assert re.search(r"<div>天等县进结镇人民政府</div>\s*<div>2026年12月2日</div>", page)
    assert "进结受〔2026〕1号" in page


def test_receipts_qr_opens_the_case_page_which_says_the_receipt_is_genuine(client, client_for, cadre, accepted):
    response = client_for(cadre).get(f"/cases/{accepted.number}/receipt/")
    track_url = f"http://testserver/t/{accepted.token}/"
    assert response.context["track_url"] == track_url
    assert _qr_svg(track_url) in text(response)

    public = text(client.get(f"/t/{accepted.token}/"))

    assert "受理回执进结受〔2026〕1号，天等县进结镇人民政府于2026年12月2日出具，真实有效。" in public


def test_receipt_has_the_counterfoil_only_when_asked(client_for, cadre, accepted):
    client = client_for(cadre)

    plain = text(client.get(f"/cases/{accepted.number}/receipt/"))
    with_stub = text(client.get(f"/cases/{accepted.number}/receipt/?stub=1"))

    assert "存　根" not in plain
    assert "存　根" in with_stub and "大厅留存" in with_stub


def test_case_awaiting_materials_has_its_receipt_only_once_they_are_brought(
    client_for, cadre, village, referral_matter
):
    client = client_for(cadre)
    case = open_case(actor=cadre, matter=referral_matter, village=village, open_awaiting=True, bring_all=False)
    assert client.get(f"/cases/{case.number}/receipt/").status_code == 404

    with time_machine.travel(local(2026, 12, 4, 15), tick=False):
        services.case_materials_brought(actor=cadre, case_id=case.pk)

    receipt = paper_of(case, Paper.Kind.RECEIPT)
    assert timezone.localdate(receipt.issued_at) == dt.date(2026, 12, 4)
    page = text(client.get(f"/cases/{case.number}/receipt/"))
    assert re.search(r"<div>天等县进结镇人民政府</div>\s*<div>2026年12月4日</div>", page)
    assert re.search(r"预计办结日期</th><td[^>]*>2026年12月11日<", page)


# --- 6. the village certificate ---------------------------------------------------------------------------------


@pytest.fixture
def restamped(cadre, clerk, village, referral_matter):
    """Stamped, returned by 民政办 (the certificate was incomplete), stamped again."""
    case = open_case(actor=cadre, matter=referral_matter, village=village)
    stamp(case, cadre)
    services.step_return(actor=clerk, case_id=case.pk, reason="证明未写明家庭成员情况")
    with time_machine.travel(local(2026, 12, 3), tick=False):
        stamp(case, cadre)
    return reload(case)


def test_restamp_after_return_withdraws_the_first_certificate_and_issues_a_new_number(client_for, cadre, restamped):
    first, second = Paper.objects.filter(case=restamped, kind=Paper.Kind.CERTIFICATE).order_by("issued_at")

    assert first.withdrawn_at == local(2026, 12, 3)
    assert second.withdrawn_at is None
    assert (first.number, second.number) == ("进结证〔2026〕1号", "进结证〔2026〕2号")
    page = text(client_for(cadre).get(print_url(restamped, "certificate")))
    assert "进结证〔2026〕2号" in page and "作废" not in page


def test_verification_of_the_withdrawn_certificate_says_it_is_no_longer_in_force(client, restamped):
    first, second = Paper.objects.filter(case=restamped, kind=Paper.Kind.CERTIFICATE).order_by("issued_at")

    old = text(client.get(f"/v/{first.token}/"))
    new = text(client.get(f"/v/{second.token}/"))

    assert "已于2026年12月3日作废，不再有效" in old and GENUINE not in old
    assert GENUINE in new and "作废" not in new


# --- 7. verification --------------------------------------------------------------------------------------------


def test_qr_page_of_a_genuine_paper_says_what_it_is_and_nothing_personal(client, cadre, accepted):
    stamp(accepted, cadre)  # the case moves on: the page shows its state now
    receipt = paper_of(accepted, Paper.Kind.RECEIPT)

    response = client.get(f"/v/{receipt.token}/")

    page = text(response)
    assert response.status_code == 200
    assert GENUINE in page
    for shown in ("受理回执", "进结受〔2026〕1号", "2026年12月2日", "天等县进结镇人民政府", "赵**", "办理中"):
        assert shown in page, shown
    for private in (APPLICANT_NAME, APPLICANT_ID, APPLICANT_PHONE):
        assert private not in page, private


def test_unknown_token_is_404_and_says_it_may_be_forged(client, accepted):
    response = client.get("/v/not-a-real-token/")

    assert response.status_code == 404
    assert FORGED in text(response)


def verify(client, number: str, address: str = "10.1.1.1"):
    return client.post("/verify/", {"number": number}, REMOTE_ADDR=address)


@pytest.mark.parametrize(
    "typed", ["进结受〔2026〕1号", "进结受[2026]1号", "进结受【2026】1号", "进结受(2026)1号", "进结受（2026）1"]
)
def test_typed_number_of_a_genuine_paper_is_found(client, accepted, typed):
    page = text(verify(client, typed))

    assert GENUINE in page
    assert "天等县进结镇人民政府" in page and "进结受〔2026〕1号" in page
    assert FORGED not in page


def test_typed_number_never_issued_says_it_may_be_forged(client, accepted):
    page = text(verify(client, "进结受〔2026〕2号"))

    assert FORGED in page and GENUINE not in page


def test_after_five_unknown_numbers_the_next_lookup_from_that_client_is_refused(client, accepted):
    for n in range(2, 7):
        assert FORGED in text(verify(client, f"进结受〔2026〕{n}号"))

    refused_page = text(verify(client, "进结受〔2026〕1号"))

    assert TOO_MANY in refused_page
    assert GENUINE not in refused_page
    assert GENUINE in text(verify(client, "进结受〔2026〕1号", address="10.2.2.2"))  # another client is not held up


def test_a_found_number_does_not_count_against_the_client(client, accepted):
    for n in range(2, 6):
        verify(client, f"进结受〔2026〕{n}号")
    for _ in range(4):
        assert GENUINE in text(verify(client, "进结受〔2026〕1号"))

    fifth_unknown = text(verify(client, "进结受〔2026〕6号"))
    sixth_unknown = text(verify(client, "进结受〔2026〕7号"))

    assert FORGED in fifth_unknown and TOO_MANY not in fifth_unknown
    assert TOO_MANY in sixth_unknown


# --- 8. printing ------------------------------------------------------------------------------------------------


def test_certificate_is_not_printed_before_the_stamp(client_for, cadre, accepted):
    assert client_for(cadre).get(print_url(accepted, "certificate")).status_code == 404
    assert not Paper.objects.filter(case=accepted, kind=Paper.Kind.CERTIFICATE).exists()


def test_no_decision_is_printed_for_an_open_case(client_for, clerk, desk_case):
    assert client_for(clerk).get(f"/cases/{desk_case.number}/notice/").status_code == 404
    assert not Paper.objects.filter(case=desk_case, kind__in=[Paper.Kind.REFUSAL, Paper.Kind.DECISION]).exists()


@pytest.fixture
def papered(cadre, clerk, other_clerk, village, department, referral_matter, desk_matter):
    """A case with every paper but a decision (notice, receipt, certificate, referral form), and a rejected one."""
    full = open_case(actor=cadre, matter=referral_matter, village=village, open_awaiting=True, bring_all=False)
    services.case_materials_brought(actor=cadre, case_id=full.pk)
    to_county(full, cadre, clerk, other_clerk)
    rejected = open_case(actor=clerk, matter=desk_matter, village=village, intake_department=department)
    services.case_reject(actor=clerk, case_id=rejected.pk, reason="不符合条件")
    return {"missing": full, "receipt": full, "certificate": full, "referral": full, "notice": rejected}


@pytest.mark.parametrize("name", list(papers.PRINT_KINDS))
# The referral's own county officer now opens it (cases.selectors.case_scope); an officer of another does not.
@pytest.mark.parametrize("role", ["other_cadre", "other_county_officer"])
def test_print_pages_are_404_for_who_may_not_see_the_case(request, client_for, cadre, papered, role, name):
    case = papered[name]
    assert client_for(cadre).get(print_url(case, name)).status_code == 200

    response = client_for(request.getfixturevalue(role)).get(print_url(case, name))

    assert response.status_code == 404


@pytest.mark.parametrize("name", list(papers.PRINT_KINDS))
def test_case_from_before_numbering_gets_its_paper_numbered_on_first_print_once(client_for, cadre, papered, name):
    case = papered[name]
    kinds = papers.PRINT_KINDS[name]
    Paper.objects.filter(case=case, kind__in=kinds).delete()
    client = client_for(cadre)

    first = client.get(print_url(case, name))
    second = client.get(print_url(case, name))

    assert first.status_code == second.status_code == 200
    backfilled = Paper.objects.get(case=case, kind__in=kinds)
    assert first.context["paper"].number == second.context["paper"].number == backfilled.number
    assert backfilled.number in text(second)


# --- 9. the county step -----------------------------------------------------------------------------------------


@pytest.fixture
def submission_matter(town, department, other_department, county_department):
    """低保: village certificate → 民政办 → 党政办, then the town sends the file up to 县民政局 (10 working days)."""
    matter = route_matter(
        town=town,
        departments=[department, other_department],
        county_mode=Matter.CountyMode.SUBMISSION,
        county_department=county_department,
        code="dibao",
        name="最低生活保障",
    )
    matter.county_time_limit_days = 10
    matter.save(update_fields=["county_time_limit_days"])
    return matter


@pytest.fixture
def submitted(cadre, clerk, other_clerk, village, submission_matter):
    return to_county(open_case(actor=cadre, matter=submission_matter, village=village), cadre, clerk, other_clerk)


def test_submission_starts_with_a_letter_from_the_town_government_due_on_the_county_limit(
    client_for, other_clerk, submitted
):
    step = submitted.current_step
    assert (step.kind, step.county_mode) == ("county", "submission")
    due = workflow.deadline(WEDNESDAY, 10).due_on
    assert step.due_on == due == dt.date(2026, 12, 16)

    letter = paper_of(submitted, Paper.Kind.SUBMISSION)
    assert letter.issuer == "天等县进结镇人民政府"
    assert letter.content["handling"] == "进结镇党政办"
    assert letter.content["due_on"] == "2026-12-16"
    assert not Paper.objects.filter(case=submitted, kind=Paper.Kind.REFERRAL).exists()
    page = text(client_for(other_clerk).get(print_url(submitted, "referral")))
    assert "报　送　函" in page and "2026年12月16日" in page and "无需到县里" in page


def test_sending_desk_records_the_county_result_and_the_case_completes_without_a_visit(clerk, other_clerk, submitted):
    with refused("wrong_state"):
        services.appointment_book(
            actor=other_clerk, case_id=submitted.pk, date=dt.date(2026, 12, 8), time=dt.time(9, 30), place="大厅"
        )
    with refused("not_allowed"):
        services.county_record_outcome(actor=clerk, case_id=submitted.pk, outcome="县民政局审批通过")

    with time_machine.travel(local(2026, 12, 10), tick=False):
        services.county_record_outcome(actor=other_clerk, case_id=submitted.pk, outcome="县民政局审批通过")

    case = reload(submitted)
    assert case.state == Case.State.COMPLETED
    assert case.steps.get(kind="county").outcome == "县民政局审批通过"
    assert not Appointment.objects.filter(case=case).exists()


def test_referral_step_is_not_due_the_day_it_starts(cadre, clerk, other_clerk, village, referral_matter):
    case = to_county(open_case(actor=cadre, matter=referral_matter, village=village), cadre, clerk, other_clerk)

    step = case.current_step
    assert step.county_mode == "referral"
    assert timezone.localdate(step.started_at) == dt.date(2026, 12, 2)
    assert step.due_on == workflow.deadline(WEDNESDAY, referral_matter.county_time_limit_days).due_on
    assert step.due_on > dt.date(2026, 12, 2)


# --- 10. a clerk cannot issue a village paper -------------------------------------------------------------------


def test_clerk_cannot_stamp_the_village_certificate(client_for, cadre, clerk, village, referral_matter):
    case = open_case(actor=cadre, matter=referral_matter, village=village)
    stamp(case, cadre)
    services.step_return(actor=clerk, case_id=case.pk, reason="证明不全")  # back at the village desk; clerk sees it
    case = reload(case)
    assert case.current_step.kind == "village"

    response = client_for(clerk).post(
        f"/cases/{case.number}/stamp/",
        {"version": case.version, "step": case.current_step_id, "seal_confirmed": "on", "note": "已核实"},
    )

    assert response.status_code in (403, 409)
    certificate = paper_of(case, Paper.Kind.CERTIFICATE)  # still only the one the cadre issued
    assert certificate.withdrawn_at is None and certificate.handled_by == cadre
    assert SealUse.objects.filter(case=case).count() == 1
    with refused("not_allowed"):
        services.case_stamp(actor=clerk, case_id=case.pk, seal_confirmed=True)
    with refused("not_allowed"):
        services.case_request_materials(actor=clerk, case_id=case.pk, missing="户口簿")
    assert Paper.objects.filter(case=case).count() == 2  # the receipt and the one certificate
