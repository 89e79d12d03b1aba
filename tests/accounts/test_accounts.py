"""Sign up, log in and out, follow and unfollow."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model

from accounts.models import Follow
from accounts.selectors import follow_counts, is_following
from accounts.services import follow_set
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_signup_signs_in_and_follows_next(client):
    response = client.post(
        "/signup/",
        {
            "username": "tidecaller2",
            "password1": "reef-drift-42!",
            "password2": "reef-drift-42!",
            "next": "/create/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/create/"
    user = get_user_model().objects.get(username="tidecaller2")
    assert client.get("/create/").status_code == 200
    assert f'href="/u/{user.username}/"' in client.get("/").content.decode()


def test_signup_never_redirects_off_site(client):
    response = client.post(
        "/signup/",
        {
            "username": "abc",
            "password1": "reef-drift-42!",
            "password2": "reef-drift-42!",
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == "/"


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"username": "taken"}, "username", "That name is taken."),
        ({"username": "Taken"}, "username", "That name is taken."),
        ({"username": "<script>"}, "username", "Enter a valid username"),
        ({"username": "x" * 31}, "username", "at most 30 characters"),
        ({"password1": "123", "password2": "123"}, "password2", "too short"),
        ({"password2": "something-else-1"}, "password2", "didn’t match"),
    ],
)
def test_signup_errors_show_beside_the_field(client, data, field, message):
    UserFactory(username="taken")
    payload = {"username": "newbie", "password1": "reef-drift-42!", "password2": "reef-drift-42!", **data}
    response = client.post("/signup/", payload)
    assert response.status_code == 400
    page = response.content.decode()
    block = page[page.index(f'id="field-{field}"') :]
    assert message in block[: block.index("</ul>")]
    assert get_user_model().objects.count() == 1


def test_login_logout(client):
    user = UserFactory(username="emberfox")
    user.set_password("magma-depths-9")
    user.save()
    bad = client.post("/login/", {"username": "emberfox", "password": "nope"})
    assert bad.status_code == 400 and "Please enter a correct username and password" in bad.content.decode()
    good = client.post(
        "/login/?next=/u/emberfox/",
        {"username": "emberfox", "password": "magma-depths-9", "next": "/u/emberfox/"},
    )
    assert good.status_code == 302 and good["Location"] == "/u/emberfox/"
    assert "Log out" in client.get("/u/emberfox/").content.decode()
    assert client.post("/logout/").status_code == 302
    assert client.get("/create/").status_code == 302


def test_login_attempts_are_rate_limited(client, settings):
    settings.WORLDFEED_RATE_LIMITS = {**settings.WORLDFEED_RATE_LIMITS, "login": "3/minute"}
    for _ in range(3):
        assert client.post("/login/", {"username": "x", "password": "y"}).status_code == 400
    response = client.post("/login/", {"username": "x", "password": "y"})
    assert response.status_code == 429 and 0 < int(response["Retry-After"]) <= 60
    assert "Too many attempts to log in. Try again in" in response.content.decode()


def test_follow_services():
    a, b = UserFactory(), UserFactory()
    assert follow_set(follower=a, followee=b, following=True)
    assert follow_set(follower=a, followee=b, following=True)  # idempotent
    assert is_following(follower=a, followee=b) and not is_following(follower=b, followee=a)
    assert follow_counts(user=b).followers == 1 and follow_counts(user=a).following == 1
    assert not follow_set(follower=a, followee=b, following=False) and Follow.objects.count() == 0
    with pytest.raises(Exception, match="yourself"):
        follow_set(follower=a, followee=a, following=True)


def test_follow_api_and_profile_form(client):
    star = UserFactory(username="neonmoth")
    url = "/api/users/neonmoth/follow/"
    assert client.post(url, data="{}", content_type="application/json").status_code == 401
    fan = UserFactory()
    client.force_login(fan)
    response = client.post(url, data=json.dumps({"following": True}), content_type="application/json")
    assert response.json() == {"following": True, "followers": 1}
    assert client.post(url, data="{}", content_type="application/json").json()["following"] is False  # toggle
    assert client.post(url, {"following": "1"})["Location"] == "/u/neonmoth/"  # the profile's plain form
    assert is_following(follower=fan, followee=star)
    page = client.get("/u/neonmoth/").content.decode()
    assert "Following" in page and "1</strong> follower" in page
    client.force_login(star)
    assert (
        client.post("/api/users/neonmoth/follow/", data="{}", content_type="application/json").status_code
        == 400
    )
