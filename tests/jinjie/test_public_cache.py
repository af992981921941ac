"""Issue 13 point 6: the public pages (hall board, guide, town chooser) come from a short-lived cache for visitors
without a session; a logged-in user, a visitor with a cookie of their own, a page with a CSRF form and the board's
calls are always fresh (jinjie/public_cache.py)."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from jinjie.public_cache import PUBLIC_PAGES
from tests.factories import MatterFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def matter(town):
    return MatterFactory(town=town, code="dibao", name="最低生活保障", is_active=True)


def _rename(matter, name):
    type(matter).objects.filter(pk=matter.pk).update(name=name)


def test_a_visitor_gets_the_guide_from_the_cache_until_it_expires(client, matter, django_assert_num_queries):
    url = reverse("cases:guide_detail", kwargs={"code": matter.code})
    assert "最低生活保障" in client.get(url).content.decode()
    _rename(matter, "低保（改名）")

    with django_assert_num_queries(0):
        again = client.get(url)
    assert again.status_code == 200
    assert "最低生活保障" in again.content.decode()  # the copy, at most PUBLIC_PAGES seconds old
    assert "max-age=60" in again["Cache-Control"]
    assert again["Content-Security-Policy"]  # the security headers are those of every response

    cache.clear()  # the minute has passed
    assert "低保（改名）" in client.get(url).content.decode()


def test_a_logged_in_user_always_gets_the_page_fresh(client_for, town_office, matter):
    url = reverse("cases:guide_detail", kwargs={"code": matter.code})
    Client().get(url)  # a visitor's copy is in the cache
    _rename(matter, "低保（改名）")

    assert "低保（改名）" in client_for(town_office).get(url).content.decode()


def test_a_visitor_with_a_cookie_of_their_own_gets_the_page_fresh(client, matter):
    url = reverse("cases:guide_detail", kwargs={"code": matter.code})
    client.get(url)
    _rename(matter, "低保（改名）")
    client.cookies["messages"] = "a flash message for this visitor"

    assert "低保（改名）" in client.get(url).content.decode()


def test_the_board_keeps_a_copy_per_kind_of_request(client, town):
    full = client.get(reverse("hall"))
    part = client.get(reverse("hall"), headers={"HX-Request": "true"})
    full_again = client.get(reverse("hall"))

    assert full.status_code == part.status_code == 200
    assert b"<html" in full.content and b"<html" not in part.content
    assert full_again.content == full.content
    assert "HX-Request" in full["Vary"]


def test_the_calls_the_board_speaks_are_never_cached():
    assert "tickets:board_calls" not in PUBLIC_PAGES and "town:board_calls" not in PUBLIC_PAGES


def test_a_page_with_a_csrf_token_is_never_shared(rf):
    """A page that carries a CSRF token (the token belongs to the asker's cookie) keeps no copy; one without does."""
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    from jinjie.public_cache import shared_copy

    rendered = []

    def with_form(request):
        rendered.append("form")
        return HttpResponse(f"<form>{get_token(request)}</form>")

    def plain(request):
        rendered.append("plain")
        return HttpResponse("guide")

    form_view, plain_view = shared_copy(with_form, 60), shared_copy(plain, 60)
    for _ in range(2):
        form_view(rf.get("/with-form/"))
        plain_view(rf.get("/plain/"))

    assert rendered.count("form") == 2  # rendered for each asker
    assert rendered.count("plain") == 1  # the second from the copy
