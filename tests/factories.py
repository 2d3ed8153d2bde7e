from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from accounts.models import User
from inventory.models import Batch, Category, Item, ItemBarcode, ItemUnit, Location, Unit, Warehouse
from purchasing.models import Supplier, SupplierItem, SupplierPriceBreak
from sales.models import Customer, PriceLevel

PASSWORD = "jxc-test-pass-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if not create:
            return
        if extracted:
            self.groups.set(Group.objects.filter(name__in=extracted))
            if "administrator" in extracted:
                self.is_staff = True
        self.save()  # also keeps the password set above (post-generation saves are skipped)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"U{n}")
    name = factory.Sequence(lambda n: f"单位{n}")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    code = factory.Sequence(lambda n: f"C{n:03d}")
    name = factory.Sequence(lambda n: f"类别{n}")
    path = factory.LazyAttribute(lambda o: f"{o.parent.path} / {o.name}" if o.parent else o.name)
    depth = factory.LazyAttribute(lambda o: o.parent.depth + 1 if o.parent else 0)
    parent = None


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    sku = factory.Sequence(lambda n: f"SKU{n:05d}")
    name = factory.Sequence(lambda n: f"商品{n}")
    category = factory.SubFactory(CategoryFactory)
    base_unit = factory.SubFactory(UnitFactory, code="PCS", name="个")
    safety_stock = Decimal("10")
    reorder_point = Decimal("20")


class ItemUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ItemUnit

    item = factory.SubFactory(ItemFactory)
    unit = factory.SubFactory(UnitFactory, code="BOX", name="箱")
    factor = Decimal("24")


class ItemBarcodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ItemBarcode

    item = factory.SubFactory(ItemFactory)
    barcode = factory.Sequence(lambda n: f"69{n:011d}")


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"WH{n}")
    name = factory.Sequence(lambda n: f"仓库{n}")

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.set(extracted)


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    warehouse = factory.SubFactory(WarehouseFactory)
    code = factory.Sequence(lambda n: f"A-{n:02d}")
    path = factory.LazyAttribute(lambda o: o.code)


class BatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Batch

    item = factory.SubFactory(ItemFactory, tracking="batch_expiry", shelf_life_days=180)
    batch_no = factory.Sequence(lambda n: f"B{n:06d}")


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    code = factory.Sequence(lambda n: f"S{n:03d}")
    name = factory.Sequence(lambda n: f"供应商{n}")


class SupplierItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupplierItem

    supplier = factory.SubFactory(SupplierFactory)
    item = factory.SubFactory(ItemFactory)
    unit = factory.SelfAttribute("item.base_unit")
    price = Decimal("12.5000")


class PriceBreakFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupplierPriceBreak

    supplier_item = factory.SubFactory(SupplierItemFactory)
    min_qty = Decimal("100")
    price = Decimal("11.0000")


class PriceLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceLevel
        django_get_or_create = ("code",)

    code = "WHOLESALE"
    name = "批发价"


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    code = factory.Sequence(lambda n: f"K{n:03d}")
    name = factory.Sequence(lambda n: f"客户{n}")
    credit_limit = Decimal("50000.00")
