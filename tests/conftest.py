"""Shared fixtures: one user per role (plus a second clerk in another warehouse), logged-in
clients, and the two warehouses A and B that clerk scoping is tested against."""

import importlib
import warnings

import pytest
from django.apps import apps
from django.test import Client

from .factories import PASSWORD, UserFactory, WarehouseFactory

ROLE_USERS = ("purchasing", "sales", "clerk_a", "clerk_b", "manager", "administrator", "finance")


@pytest.fixture(scope="session", autouse=True)
def _end_connections_left_open(django_db_setup, django_db_blocker):
    """At the end of the session, end the connections to the test database that something (a
    thread, a worker process) left open, so that dropping the database does not fail; say which
    they were, so the leak can be found."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql" or not connection.settings_dict["NAME"].startswith("test_"):
        return  # not PostgreSQL, or no test of the session needed the database
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, application_name, state, left(query, 120) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        left = cursor.fetchall()
        for pid, *_rest in left:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    if left:
        warnings.warn(f"connections left open to the test database (ended): {left}", stacklevel=1)


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    # Tests read English messages unless they switch language on purpose.
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Every role user gets a password; the default PBKDF2 costs a large share of a test's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def ensure_roles() -> None:
    """The role groups. Created by the data migrations, but a transactional test's flush empties
    every table, so re-create them (idempotently) for the tests that follow one."""
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    if Group.objects.filter(name="warehouse_clerk").exists():
        return
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    importlib.import_module("accounts.migrations.0002_roles").assign_roles(Group, Permission)
    for name in (
        "0003_stock_roles",
        "0004_period_roles",
        "0005_stocktake_roles",
        "0006_purchasing_roles",
        "0007_sales_price_roles",
        "0008_sales_order_roles",
        "0009_finance_role",
        "0010_report_roles",
    ):
        importlib.import_module(f"accounts.migrations.{name}").assign(Group, Permission)


@pytest.fixture
def roles(db):
    ensure_roles()


@pytest.fixture
def warehouse_a(db):
    return WarehouseFactory(code="WHA", name="仓库A")


@pytest.fixture
def warehouse_b(db):
    return WarehouseFactory(code="WHB", name="仓库B")


def make_role_users(warehouse_a, warehouse_b) -> dict:
    """One user per role; clerk_a works in warehouse A, clerk_b in B. Also used by module-scoped
    worlds (tests/test_every_url.py), which cannot use the function-scoped fixture below."""
    made = {
        "purchasing": UserFactory(username="purchasing", roles=["purchasing"]),
        "sales": UserFactory(username="sales", roles=["sales"]),
        "clerk_a": UserFactory(username="clerk_a", roles=["warehouse_clerk"]),
        "clerk_b": UserFactory(username="clerk_b", roles=["warehouse_clerk"]),
        "manager": UserFactory(username="manager", roles=["manager"]),
        "administrator": UserFactory(username="administrator", roles=["administrator"]),
        "finance": UserFactory(username="finance", roles=["finance"]),
    }
    warehouse_a.members.add(made["clerk_a"])
    warehouse_b.members.add(made["clerk_b"])
    return made


@pytest.fixture
def users(db, roles, warehouse_a, warehouse_b):
    return make_role_users(warehouse_a, warehouse_b)


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
