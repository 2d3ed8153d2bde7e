"""Logging in and out, lock-out after wrong passwords, password change, idle sessions on shared
terminals, and sessions ending when an administrator deactivates a user."""

import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts.admin import end_sessions_of

from .factories import UserFactory

LOGIN = "/accounts/login/"
IDLE_KEY = "jxc_last_seen"  # accounts.middleware


@pytest.fixture
def clerk(users):
    return users["clerk_a"]


def log_in(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def sessions_of(user) -> list[Session]:
    return [s for s in Session.objects.all() if str(s.get_decoded().get("_auth_user_id")) == str(user.pk)]


# Log in, log out -------------------------------------------------------------------------------
def test_login_with_the_login_form_lands_on_home(clerk, password):
    client = Client()

    response = log_in(client, "clerk_a", password)

    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert home.context["user"] == clerk
    assert f"Welcome, {clerk}" in home.content.decode()


def test_login_returns_to_the_page_asked_for(clerk, password):
    client = Client()

    response = client.post(LOGIN, {"username": "clerk_a", "password": password, "next": "/inventory/items/"})

    assert response["Location"] == "/inventory/items/"


def test_wrong_password_shows_an_error_and_does_not_log_in(clerk):
    client = Client()

    response = log_in(client, "clerk_a", "not-the-password")

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert client.get("/").status_code == 302


def test_logout_is_a_post_and_ends_the_session(client_for, clerk):
    client = client_for("clerk_a")

    refused = client.get(reverse("logout"))
    response = client.post(reverse("logout"))

    assert refused.status_code == 405
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert client.get("/")["Location"] == f"{LOGIN}?next=/"
    assert sessions_of(clerk) == []


def test_a_logged_in_user_opening_login_goes_home(client_for):
    response = client_for("clerk_a").get(LOGIN)

    assert response.status_code == 302
    assert response["Location"] == "/"


# Lock-out (django-axes) ------------------------------------------------------------------------
@pytest.fixture
def locked(settings, clerk):
    """clerk_a from 10.0.0.1 after AXES_FAILURE_LIMIT wrong passwords."""
    assert settings.AXES_ENABLED, "run the suite with AXES_ENABLED=true"
    responses = [
        log_in(Client(), "clerk_a", "wrong", ip="10.0.0.1") for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    return responses


def test_failures_below_the_limit_do_not_lock(settings, clerk, password):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(Client(), "clerk_a", "wrong")

    response = log_in(Client(), "clerk_a", password)

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_the_limit_of_failures_locks_the_username_on_that_address(locked, password):
    client = Client()

    response = log_in(client, "clerk_a", password, ip="10.0.0.1")  # even the right password

    assert b'id="locked-out"' in locked[-1].content
    assert response.status_code == 429
    assert b'id="locked-out"' in response.content
    assert "Too many failed log-ins" in response.content.decode()
    assert client.get("/").status_code == 302  # not logged in


def test_another_username_from_the_same_address_is_not_locked(locked, users, password):
    client = Client()

    response = log_in(client, "clerk_b", password, ip="10.0.0.1")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").context["user"] == users["clerk_b"]


def test_the_same_username_from_another_address_is_not_locked(locked, clerk, password):
    client = Client()

    response = log_in(client, "clerk_a", password, ip="10.0.0.2")

    assert response.status_code == 302
    assert client.get("/").context["user"] == clerk


# Password change -------------------------------------------------------------------------------
def test_password_change_needs_the_old_password(client_for, clerk, password):
    client = client_for("clerk_a")

    response = client.post(
        reverse("password_change"),
        {
            "old_password": "wrong",
            "new_password1": "Neu-Passwort-2026!",
            "new_password2": "Neu-Passwort-2026!",
        },
    )

    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    clerk.refresh_from_db()
    assert clerk.check_password(password)


def test_password_change_works_and_keeps_the_user_logged_in(client_for, clerk, password):
    client = client_for("clerk_a")

    response = client.post(
        reverse("password_change"),
        {
            "old_password": password,
            "new_password1": "Neu-Passwort-2026!",
            "new_password2": "Neu-Passwort-2026!",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    assert client.get(reverse("password_change_done")).status_code == 200
    assert log_in(Client(), "clerk_a", password).status_code == 200  # the old one no longer works
    assert log_in(Client(), "clerk_a", "Neu-Passwort-2026!")["Location"] == "/"


def test_password_change_page_needs_login():
    response = Client().get(reverse("password_change"))

    assert response["Location"] == f"{LOGIN}?next=/accounts/password/"


# Idle timeout ----------------------------------------------------------------------------------
def _idle_for(client: Client, seconds: int) -> None:
    session = client.session
    session[IDLE_KEY] = int(time.time()) - seconds
    session.save()


def test_a_session_idle_longer_than_the_timeout_is_logged_out(client_for, clerk):
    client = client_for("clerk_a")
    assert client.get("/inventory/items/").status_code == 200
    _idle_for(client, settings.SESSION_IDLE_TIMEOUT + 5)

    response = client.get("/inventory/items/")

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/inventory/items/"
    assert sessions_of(clerk) == []
    login_page = client.get(response["Location"])
    assert login_page.status_code == 200
    assert "You were logged out after a period of inactivity." in login_page.content.decode()
    assert client.get("/").status_code == 302


def test_a_session_used_within_the_timeout_stays(client_for, clerk):
    client = client_for("clerk_a")
    _idle_for(client, settings.SESSION_IDLE_TIMEOUT - 60)

    response = client.get("/inventory/items/")

    assert response.status_code == 200
    assert client.session[IDLE_KEY] >= int(time.time()) - 5  # the visit counts as activity


# Deactivated users -----------------------------------------------------------------------------
def _admin_change_form(user, **changes) -> dict:
    joined = user.date_joined.astimezone()
    data = {
        "username": user.username,
        "display_name": user.display_name,
        "first_name": "",
        "last_name": "",
        "email": "",
        "phone": "",
        "is_active": "on",
        "is_staff": "",
        "groups": [g.pk for g in user.groups.all()],
        "warehouses": [w.pk for w in user.warehouses.all()],
        "user_permissions": [],
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
        "last_login_0": "",
        "last_login_1": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_deactivating_a_user_in_the_admin_ends_their_sessions(client_for, clerk):
    victim = client_for("clerk_a")
    assert victim.get("/").status_code == 200
    assert len(sessions_of(clerk)) == 1

    response = client_for("administrator").post(
        reverse("admin:accounts_user_change", args=[clerk.pk]), _admin_change_form(clerk, is_active=None)
    )

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    clerk.refresh_from_db()
    assert clerk.is_active is False
    assert sessions_of(clerk) == []
    assert victim.get("/inventory/items/")["Location"] == f"{LOGIN}?next=/inventory/items/"


def test_saving_an_active_user_in_the_admin_keeps_their_sessions(client_for, clerk, warehouse_a):
    client_for("clerk_a").get("/")

    response = client_for("administrator").post(
        reverse("admin:accounts_user_change", args=[clerk.pk]), _admin_change_form(clerk, phone="13800000000")
    )

    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.phone == "13800000000"
    assert list(clerk.warehouses.all()) == [warehouse_a]
    assert len(sessions_of(clerk)) == 1


def test_end_sessions_of_removes_only_that_users_sessions(client_for, users):
    clerk_a, clerk_b = client_for("clerk_a"), client_for("clerk_b")

    end_sessions_of(users["clerk_a"])

    assert clerk_a.get("/").status_code == 302
    assert clerk_b.get("/").status_code == 200


def test_a_deactivated_user_cannot_log_in(db, password):
    UserFactory(username="gone", is_active=False)

    response = log_in(Client(), "gone", password)

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


# Admin site ------------------------------------------------------------------------------------
def test_admin_site_is_open_to_the_administrator(client_for):
    assert client_for("administrator").get("/admin/").status_code == 200
    assert client_for("administrator").get(reverse("admin:accounts_user_changelist")).status_code == 200


@pytest.mark.parametrize("role", ["manager", "purchasing", "sales", "clerk_a"])
def test_admin_site_sends_non_staff_to_the_admin_login(role, client_for):
    response = client_for(role).get("/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/"
