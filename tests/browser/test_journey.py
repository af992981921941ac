"""The 赵国向 story (DESIGN.md, story 2; issue 3, point 14) played through the real pages in headless Chromium.

赵国向 of 那显屯, 印勇村 needs a medical-assistance certificate: the duty cadre of 印勇村 takes the case in and stamps,
民政办 and 党政办 approve and register, and he takes the approved form to 县民政局. Then, on his phone, he looks the
case up and sees where it stands — and nothing personal.

Assertions are on what the pages show (data, structure, links), not on UI wording: the translation catalogue may
change the words, it must not change the story.
"""

import io
import re

import pytest
from django.core.management import call_command
from stdnum.cn import ric

from cases.models import Case, CaseEvent, CaseStep, Matter
from jinjie.management.commands.seed_demo import DEMO_PASSWORD
from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser

APPLICANT = "赵国向"
HAMLET = "那显屯"
VILLAGE = "印勇村"
MATTER_CODE = "yiliao-jiuzhu"
MOBILE = "13977125866"
# Born 1958-03-12 in 天等县: numbers issued before 2002 keep the county's old code 452131 (451425 since 2002).
ID_NUMBER = "452131195803121235"


class Hall:
    """Small helpers over one live server: open a page in a fresh browser context (one per desk PC or phone), log in."""

    def __init__(self, live_server, new_page):
        self.base = live_server.url
        self.new_page = new_page

    def url(self, path: str) -> str:
        return self.base + path

    def open(self, path: str, **context):
        page = self.new_page(**context)
        page.static_statuses = {}

        def record(response):
            if "/static/" in response.url:
                page.static_statuses[response.url] = response.status

        page.on("response", record)
        page.goto(self.url(path))
        return page

    def log_in(self, username: str):
        page = self.open("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", DEMO_PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        assert "/accounts/login/" not in page.url, f"{username} could not log in"
        return page


def assert_styled(page) -> None:
    """Bootstrap and hall.css are served under the live server (DEBUG off) and applied."""
    assert page.static_statuses, "the page loaded no static files"
    assert all(status in (200, 304) for status in page.static_statuses.values()), page.static_statuses
    assert page.evaluate("getComputedStyle(document.querySelector('nav.navbar')).display") == "flex"  # Bootstrap
    assert "Microsoft YaHei" in page.evaluate("getComputedStyle(document.body).fontFamily")  # hall.css


def pipeline(page) -> list[tuple[str, str]]:
    """(state class, text) of each step in the page's pipeline, in order."""
    items = page.locator("ol.pipeline > li")
    return [(items.nth(i).get_attribute("class"), items.nth(i).inner_text()) for i in range(items.count())]


def assert_success(page) -> None:
    assert page.locator(".alert-success").count() == 1, page.locator("body").inner_text()
    assert page.locator(".alert-danger").count() == 0


def complete_step(page, outcome: str) -> None:
    page.fill("#f-complete", outcome)
    page.locator("form[action$='/complete/'] button[type=submit]").click()
    page.wait_for_load_state()
    assert_success(page)


def test_zhao_guoxiang_gets_his_medical_assistance_form_in_one_morning(live_server, transactional_db, new_page):
    call_command("seed_demo", stdout=io.StringIO())
    matter = Matter.objects.get(code=MATTER_CODE)
    hall = Hall(live_server, new_page)

    # --- 印勇村's duty cadre at the village desk --------------------------------------------------------------
    desk = hall.log_in("cadre_yinyong")
    assert desk.url == hall.url("/desk/")
    assert VILLAGE in desk.locator("h1").inner_text()
    assert_styled(desk)

    desk.select_option("#id_matter", MATTER_CODE)
    desk.locator("form[action$='/desk/intake/'] button[type=submit]").click()
    desk.wait_for_load_state()
    assert matter.name in desk.locator("h1").inner_text()

    assert ric.is_valid(ID_NUMBER)
    desk.fill("#id_applicant_name", APPLICANT)
    desk.fill("#id_applicant_id_number", ID_NUMBER)
    desk.fill("#id_applicant_phone", MOBILE)
    desk.select_option("#id_hamlet", label=HAMLET)
    materials = desk.locator("input[name=materials]")
    assert materials.count() == matter.materials.count() == 5
    for i in range(materials.count()):
        materials.nth(i).check()
    desk.locator("button[name=decision][value=open]").click()
    desk.wait_for_load_state()

    # The receipt: number, matter, every material received, and the QR code for the villager.
    opened = re.fullmatch(re.escape(hall.url("/cases/")) + r"(451425102-\d{8}-\d{4})/receipt/", desk.url)
    assert opened, desk.url
    case = Case.objects.get(number=opened[1])
    assert (case.applicant_name, case.applicant_id_number, case.applicant_phone) == (APPLICANT, ID_NUMBER, MOBILE)
    assert (case.village.name, case.hamlet.name, case.missing_materials) == (VILLAGE, HAMLET, [])
    receipt = desk.locator("article").inner_text()
    assert case.number in receipt
    assert matter.name in receipt
    for material in matter.materials.all():
        assert material.name in receipt
    assert desk.locator(".qr svg").is_visible()
    assert f"/t/{case.token}/" in receipt

    # The one-stop view: village certificate → 民政办 → 党政办 → 县民政局 (referral); the village step is active.
    desk.locator(f"a[href='/cases/{case.number}/']").first.click()
    desk.wait_for_load_state()
    steps = pipeline(desk)
    assert [state for state, _ in steps] == ["active", "pending", "pending", "pending"]
    assert ["民政办" in steps[1][1], "党政办" in steps[2][1], "县民政局" in steps[3][1]] == [True, True, True]
    assert ID_NUMBER in desk.locator("main").inner_text()  # the cadre sees the full number to verify it

    # The stamp needs the seal confirmation: without the tick the browser does not submit.
    stamp = desk.locator("form[action$='/stamp/']")
    desk.fill("#f-note", "户籍在本村那显屯，家庭困难、住院自付费用属实")
    stamp.locator("button[type=submit]").click()
    assert desk.locator("#f-seal").evaluate("el => el.validity.valueMissing")
    assert CaseStep.objects.get(case=case, kind=CaseStep.Kind.VILLAGE).state == CaseStep.State.ACTIVE
    desk.check("#f-seal")
    stamp.locator("button[type=submit]").click()
    desk.wait_for_load_state()
    assert_success(desk)
    steps = pipeline(desk)
    assert [state for state, _ in steps] == ["done", "active", "pending", "pending"]
    assert "民政办" in steps[1][1]
    assert desk.locator(f"a[href='/cases/{case.number}/print/certificate/']").is_visible()
    assert CaseEvent.objects.filter(case=case, action=CaseEvent.Action.STAMPED).count() == 1

    # --- 党政办 has not got it yet: a clerk never sees a case before it reaches the desk ----------------------------
    dangzheng = hall.log_in("clerk_dangzheng")
    assert dangzheng.url == hall.url("/queue/")
    assert dangzheng.locator(f"a[href='/cases/{case.number}/']").count() == 0

    # --- 民政办 -------------------------------------------------------------------------------------------------
    minzheng = hall.log_in("clerk_minzheng")
    assert minzheng.url == hall.url("/queue/")
    assert "民政办" in minzheng.locator("h1").inner_text()
    row = minzheng.locator("tbody tr", has=minzheng.locator(f"a[href='/cases/{case.number}/']"))
    assert row.count() == 1
    assert APPLICANT in row.inner_text()
    assert VILLAGE in row.inner_text()
    row.locator("form[action$='/accept/'] button").click()  # 接件: the paper file arrived
    minzheng.wait_for_load_state()
    assert_success(minzheng)
    row = minzheng.locator("tbody tr", has=minzheng.locator(f"a[href='/cases/{case.number}/']"))
    assert row.locator("form[action$='/accept/']").count() == 0
    row.locator("a.btn-primary").click()
    minzheng.wait_for_load_state()
    assert minzheng.url == hall.url(f"/cases/{case.number}/")
    complete_step(minzheng, "符合医疗救助对象条件，医疗费用票据已审核，同意救助")
    steps = pipeline(minzheng)
    assert [state for state, _ in steps] == ["done", "done", "active", "pending"]
    assert "同意救助" in steps[1][1]
    assert "党政办" in steps[2][1]
    assert minzheng.locator("form[action$='/complete/']").count() == 0  # no longer at 民政办's desk

    # --- 党政办 -------------------------------------------------------------------------------------------------
    dangzheng.reload()
    row = dangzheng.locator("tbody tr", has=dangzheng.locator(f"a[href='/cases/{case.number}/']"))
    assert row.count() == 1
    row.locator("a.btn-primary").click()
    dangzheng.wait_for_load_state()
    complete_step(dangzheng, "审批登记，已加盖镇人民政府公章")

    # Now at the county step: referral to 县民政局; the approved form prints.
    steps = pipeline(dangzheng)
    assert [state for state, _ in steps] == ["done", "done", "done", "active"]
    assert "县民政局" in steps[3][1]
    case.refresh_from_db()
    assert case.state == Case.State.IN_PROGRESS
    county = case.steps.get(kind=CaseStep.Kind.COUNTY)
    assert (county.state, county.department.name, county.county_mode) == ("active", "县民政局", "referral")
    assert dangzheng.locator("#f-county_outcome").is_visible()  # 党政办 records the county's result later

    dangzheng.locator(f"a[href='/cases/{case.number}/print/referral/']").click()
    dangzheng.wait_for_load_state()
    form = dangzheng.locator("article").inner_text()
    for text in (APPLICANT, ID_NUMBER, VILLAGE, HAMLET, matter.name, "同意救助", "已加盖镇人民政府公章", "县民政局"):
        assert text in form, text
    assert dangzheng.locator("article .seal-zone").is_visible()  # the seal area over the town government's name
    assert dangzheng.locator("button[data-print]").is_visible()  # static/hall/print.js (no inline script: CSP)

    # --- 赵国向 on his phone -------------------------------------------------------------------------------------
    phone = hall.open("/track/", **PHONE)
    assert_styled(phone)
    phone.fill("#id_number", case.number)
    phone.fill("#id_phone4", "0000")
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_load_state()
    assert phone.url == hall.url("/track/")
    assert phone.locator(".alert-danger").is_visible()

    phone.fill("#id_number", case.number)
    phone.fill("#id_phone4", MOBILE[-4:])
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_load_state()
    assert phone.url == hall.url(f"/t/{case.token}/")
    page = phone.locator("body").inner_text()
    assert "赵**" in page
    assert matter.name in page
    assert case.number in page
    for secret in (APPLICANT, ID_NUMBER, ID_NUMBER[-4:], MOBILE, MOBILE[-4:], HAMLET):
        assert secret not in page, secret
    steps = pipeline(phone)
    assert [state for state, _ in steps] == ["done", "done", "done", "active"]
    assert "县民政局" in steps[3][1]
    assert "县民政局" in phone.locator(".alert").first.inner_text()  # "now at" the county step
    # Reads on a phone: nothing wider than the screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
