"""The shared-PC idle logout in a real browser (issue 8, point 2): the warning with 继续 appears before the end,
继续 keeps the session, and at the end the page goes to the login and the desk is gone."""

import pytest

from tests.factories import PASSWORD, VillageCadreFactory, VillageFactory

pytestmark = [pytest.mark.browser]


@pytest.fixture
def short_idle(settings):
    settings.SESSION_IDLE_SECONDS = 6
    settings.SESSION_IDLE_WARNING_SECONDS = 3


def log_in(page, base, user):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("form[method=post] button[type=submit]")
    page.wait_for_url(f"{base}/desk/")


def test_idle_desk_warns_then_logs_out(live_server, transactional_db, new_page, short_idle):
    cadre = VillageCadreFactory(village=VillageFactory(name="爱乐村")).user
    page = new_page()
    log_in(page, live_server.url, cadre)

    page.wait_for_selector("#idle-warning", state="visible", timeout=8_000)
    assert "继续" in page.inner_text("#idle-warning")
    page.wait_for_url(f"{live_server.url}/accounts/login/**", timeout=10_000)

    page.goto(f"{live_server.url}/desk/")
    assert "/accounts/login/" in page.url


def test_continue_keeps_the_desk_open(live_server, transactional_db, new_page, short_idle):
    cadre = VillageCadreFactory(village=VillageFactory(name="爱乐村")).user
    page = new_page()
    log_in(page, live_server.url, cadre)

    page.wait_for_selector("#idle-warning", state="visible", timeout=8_000)
    page.click("#idle-continue")
    page.wait_for_selector("#idle-warning", state="hidden")
    page.wait_for_timeout(2_000)

    assert page.url == f"{live_server.url}/desk/"
    page.goto(f"{live_server.url}/desk/")
    assert page.url == f"{live_server.url}/desk/"
