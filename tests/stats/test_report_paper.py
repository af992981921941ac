"""Issue 11 point 1 and issue 10 point 1: the town office files the report as a numbered paper (统计报表) — numbered
from the town's gap-free sequence (进结统〔2026〕1号), its figures kept as they were when issued, withdrawn when
issued again, refused to a supervisor, another town and an unfinished period — and prints it (or an unnumbered
draft) as a government statistics form with the signature lines, the seal area, the phones and the QR code."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from cases.models import Case, CaseStep, Matter, Paper
from departments.models import Department
from stats import services
from stats.periods import Period
from tests.factories import TownFactory, TownStaffFactory
from tests.stats.conftest import desk_step, local, make_case, mar
from tests.stats.test_exact_month import NOW, world  # noqa: F401 — the known month
from villages.models import TownStaff

pytestmark = pytest.mark.django_db

TOWN = "451425102"
PENDING = Path(settings.BASE_DIR) / "locale" / "pending" / "report_paper.json"


@pytest.fixture
def office(world, town_office, client_for, freeze):  # noqa: F811
    freeze(NOW)
    return client_for(town_office)


def _issue(client, period="2026-03", replacing="", follow=False):
    url = f"{reverse('admin:stats_issue')}?town={TOWN}&period={period}"
    return client.post(url, {"replacing": replacing}, follow=follow)


def _print(client, period="2026-03", number=None):
    params = {"town": TOWN, "period": period}
    if number:
        params["number"] = number
    response = client.get(reverse("admin:stats_print"), params)
    assert response.status_code == 200
    return response


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _reports():
    return list(Paper.objects.filter(kind=Paper.Kind.REPORT).order_by("seq"))


def _received(response) -> int:
    return next(row["value"] for row in response.context["headline"] if row["key"] == "received")


def _another_march_case(town):
    """One more case received in March (22 instead of 21): the data changed after the report was issued."""
    return make_case(
        matter=Matter.objects.get(code="t5-sscard"),
        village=town.villages.get(name="爱乐村"),
        received_at=mar(30, 10),
        state=Case.State.IN_PROGRESS,
        steps=[
            desk_step(
                Department.objects.get(town=town, name="民政办"), state=CaseStep.State.ACTIVE, started=mar(30, 10)
            )
        ],
    )


# --- issuing -----------------------------------------------------------------------------------------------------


def test_the_town_office_issues_the_report_numbered_from_the_towns_sequence(office, town, town_office):
    response = _issue(office, follow=True)
    (paper,) = _reports()
    assert paper.number == f"{town.prefix}统〔2026〕1号" == "进结统〔2026〕1号"
    assert paper.case is None and paper.town == town
    assert paper.issuer == "天等县进结镇人民政府"
    assert paper.handled_by == town_office
    assert paper.content["period"] == "2026-03"
    assert paper.content["report"]["figures"]["received"] == 21
    assert response.redirect_chain[-1][0].startswith(reverse("admin:stats_print"))
    assert response.context["paper"] == paper
    assert any(paper.number in m for m in _messages(response))


def test_a_report_of_another_period_gets_the_next_number(office):
    _issue(office, "2026-03")
    _issue(office, "2026-02")
    assert [p.number for p in _reports()] == ["进结统〔2026〕1号", "进结统〔2026〕2号"]
    assert [p.content["period"] for p in _reports()] == ["2026-03", "2026-02"]
    assert all(p.withdrawn_at is None for p in _reports())


def test_the_issued_paper_keeps_its_figures_and_the_draft_shows_the_new_ones(office, town):
    _issue(office)
    (paper,) = _reports()
    _another_march_case(town)
    issued = _print(office, number=paper.number)
    draft = _print(office)
    assert _received(issued) == 21
    assert _received(draft) == 22
    received_label = next(row["label"] for row in issued.context["headline"] if row["key"] == "received")
    pattern = rf"<td>{re.escape(received_label)}</td>\s*<td class=\"n\">(\d+)</td>"
    assert re.search(pattern, issued.content.decode()).group(1) == "21"
    assert re.search(pattern, draft.content.decode()).group(1) == "22"


def test_issuing_again_withdraws_the_first_and_gives_the_next_number(office, town):
    _issue(office)
    (first,) = _reports()
    _another_march_case(town)
    response = _issue(office, replacing=first.number, follow=True)
    first.refresh_from_db()
    second = _reports()[-1]
    assert second.number == "进结统〔2026〕2号"
    assert first.withdrawn_at is not None and first.withdrawn_reason
    assert second.withdrawn_at is None
    assert second.content["report"]["figures"]["received"] == 22
    assert services.current_report_paper(town=town, period=Period.month(2026, 3)) == second
    assert response.context["paper"] == second

    public = office.__class__()  # a villager scanning the QR code: no login
    page = public.get(first.get_verify_url())
    assert page.status_code == 200
    assert gettext("This paper is genuine: it was issued by the town's service hall and is in force.") not in (
        page.content.decode()
    )
    assert page.context["paper"] == first and not page.context["paper"].is_current
    assert "2026年4月15日" in page.content.decode()  # withdrawn on
    assert first.withdrawn_reason in page.content.decode()
    # the withdrawn paper, printed, says so
    printed = _print(office, number=first.number).content.decode()
    assert "paper-withdrawn" in printed


def test_a_stale_form_issues_nothing_and_says_so(office):
    _issue(office, follow=True)  # the first click, its message read
    response = _issue(office, replacing="", follow=True)  # the second click, from the same page
    assert [p.number for p in _reports()] == ["进结统〔2026〕1号"]
    assert _reports()[0].withdrawn_at is None
    (message,) = _messages(response)
    assert "进结统〔2026〕1号" in message
    assert response.redirect_chain[-1][0].startswith(reverse("admin:stats"))


def test_a_stale_replacing_number_issues_nothing(office):
    _issue(office)
    _issue(office, replacing="进结统〔2026〕1号", follow=True)  # a colleague issued again: 1 withdrawn, 2 current
    response = _issue(office, replacing="进结统〔2026〕1号", follow=True)  # this page still showed 1
    assert [p.number for p in _reports()] == ["进结统〔2026〕1号", "进结统〔2026〕2号"]
    assert _reports()[1].withdrawn_at is None
    assert any("进结统〔2026〕2号" in m for m in _messages(response))


def test_a_supervisor_cannot_issue(world, supervisor, client_for, freeze):  # noqa: F811
    freeze(NOW)
    response = _issue(client_for(supervisor), follow=True)
    assert _reports() == []
    assert _messages(response) == [gettext("Only the town office issues the report.")]


def test_a_supervisor_may_read_the_draft(world, supervisor, client_for, freeze):  # noqa: F811
    freeze(NOW)
    response = _print(client_for(supervisor))
    assert response.context["paper"] is None


def test_a_period_not_yet_over_is_refused(office):
    response = _issue(office, "2026-04", follow=True)
    assert _reports() == []
    (message,) = _messages(response)
    assert "2026年4月30日" in message or "2026年5月1日" in message


def test_another_towns_office_gets_403_and_no_paper(world, client_for, freeze):  # noqa: F811
    freeze(NOW)
    other = TownFactory(code="451425999", name="龙茗镇")
    user = TownStaffFactory(town=other, role=TownStaff.Role.OFFICE, user__is_staff=True, user__town=other).user
    response = _issue(client_for(user))
    assert response.status_code == 403
    assert _reports() == []
    assert client_for(user).get(reverse("admin:stats_print"), {"town": TOWN, "period": "2026-03"}).status_code == 403


def test_get_on_the_issue_url_is_405(office):
    response = office.get(f"{reverse('admin:stats_issue')}?town={TOWN}&period=2026-03")
    assert response.status_code == 405
    assert _reports() == []


# --- the printed paper -------------------------------------------------------------------------------------------

FORM_LABELS = {
    "Reporting unit": "填报单位",
    "Prepared by": "填报人",
    "Checked by": "审核人",
    "Leader in charge": "分管领导",
    "Reporting unit (seal)": "填报单位（盖章）",
}


def _zh(msgid: str) -> str:
    """The zh-Hans of a msgid: the compiled catalogue's, or — until `make messages` — locale/pending's."""
    with translation.override("zh-hans"):
        text = gettext(msgid)
    if text == msgid:
        text = json.loads(PENDING.read_text(encoding="utf-8")).get(msgid, msgid)
    return text


def test_the_form_words_are_the_ones_a_government_statistics_form_uses():
    assert {msgid: _zh(msgid) for msgid in FORM_LABELS} == FORM_LABELS
    assert _zh("Supervision and complaint phone") == "监督投诉电话"
    assert _zh("Increase or decrease") == "增减"  # the 环比/同比 column: not "Change", which the catalogue has as 修改


def _common(content: str):
    assert "进结镇“村事镇办”便民服务站2026年3月工作情况统计表" in content
    for msgid in FORM_LABELS:
        assert gettext(msgid) in content, msgid
    assert "天等县进结镇人民政府" in content
    assert 'class="seal-zone"' in content
    assert gettext("Supervision and complaint phone") in content
    assert content.count(f"<th>{gettext('Total')}</th>") >= 4  # the 合计 row of every breakdown
    assert "年0" not in content and "月0" not in content
    assert 'id="header"' not in content and "breadcrumbs" not in content  # not the admin's chrome


def test_the_issued_paper_prints_as_a_numbered_form_with_its_qr_code(office):
    _issue(office)
    (paper,) = _reports()
    response = _print(office, number=paper.number)
    content = response.content.decode()
    _common(content)
    assert paper.number in content
    assert "<svg" in content and 'class="qr"' in content
    assert "2026年4月15日" in content
    assert gettext("Draft — not numbered, not for filing. Number and issue it on the statistics page.") not in content


def test_the_draft_says_it_is_a_draft_and_has_no_number(office):
    content = _print(office).content.decode()
    _common(content)
    assert gettext("Draft — not numbered, not for filing. Number and issue it on the statistics page.") in content
    assert "统〔" not in content
    assert "<svg" not in content
    assert "2026年4月15日" in content


def test_dates_are_written_without_leading_zeros(world, town_office, client_for, freeze):  # noqa: F811
    freeze(local(2026, 4, 5, 9, 30))
    client = client_for(town_office)
    _issue(client)
    (paper,) = _reports()
    for response in (_print(client), _print(client, number=paper.number)):
        content = response.content.decode()
        assert "2026年4月5日" in content
        assert "年0" not in content and "月0" not in content and "2026-04-05" not in content


def test_the_phones_are_printed(office, town):
    town.phone = "0771-3551234"
    town.complaint_phone = "0771-3559999"
    town.save()
    content = _print(office).content.decode()
    assert "0771-3551234" in content and "0771-3559999" in content


def test_the_verify_page_of_a_report_shows_what_it_is_and_nothing_personal(office, town_office):
    _issue(office)
    (paper,) = _reports()
    public = office.__class__()
    response = public.get(paper.get_verify_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert paper.get_kind_display() in content
    assert paper.number in content
    assert "天等县进结镇人民政府" in content
    assert "2026年4月15日" in content
    assert gettext("This paper is genuine: it was issued by the town's service hall and is in force.") in content
    assert gettext("Applicant") not in content
    assert "黄必刘" not in content and "13907715678" not in content
    assert town_office.username not in content
    if town_office.get_full_name():
        assert town_office.get_full_name() not in content


def test_the_signature_lines_are_not_in_an_element_the_print_stylesheet_hides(office):
    """hall.css hides every <footer> and <nav> in print (the site's chrome): the paper's sign-off must not be one."""
    content = _print(office).content.decode()
    paper = content[content.index("<article") : content.index("</article>")]
    assert gettext("Prepared by") in paper and "seal-zone" in paper
    assert "<footer" not in paper and "<nav" not in paper and "no-print" not in paper


def test_the_signed_form_comes_first_and_the_breakdowns_follow_as_attached_tables(office):
    """Issue 10 point 1: the form a town signs and stamps is the first A4 page (headline, totals, signatures, seal,
    phones, QR); the breakdowns follow from a new page as 附表 (static/hall/report.css: break-before)."""
    content = _print(office).content.decode()
    signoff = content.index('class="report-signoff"')
    attachments = content.index('class="report-attachments"')
    assert content.index("report-headline") < signoff < attachments
    assert "附表" in content[attachments:]
    assert content.index("合计", attachments) > attachments  # the 合计 rows are in the attached tables
    css = (settings.BASE_DIR / "static" / "hall" / "report.css").read_text()
    assert ".report-attachments { break-before: page;" in css


def test_the_issue_button_shows_for_a_finished_period_and_not_for_the_running_one(office, client_for, supervisor):
    issue_url = reverse("admin:stats_issue")
    finished = office.get(reverse("admin:stats"), {"town": TOWN, "period": "2026-03"}).content.decode()
    running = office.get(reverse("admin:stats"), {"town": TOWN, "period": "2026-04"}).content.decode()
    read_only = client_for(supervisor).get(reverse("admin:stats"), {"period": "2026-03"}).content.decode()

    assert issue_url in finished
    assert issue_url not in running
    assert gettext("The report can be numbered and issued once the period is over.") in running
    assert issue_url not in read_only
