"""Chinese and English: the language switch, numbers with thousands separators in both, dates
typed the way the pages show them, and Beijing time."""

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from inventory.models import Batch

from .factories import BatchFactory, CustomerFactory, ItemFactory

ZH_CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo"


def switch(client: Client, language: str, next_url: str = "/"):
    response = client.post(reverse("set_language"), {"language": language, "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == next_url
    return response


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


def nav_label(response, url_name: str) -> str:
    match = re.search(
        rf'data-url-name="{url_name}"><i class="[^"]*"></i>\s*([^<]+?)\s*</a>', response.content.decode()
    )
    assert match, f"no nav entry {url_name}"
    return match.group(1)


@pytest.fixture
def manager(client_for):
    return client_for("manager")


# The switch ------------------------------------------------------------------------------------
def test_switching_to_english_renders_the_next_page_in_english(manager):
    switch(manager, "zh-hans")
    switch(manager, "en")

    response = manager.get("/")

    assert html_lang(response) == "en"
    assert nav_label(response, "inventory:item_list") == "Items"


def test_switching_to_chinese_renders_the_next_page_in_chinese(manager):
    switch(manager, "zh-hans")

    response = manager.get("/")
    refused = manager.post(reverse("inventory:unit_create"), {"code": "", "name": ""})

    assert html_lang(response) == "zh-hans"
    # Django ships this message in Chinese, whatever state JXC's own catalogue is in.
    assert "这个字段是必填项。" in refused.content.decode()


@pytest.mark.skipif(
    not ZH_CATALOGUE.exists(), reason="run `make messages`: locale/zh_Hans/…/django.mo is missing"
)
def test_chinese_navigation_uses_the_jxc_catalogue(manager):
    switch(manager, "zh-hans")

    response = manager.get("/")

    assert nav_label(response, "inventory:item_list") == "商品"


def test_the_language_choice_lasts_across_pages_and_logins(users, password):
    client = Client()
    switch(client, "en", next_url="/accounts/login/")

    client.post("/accounts/login/", {"username": "manager", "password": password})
    items = client.get(reverse("inventory:item_list"))

    assert html_lang(items) == "en"


def test_the_language_switch_offers_both_languages(manager):
    html = manager.get("/").content.decode()

    assert '<option value="zh-hans"' in html and '<option value="en" selected' in html
    assert "简体中文" in html


# Numbers ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_amounts_have_thousands_separators(language, client_for):
    # Django's own zh-hans format groups by 4 with no separator (1234567.89); JXC's reads 1,234,567.89.
    customer = CustomerFactory(credit_limit=Decimal("1234567.89"))
    sales = client_for("sales")
    switch(sales, language)

    listing = sales.get(reverse("sales:customer_list")).content.decode()
    detail = sales.get(customer.get_absolute_url()).content.decode()

    assert "1,234,567.89" in listing
    assert "1,234,567.89" in detail


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_quantities_drop_trailing_zeros_but_keep_grouping(language, manager):
    ItemFactory(sku="SKU-BIG", safety_stock=Decimal("12345.5000"), reorder_point=Decimal("20"))
    switch(manager, language)

    html = manager.get(reverse("inventory:item_list")).content.decode()

    assert ">12,345.5<" in html
    assert ">20<" in html


# Dates -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["2026年3月5日", "2026-03-05", "2026/3/5"])
def test_a_batch_form_in_chinese_accepts_chinese_and_iso_dates(typed, client_for):
    item = ItemFactory(tracking="batch")
    clerk = client_for("clerk_a")
    switch(clerk, "zh-hans")

    response = clerk.post(
        reverse("inventory:batch_create"),
        {
            "item": item.pk,
            "batch_no": "B-1",
            "production_date": typed,
            "expiry_date": "",
            "notes": "",
        },
    )

    assert response.status_code == 302
    assert Batch.objects.get().production_date == dt.date(2026, 3, 5)


@pytest.mark.parametrize(("language", "shown"), [("zh-hans", "2026年3月5日"), ("en", "March 5, 2026")])
def test_dates_show_in_the_language_and_can_be_typed_back(language, shown, client_for):
    batch = BatchFactory(production_date=dt.date(2026, 3, 5), expiry_date=dt.date(2026, 9, 1))
    clerk = client_for("clerk_a")
    switch(clerk, language)

    detail = clerk.get(batch.get_absolute_url()).content.decode()
    assert shown in detail

    response = clerk.post(
        reverse("inventory:batch_update", args=[batch.pk]),
        {
            "item": batch.item.pk,
            "batch_no": batch.batch_no,
            "production_date": shown,
            "expiry_date": "2026-09-01",
            "notes": "",
        },
    )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.production_date == dt.date(2026, 3, 5)


def test_a_date_the_page_does_not_understand_is_refused_with_a_message(client_for):
    item = ItemFactory(tracking="batch")
    clerk = client_for("clerk_a")

    response = clerk.post(
        reverse("inventory:batch_create"),
        {
            "item": item.pk,
            "batch_no": "B-1",
            "production_date": "5.3.26x",
            "expiry_date": "",
            "notes": "",
        },
    )

    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()
    assert not Batch.objects.exists()


# Time zone -------------------------------------------------------------------------------------
def test_times_are_beijing_time():
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True


@pytest.mark.parametrize(
    ("language", "shown"), [("zh-hans", "2026年3月5日 00:30"), ("en", "March 5, 2026, 12:30 a.m.")]
)
def test_a_time_stored_in_utc_shows_in_beijing_time(language, shown, client_for):
    # 16:30 UTC on 4 March is half past midnight on 5 March in Beijing (UTC+8).
    batch = BatchFactory(first_received_at=dt.datetime(2026, 3, 4, 16, 30, tzinfo=dt.UTC))
    clerk = client_for("clerk_a")
    switch(clerk, language)

    detail = clerk.get(batch.get_absolute_url()).content.decode()

    assert shown in detail
