"""Shared fixtures: one user per role (plus a second clerk in another warehouse), logged-in
clients, and the two warehouses A and B that clerk scoping is tested against."""

import pytest
from django.test import Client

from .factories import PASSWORD, UserFactory, WarehouseFactory

ROLE_USERS = ("purchasing", "sales", "clerk_a", "clerk_b", "manager", "administrator")


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    # Tests read English messages unless they switch language on purpose.
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def warehouse_a(db):
    return WarehouseFactory(code="WHA", name="仓库A")


@pytest.fixture
def warehouse_b(db):
    return WarehouseFactory(code="WHB", name="仓库B")


@pytest.fixture
def users(db, warehouse_a, warehouse_b):
    made = {
        "purchasing": UserFactory(username="purchasing", roles=["purchasing"]),
        "sales": UserFactory(username="sales", roles=["sales"]),
        "clerk_a": UserFactory(username="clerk_a", roles=["warehouse_clerk"]),
        "clerk_b": UserFactory(username="clerk_b", roles=["warehouse_clerk"]),
        "manager": UserFactory(username="manager", roles=["manager"]),
        "administrator": UserFactory(username="administrator", roles=["administrator"]),
    }
    warehouse_a.members.add(made["clerk_a"])
    warehouse_b.members.add(made["clerk_b"])
    return made


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_for(users):
    """client_for("manager") -> a logged-in test client; client_for(None) -> anonymous."""

    def make(role):
        return Client() if role is None else login(users[role])

    return make


@pytest.fixture
def password():
    return PASSWORD
