"""Each role logs in on the real login page, lands on its own place, and is kept out of the others."""

import pytest

from departments.models import DepartmentMember
from tests.factories import PASSWORD, DepartmentMemberFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"

PAGE_OWNERS = {"/desk/": "cadre", "/queue/": "clerk", "/appointments/": "county_officer"}
ROLES = ["cadre", "clerk", "county_officer", "town_office", "supervisor", "no_role_user"]


def test_login_page_is_in_chinese(client):
    response = client.get(LOGIN)

    assert response.status_code == 200
    content = response.content.decode()
    assert 'lang="zh-hans"' in content
    assert "登录" in content


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("cadre", "/desk/"),
        ("clerk", "/queue/"),
        ("county_officer", "/county/"),
        ("town_office", "/admin/"),
        ("supervisor", "/admin/"),
        ("superuser", "/admin/"),
        ("no_role_user", "/no-role/"),
    ],
)
def test_role_logs_in_and_lands_on_its_place(client, request, role, landing):
    user = request.getfixturevalue(role)

    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD}, follow=True)

    assert response.redirect_chain, response.content.decode()
    assert response.redirect_chain[-1][0] == landing
    assert response.status_code == 200
    assert response.wsgi_request.user == user


def test_officer_of_a_department_without_a_county_board_lands_on_the_appointments(client, department):
    """The county board lists county departments only; a county officer's membership of a town desk has none."""
    user = DepartmentMemberFactory(department=department, role=DepartmentMember.Role.COUNTY_OFFICER).user

    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == "/appointments/"


def test_wrong_password_stays_on_login_page(client, cadre):
    response = client.post(LOGIN, {"username": cadre.username, "password": "wrong"})

    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    assert response.context["form"].errors


@pytest.mark.parametrize(("page", "owner"), PAGE_OWNERS.items())
def test_role_page_opens_for_its_owner(client_for, request, page, owner):
    response = client_for(request.getfixturevalue(owner)).get(page)

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("page", "role"),
    [(page, role) for page, owner in PAGE_OWNERS.items() for role in ROLES if role != owner],
)
def test_role_page_refuses_other_roles(client_for, request, page, role):
    response = client_for(request.getfixturevalue(role)).get(page)

    assert response.status_code == 403


@pytest.mark.parametrize("page", PAGE_OWNERS)
def test_role_page_sends_anonymous_user_to_login(client, page):
    response = client.get(page)

    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next={page}"


def test_inactive_cadre_membership_gives_no_desk(client_for, cadre):
    cadre.village_memberships.update(is_active=False)

    response = client_for(cadre).get("/desk/")

    assert response.status_code == 403
