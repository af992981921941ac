"""The pages work in a real browser under the Content-Security-Policy (issue 8, point 4).

Chromium enforces the policy the server sends: an inline script, handler or style that slipped back in would be
refused, reported as a `securitypolicyviolation` event and on the console — and these tests fail on either. They also
click what used to be inline (the print buttons, the market-day date buttons, the hall board's refresh) to show it
still works from the static files, and one test injects inline code on purpose to show the detector sees it.
"""

import pytest
from django.utils import timezone

from tests.factories import PASSWORD, MarketDayFactory, complete, open_case, stamp

pytestmark = pytest.mark.browser

# Runs in every page before its own scripts (Playwright's init scripts are not subject to the page's policy).
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " " + (e.sample || ""));
});
window.__printed = 0;
window.print = function () { window.__printed += 1; };
"""


class Watched:
    """A browser page that records CSP violations, console errors and uncaught script errors."""

    def __init__(self, new_page, base: str):
        self.base = base
        self.page = new_page()
        self.page.context.add_init_script(WATCH)
        self.console: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self.failed: list[str] = []
        self.page.on("response", lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    def _console(self, message):
        url = message.location.get("url") or ""
        if message.type == "error" and not url.endswith("/favicon.ico"):  # the admin's pages name no icon
            self.console.append(f"{message.text} ({url})")

    def go(self, path: str):
        response = self.page.goto(self.base + path)
        assert response.status == 200, (path, response.status)
        self.page.wait_for_load_state("load")
        return self.page

    def log_in(self, user):
        self.go("/accounts/login/")
        self.page.fill("#id_username", user.username)
        self.page.fill("#id_password", PASSWORD)
        self.page.locator("main form button[type=submit]").click()
        self.page.wait_for_load_state()
        assert "/accounts/login/" not in self.page.url, f"{user.username} could not log in"

    def violations(self) -> list[str]:
        return self.page.evaluate("window.__csp") + [m for m in self.console if "Content Security Policy" in m]

    def assert_clean(self):
        assert self.violations() == []
        assert self.console == [], self.failed


def style(page, selector: str, prop: str) -> str:
    return page.evaluate(f"getComputedStyle(document.querySelector({selector!r})).getPropertyValue({prop!r})")


@pytest.fixture
def booking_case(transactional_db, town, village, cadre, clerk, other_clerk, appointment_matter):
    """A case at its county step (县级约办), with market days ahead for the booking form's date buttons."""
    today = timezone.localdate()
    for days in (3, 6, 9):
        MarketDayFactory(town=town, date=today + timezone.timedelta(days=days))
    case = open_case(actor=cadre, matter=appointment_matter, village=village)
    stamp(case, cadre)
    complete(case, clerk)
    complete(case, other_clerk)
    return case


def test_public_pages_run_under_the_policy_without_a_violation(live_server, new_page, town, referral_matter):
    browser = Watched(new_page, live_server.url)

    home = browser.go("/")
    assert style(home, "nav.navbar", "display") == "flex"  # Bootstrap's stylesheet
    assert "Microsoft YaHei" in style(home, "body", "font-family")  # hall.css
    browser.go("/track/")
    guide = browser.go(f"/guide/{referral_matter.code}/")
    guide.locator("[data-print]").click()
    assert guide.evaluate("window.__printed") == 1  # the print button works from static/hall/print.js
    browser.assert_clean()

    missing = browser.page.goto(live_server.url + "/no-such-page/")  # the console logs the 404 itself, fine
    assert missing.status == 404
    assert "页面不存在" in browser.page.locator("h1").inner_text()
    assert style(browser.page, "nav.navbar", "display") == "flex"
    assert browser.violations() == []


def test_case_page_and_its_papers_work_under_the_policy(live_server, new_page, booking_case, other_clerk):
    browser = Watched(new_page, live_server.url)
    browser.log_in(other_clerk)

    detail = browser.go(booking_case.get_absolute_url())
    buttons = detail.locator("[data-fill-target='#f-date']")
    assert buttons.count() == 3
    second = buttons.nth(1).get_attribute("data-fill-value")
    assert detail.input_value("#f-date") != second
    buttons.nth(1).click()
    assert detail.input_value("#f-date") == second  # the date buttons work from static/hall/detail.js

    receipt = browser.go(f"/cases/{booking_case.number}/receipt/")
    assert receipt.locator(".qr svg").is_visible()  # inline <svg> markup: no policy needed
    assert style(receipt, "article.gov-paper", "max-width") != "none"  # the paper's width, from paper.css
    receipt.locator("[data-print]").click()
    assert receipt.evaluate("window.__printed") == 1

    certificate = browser.go(f"/cases/{booking_case.number}/print/certificate/")
    assert style(certificate, "p.indent", "text-indent") != "0px"
    assert certificate.locator(".seal-zone").is_visible()  # the seal area over the issuer's name, a class too

    browser.assert_clean()


def test_admin_stats_page_works_under_the_policy(live_server, new_page, town_office, booking_case):
    browser = Watched(new_page, live_server.url)
    browser.log_in(town_office)

    browser.go("/admin/")
    stats = browser.go("/admin/stats/")
    assert style(stats, ".stats-grid", "display") == "grid"  # static/hall/admin.css, was a <style> block
    assert style(stats, ".stats-tools form", "display") == "inline"
    assert style(stats, ".legend-received", "color") == "rgb(10, 79, 168)"
    stats.locator(".stats-tools [data-print]").click()
    assert stats.evaluate("window.__printed") == 1
    assert "#" not in stats.url  # the link does not jump to the top: print.js keeps the default from happening
    browser.go("/admin/oversight/")
    browser.go("/admin/cases/case/")

    browser.assert_clean()


def test_hall_board_refreshes_itself_under_the_policy(live_server, new_page, town):
    MarketDayFactory(town=town, date=timezone.localdate())
    browser = Watched(new_page, live_server.url)
    browser.page.clock.install()

    board = browser.go("/hall/")
    with board.expect_response(lambda r: r.request.headers.get("hx-request") == "true") as refresh:
        board.clock.run_for(31_000)  # htmx's "every 30s"
    assert refresh.value.status == 200
    assert board.locator("#board .board-title").count() == 1
    assert board.locator("head style").count() == 0  # htmx added no indicator style
    assert style(board, "body", "background-color") == "rgb(11, 29, 51)"  # hall.css's TV colours

    browser.assert_clean()


def test_the_browser_refuses_inline_code_and_the_watch_sees_it(live_server, new_page, town):
    """The negative control: were the policy missing or loose, this test — and with it the ones above — would fail."""
    browser = Watched(new_page, live_server.url)
    page = browser.go("/")

    page.evaluate(
        """() => {
          const s = document.createElement("script");
          s.textContent = "window.__ran = true";
          document.body.appendChild(s);
          document.body.insertAdjacentHTML("beforeend", '<p id="styled" style="color: rgb(255, 0, 0)">x</p>');
        }"""
    )
    page.wait_for_function("window.__csp.length >= 2")

    assert page.evaluate("window.__ran === undefined")  # the inline script did not run
    assert style(page, "#styled", "color") != "rgb(255, 0, 0)"  # the inline style was not applied
    violated = " ".join(browser.violations())
    assert "script-src" in violated
    assert "style-src" in violated
