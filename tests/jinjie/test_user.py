"""The custom user: one `name` field (Chinese names don't split) and a phone."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist

from tests.factories import UserFactory

User = get_user_model()


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_user_has_no_first_or_last_name(field):
    with pytest.raises(FieldDoesNotExist):
        User._meta.get_field(field)


def test_full_and_short_name_are_the_name():
    user = User(username="hbl", name="黄必刘")

    assert user.get_full_name() == "黄必刘"
    assert user.get_short_name() == "黄必刘"


def test_full_name_falls_back_to_username_without_name():
    assert User(username="hbl", name="").get_full_name() == "hbl"


@pytest.mark.django_db
def test_admin_add_user_page_asks_for_name_not_first_and_last(client_for, superuser):
    response = client_for(superuser).get("/admin/jinjie/user/add/")

    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="name"' in content
    assert 'name="phone"' in content
    assert 'name="first_name"' not in content
    assert 'name="last_name"' not in content


@pytest.mark.django_db
def test_admin_change_user_page_shows_name_not_first_and_last(client_for, superuser):
    user = UserFactory(name="赵国向")

    response = client_for(superuser).get(f"/admin/jinjie/user/{user.pk}/change/")

    assert response.status_code == 200
    content = response.content.decode()
    assert 'value="赵国向"' in content
    assert 'name="first_name"' not in content
    assert 'name="last_name"' not in content


@pytest.mark.django_db
def test_admin_creates_user_with_name_and_phone(client_for, superuser):
    response = client_for(superuser).post(
        "/admin/jinjie/user/add/",
        {
            "username": "huangbiliu",
            "name": "黄必刘",
            "phone": "13877112233",
            "password1": "Gul1ng-tun-2020",
            "password2": "Gul1ng-tun-2020",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="huangbiliu")
    assert (user.name, user.phone) == ("黄必刘", "13877112233")
    assert user.check_password("Gul1ng-tun-2020")
