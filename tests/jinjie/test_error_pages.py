"""The error pages are Chinese and carry the same headers as every page (issue 8, point 4).

Tests run with DEBUG off, so these are the pages a villager or cadre really sees. The views that fail on purpose
live in this module's own URLconf, next to the real one (and the real handlers, from jinjie/urls.py).
"""

import pytest
from django.core.exceptions import BadRequest, PermissionDenied
from django.db import OperationalError, connection
from django.test import Client, override_settings
from django.urls import path, reverse

from jinjie import urls as hall_urls

pytestmark = pytest.mark.django_db

THIS_URLCONF = "tests.jinjie.test_error_pages"


def _refuse_queries(execute, sql, params, many, context):
    raise OperationalError("the database is down")


def _forbidden(request):
    raise PermissionDenied


def _broken(request):
    raise RuntimeError("a bug")


def _database_down(request):
    """From here on every query fails, as when the database server has gone away."""
    connection.execute_wrappers.append(_refuse_queries)
    raise OperationalError("the database is down")


def _bad(request):
    raise BadRequest("unreadable")


urlpatterns = [
    path("test-errors/forbidden/", _forbidden),
    path("test-errors/broken/", _broken),
    path("test-errors/database-down/", _database_down),
    path("test-errors/bad/", _bad),
    *hall_urls.urlpatterns,
]
handler400 = hall_urls.handler400
handler403 = hall_urls.handler403
handler404 = hall_urls.handler404
handler500 = hall_urls.handler500


@pytest.fixture
def database_comes_back():
    yield
    connection.execute_wrappers[:] = [w for w in connection.execute_wrappers if w is not _refuse_queries]


def assert_hall_headers(response):
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response.headers["Permissions-Policy"]


def assert_navigation(html: str):
    assert '<nav class="navbar' in html
    assert 'href="/guide/"' in html  # the site's menu, not just a bare page
    assert 'href="/track/"' in html


def test_missing_page_is_a_chinese_404_with_the_site_navigation(client, town):
    response = client.get("/no-such-page/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in html
    assert "请检查网址" in html
    assert_navigation(html)
    assert 'href="/"' in html
    assert "/no-such-page/" not in html  # the page does not echo what was typed
    assert_hall_headers(response)


def test_404_for_a_cadre_keeps_the_cadre_menu(client_for, cadre):
    response = client_for(cadre).get("/cases/451425102-20990101-0001/")  # no such case

    html = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in html
    assert 'href="/desk/"' in html
    assert "韦丽华" in html


@override_settings(ROOT_URLCONF=THIS_URLCONF)
def test_permission_denied_is_a_chinese_403_with_the_site_navigation(client_for, cadre):
    response = client_for(cadre).get("/test-errors/forbidden/")

    html = response.content.decode()
    assert response.status_code == 403
    assert "无权访问" in html
    assert "请联系镇办" in html
    assert_navigation(html)
    assert 'href="/desk/"' in html
    assert_hall_headers(response)


def test_a_real_refusal_shows_the_chinese_403(client_for, cadre):
    """The duty roster is for the town office and the supervisor: a cadre gets the 403 page, not Django's bare one."""
    response = client_for(cadre).get(reverse("villages:roster"))

    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


@override_settings(ROOT_URLCONF=THIS_URLCONF)
def test_server_error_is_a_chinese_500_page(client):
    client.raise_request_exception = False

    response = client.get("/test-errors/broken/")

    html = response.content.decode()
    assert response.status_code == 500
    assert "系统出错了" in html
    assert "请告知镇办" in html
    assert "村事镇办" in html  # the site's name
    assert 'href="/"' in html  # and the way home
    assert_navigation(html)
    assert "a bug" not in html
    assert_hall_headers(response)


@override_settings(ROOT_URLCONF=THIS_URLCONF)
def test_500_page_needs_neither_the_database_nor_the_request(client_for, cadre, database_comes_back):
    client = client_for(cadre)
    client.raise_request_exception = False

    response = client.get("/test-errors/database-down/")

    html = response.content.decode()
    assert response.status_code == 500
    assert "系统出错了" in html
    assert "韦丽华" not in html  # rendered without the request's user: nothing there can fail a second time
    assert_navigation(html)  # the site's menu all the same: it is read from the URLconf, not the database
    assert 'href="/hall/"' in html
    assert 'href="/start/"' in html  # staff go through the landing page, which knows who is signed in


@override_settings(ROOT_URLCONF=THIS_URLCONF)
def test_bad_request_is_a_chinese_400_page(client):
    response = client.get("/test-errors/bad/")

    html = response.content.decode()
    assert response.status_code == 400
    assert "请求有误" in html
    assert 'href="/"' in html
    assert_navigation(html)
    assert_hall_headers(response)


def test_csrf_failure_is_a_chinese_page_that_says_to_go_back_and_refresh(town):
    client = Client(enforce_csrf_checks=True)

    response = client.post("/accounts/login/", {"username": "someone", "password": "pw"})

    html = response.content.decode()
    assert response.status_code == 403
    assert "页面已过期，请返回刷新后重试" in html
    assert_navigation(html)
    assert "CSRF" not in html  # no technical reason shown to a villager or cadre
    assert_hall_headers(response)


def test_csrf_failure_for_a_signed_in_cadre_keeps_the_cadre_menu(cadre):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cadre)

    response = client.post("/desk/intake/", {})

    html = response.content.decode()
    assert response.status_code == 403
    assert "页面已过期" in html
    assert 'href="/desk/"' in html
    # The page's own logout form carries a fresh token, and the cookie for it comes with the page.
    assert response.cookies["csrftoken"].value


def test_a_token_from_the_page_is_accepted_after_the_refresh(town):
    """Refreshing really is enough: the login form's fresh token passes the check."""
    client = Client(enforce_csrf_checks=True)
    client.post("/accounts/login/", {"username": "someone", "password": "pw"})

    page = client.get("/accounts/login/")
    token = page.context["csrf_token"]
    response = client.post("/accounts/login/", {"username": "someone", "password": "pw", "csrfmiddlewaretoken": token})

    assert response.status_code == 200  # the login form again, with its error: not the 403 page
    assert "页面已过期" not in response.content.decode()


def test_unknown_matter_in_the_guide_is_the_chinese_404_with_the_site_navigation(client, town):
    response = client.get("/guide/no-such-matter/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in html
    assert_navigation(html)


@override_settings(ROOT_URLCONF=THIS_URLCONF)
def test_500_page_makes_no_query(client, django_assert_num_queries):
    """Rendering the page itself asks nothing of the database (the failing view's own query is all there is)."""
    client.raise_request_exception = False

    with django_assert_num_queries(0):
        response = client.get("/test-errors/broken/")

    assert response.status_code == 500
    assert_navigation(response.content.decode())
