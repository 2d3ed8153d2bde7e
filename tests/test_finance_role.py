"""A manager gives the finance role (record, allocate and reverse payments) and takes it back;
nobody else may."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = "/accounts/finance/"
EXPECTED = {
    None: 302,
    "purchasing": 403,
    "sales": 403,
    "clerk_a": 403,
    "clerk_b": 403,
    "finance": 403,
    "manager": 200,
    "administrator": 200,
}


@pytest.mark.parametrize("role", list(EXPECTED), ids=lambda r: r or "anonymous")
def test_only_managers_and_administrators_open_the_finance_staff_page(role, client_for):
    assert reverse("finance_staff") == URL
    response = client_for(role).get(URL)
    assert response.status_code == EXPECTED[role]
    if role is None:
        assert "/login" in response["Location"]


@pytest.mark.parametrize("role", ["purchasing", "sales", "clerk_a", "finance"])
def test_others_cannot_give_the_role(role, users, client_for):
    response = client_for(role).post(URL, {"user": users["sales"].pk, "grant": "1"})
    assert response.status_code == 403
    assert not users["sales"].groups.filter(name="finance").exists()


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)  # permissions are cached on the instance


def test_a_manager_gives_the_finance_role_and_takes_it_back(users, client_for):
    manager, clerk = client_for("manager"), users["clerk_a"]
    assert not fresh(clerk).has_perm("sales.add_customerpayment")

    page = manager.get(URL).content.decode()
    assert 'data-user="clerk_a"' in page

    response = manager.post(URL, {"user": clerk.pk, "grant": "1"}, follow=True)
    assert "Finance role given." in response.content.decode()
    clerk = fresh(clerk)
    assert clerk.has_perm("sales.add_customerpayment") and clerk.has_perm("purchasing.add_supplierpayment")
    assert clerk.has_perm("purchasing.reverse_supplierpayment") and clerk.has_perm(
        "sales.view_receivableentry"
    )
    assert not clerk.has_perm("purchasing.view_purchaseorder")  # amounts owed, not prices
    log = LogEntry.objects.get(object_id=str(clerk.pk))
    assert (log.user_id, log.change_message) == (users["manager"].pk, "Finance role given")

    response = manager.post(URL, {"user": clerk.pk, "grant": "0"}, follow=True)
    assert "Finance role taken back." in response.content.decode()
    assert not fresh(clerk).has_perm("sales.add_customerpayment")
    assert LogEntry.objects.filter(object_id=str(clerk.pk)).count() == 2


def test_an_inactive_or_unknown_user_is_refused_with_a_message(users, client_for):
    users["sales"].is_active = False
    users["sales"].save()
    manager = client_for("manager")
    for user_id in (users["sales"].pk, "abc", 999999):
        response = manager.post(URL, {"user": user_id, "grant": "1"}, follow=True)
        assert "Only an active user can be given the finance role." in response.content.decode()
    assert not users["sales"].groups.filter(name="finance").exists()
    assert not LogEntry.objects.exists()
